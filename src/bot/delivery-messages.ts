import { messageOf } from '../core/errors.js';
import type { AlertLocation, DigestSummary, StoredFinding } from '../usecases/store-port.js';
import { type AlertKey, alertMessage } from './blocks/alert.js';
import { type DigestView, digestViewMessage } from './blocks/digest.js';
import { eventReply } from './blocks/event-reply.js';
import { scanWarning } from './blocks/scan-warning.js';
import { summaryMessage } from './blocks/summary.js';
import type { DeliveryContext } from './delivery-context.js';
import type { Delivery } from './delivery-plan.js';
import { rememberWarning, worthWarning } from './incomplete-scan-warnings.js';

/** Sends one delivery; returns where it went (undefined when there was nothing left to say). */
export async function send(
  ctx: DeliveryContext,
  delivery: Exclude<Delivery, { kind: 'silent' }>,
  deliveryId: string,
  channel: string,
  digest: DigestSummary | undefined,
) {
  const { record, poster, settings } = ctx;
  switch (delivery.kind) {
    case 'alert': {
      const findings = findingsOf(ctx, delivery.fingerprints).filter((f) => f.status !== 'resolved');
      // Everything it would show was resolved (or trusted) before it could be posted: nothing to alert.
      if (findings.length === 0) return undefined;
      const posted = await poster.post(channel, alertMessage(alertModel(ctx, findings)), {
        idempotencyKey: deliveryId,
      });
      await record.recordAlert(
        findings.map((f) => f.fingerprint),
        posted,
        settings.now(),
      );
      return posted;
    }
    case 'digest': {
      // Everything it would show was resolved (or trusted) before it could be posted: nothing to say.
      if (digest === undefined || digest.keys === 0) return undefined;
      return poster.post(channel, digestViewMessage(digestView(ctx, digest)), { idempotencyKey: deliveryId });
    }
    case 'thread': {
      const { location } = delivery;
      const posted = await poster.post(location.channel, eventReply(delivery.events), {
        threadTs: location.ts,
        broadcast: delivery.broadcast,
        idempotencyKey: deliveryId,
      });
      await updateAlert(ctx, location);
      return posted;
    }
    case 'warning': {
      const n = delivery.notification;
      if (!worthWarning(record, n.signature)) return undefined;
      const posted = await poster.post(channel, scanWarning(n), { idempotencyKey: deliveryId });
      await rememberWarning(record, n.signature, settings.now());
      return posted;
    }
    case 'summary':
      return poster.post(channel, summaryMessage(delivery.notification.summary, settings.accountName), {
        idempotencyKey: deliveryId,
      });
  }
}

/** Re-renders an alert from where its findings stand now. A failure here is logged: the thread reply went out. */
export async function updateAlert(ctx: DeliveryContext, location: AlertLocation): Promise<void> {
  const findings = findingsOf(ctx, ctx.record.alertFindings(location));
  if (findings.length === 0) return;
  await ctx.lease.confirm();
  try {
    await ctx.slack.updateMessage(location.channel, location.ts, alertMessage(alertModel(ctx, findings)));
  } catch (error) {
    ctx.log.warn(
      { event: 'slack-update', channel: location.channel, ts: location.ts, error: messageOf(error) },
      'could not update an alert in place',
    );
  }
}

/** A digest as the record summed it up, with the accounts' names from the config. */
function digestView(ctx: DeliveryContext, digest: DigestSummary): DigestView {
  const { settings } = ctx;
  return {
    keys: digest.keys,
    severities: digest.severities,
    accounts: digest.accounts.map((a) => ({ ...a, accountName: settings.accountName(a.accountId) })),
    worst: digest.worst.flatMap(({ keyArn, findings }) => {
      const first = findings[0];
      if (first === undefined) return [];
      const { aliases, accountId, region } = first;
      return [{ keyArn, aliases, accountId, region, accountName: settings.accountName(accountId), findings }];
    }),
  };
}

function findingsOf(ctx: DeliveryContext, fingerprints: readonly string[]): StoredFinding[] {
  return fingerprints.map((f) => ctx.record.finding(f)).filter((f): f is StoredFinding => f !== undefined);
}

function alertModel(ctx: DeliveryContext, findings: readonly StoredFinding[]) {
  const { settings } = ctx;
  const f = findings[0] as StoredFinding;
  const key: AlertKey = {
    keyArn: f.keyArn,
    keyId: f.keyId,
    aliases: f.aliases,
    accountId: f.accountId,
    accountName: settings.accountName(f.accountId),
    region: f.region,
    keyState: f.keyState,
    stack: findings.find((finding) => finding.stack)?.stack ?? null,
  };
  return { key, findings, roleName: settings.roleName, remediation: settings.remediation };
}
