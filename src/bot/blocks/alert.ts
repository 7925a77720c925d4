import { compareSeverity } from '../../core/policy/actions.js';
import { ACTIONS } from '../../usecases/slack-surface.js';
import type { StoredFinding } from '../../usecases/store-port.js';
import { findingLine, outcomeLine, SEVERITY_ICON } from './finding-lines.js';
import {
  type Block,
  type Confirm,
  context,
  type Element,
  LIMITS,
  type Message,
  mrkdwn,
  plainText,
  section,
} from './kit.js';
import { code, date, outside, plain, preformattedText, truncate } from './mrkdwn.js';

/** The key an alert is about, as the record and the config know it. */
export interface AlertKey {
  readonly keyArn: string;
  readonly keyId: string;
  readonly aliases: readonly string[];
  readonly accountId: string;
  readonly accountName: string | undefined;
  readonly region: string;
  readonly keyState: string;
  /** The CloudFormation stack that owns the key, when known. */
  readonly stack?: string | null;
}

export interface AlertModel {
  readonly key: AlertKey;
  /** The findings the message shows, as they stand now (open, acknowledged or resolved). */
  readonly findings: readonly StoredFinding[];
  /** The audit role's name, for the statement an unreadable key needs. */
  readonly roleName: string;
  /** remediation.enabled: the alert offers Remediate. */
  readonly remediation?: boolean;
}

/** Findings shown in full; the rest are counted, with the command that lists them. */
const MAX_SHOWN = 40;
const MAX_FINDING_SECTIONS = 20;

/**
 * One key's alert: the key, each untrusted principal with its statement or grant, actions, severity and reason, and
 * the buttons. Rendered again from the record whenever something happens to its findings, so the message always
 * shows where they stand; the buttons stay while any finding is open.
 */
export function alertMessage(model: AlertModel): Message {
  const { key } = model;
  const findings = [...model.findings].sort(
    (a, b) => compareSeverity(a.severity, b.severity) || a.principal.localeCompare(b.principal),
  );
  const open = findings.filter((f) => f.status === 'open');
  const worst = (open[0] ?? findings[0])?.severity ?? 'high';
  const unreadable = findings.some((f) => f.kind === 'unreadable' && f.status !== 'resolved');
  const blocks: Block[] = [
    {
      type: 'header',
      text: plainText(
        truncate(
          `${worst.toUpperCase()}: ${unreadable ? 'a KMS key the scanner cannot read' : 'a KMS key open to untrusted principals'}`,
          LIMITS.headerText,
        ),
      ),
    },
    { type: 'section', fields: keyFields(key) },
  ];
  if (unreadable) blocks.push(...unreadableBlocks(key, model.roleName));

  const exposures = findings.filter((f) => f.kind !== 'unreadable');
  const shown = exposures.filter((f) => f.status === 'open').slice(0, MAX_SHOWN);
  blocks.push(...packed(shown.map(findingLine), MAX_FINDING_SECTIONS));
  const hidden = exposures.filter((f) => f.status === 'open').length - shown.length;
  if (hidden > 0) {
    blocks.push(
      context(`…and ${hidden} more open findings on this key: ${code(`/kms findings open ${key.accountId}`)}`),
    );
  }
  const outcomes = findings.map(outcomeLine).filter((line): line is string => line !== undefined);
  blocks.push(...packed(outcomes, 3));
  const firstSeen = findings.map((f) => f.firstSeen).sort()[0];
  if (firstSeen !== undefined) {
    blocks.push(
      context(
        `First seen ${date(firstSeen)} · ${findings.length} finding${findings.length === 1 ? '' : 's'} on this key`,
      ),
    );
  }
  if (open.length > 0) blocks.push({ type: 'actions', elements: buttons(key, open, model.remediation === true) });
  return {
    text: fallback(key, open.length > 0 ? open : findings, worst),
    blocks: blocks.slice(0, LIMITS.blocksPerMessage),
  };
}

function keyFields(key: AlertKey) {
  const account =
    key.accountName === undefined ? code(key.accountId) : `${outside(key.accountName)} ${code(key.accountId)}`;
  return [
    mrkdwn(`*Key*\n${code(key.keyArn)}`),
    mrkdwn(`*Aliases*\n${key.aliases.length === 0 ? '_none_' : truncate(key.aliases.map(code).join(', '), 1900)}`),
    mrkdwn(`*Account*\n${account}`),
    mrkdwn(`*Region*\n${code(key.region)}`),
    mrkdwn(`*Key state*\n${code(key.keyState)}`),
    ...(key.stack ? [mrkdwn(`*CloudFormation stack*\n${stackAdvice(key.stack)}`)] : []),
  ];
}

/** Where the fix of a key CloudFormation manages belongs. */
function stackAdvice(stack: string): string {
  return `${code(truncate(stack, 200))} — change the key policy in its template: a fix made here is undone at the next stack update`;
}

function unreadableBlocks(key: AlertKey, roleName: string): Block[] {
  const statement = {
    Sid: 'AllowKmsSentinelAudit',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${key.accountId}:role/${roleName}` },
    Action: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:ListGrants', 'kms:ListResourceTags'],
    Resource: '*',
  };
  return [
    section(
      ':no_entry: The key policy shuts the scanner out, so nobody can tell what it allows: it may let anyone in. ' +
        'Add this statement to the key policy so that the audit role can read it:',
    ),
    section(`\`\`\`${preformattedText(JSON.stringify(statement, null, 2).split('\n'))}\`\`\``),
  ];
}

/** Lines packed into as few sections as Slack allows (at most `max`), none over a section's limit. */
function packed(lines: readonly string[], max: number): Block[] {
  const sections: string[] = [];
  for (const line of lines) {
    const piece = truncate(line, LIMITS.sectionText - 10);
    const last = sections[sections.length - 1];
    if (last !== undefined && last.length + piece.length + 2 <= LIMITS.sectionText - 10) {
      sections[sections.length - 1] = `${last}\n\n${piece}`;
    } else if (sections.length < max) sections.push(piece);
    else break;
  }
  return sections.map((text) => section(text));
}

/** Acknowledge, and Trust for each account outside the trust list that the open findings name. */
function buttons(key: AlertKey, open: readonly StoredFinding[], remediation: boolean): Element[] {
  const elements: Element[] = [
    {
      type: 'button',
      action_id: ACTIONS.acknowledge,
      text: plainText('Acknowledge'),
      style: 'primary',
      value: key.keyArn.slice(0, 2000),
    },
  ];
  const accounts = [
    ...new Set(open.map((f) => f.account).filter((a): a is string => a !== null && a !== key.accountId)),
  ].sort();
  if (accounts.length === 1) {
    const account = accounts[0] as string;
    elements.push({
      type: 'button',
      action_id: ACTIONS.trustAccount,
      text: plainText(truncate(`Trust ${plain(account)}`, LIMITS.buttonText)),
      value: account,
      confirm: trustConfirm(account),
    });
  } else if (accounts.length > 1) {
    const options = accounts.slice(0, LIMITS.selectOptions).map((a) => ({
      text: plainText(truncate(`Trust ${plain(a)}`, LIMITS.optionText)),
      value: a,
    }));
    elements.push(
      accounts.length <= LIMITS.overflowOptions
        ? { type: 'overflow', action_id: ACTIONS.trustAccountMenu, options, confirm: trustConfirm('the account') }
        : {
            type: 'static_select',
            action_id: ACTIONS.trustAccountMenu,
            placeholder: plainText('Trust an account…'),
            options,
            confirm: trustConfirm('the account'),
          },
    );
  }
  if (
    remediation &&
    open.some((f) => f.kind !== 'unreadable' && f.kind !== 'analysis-error' && f.kind !== 'unparseable-policy')
  ) {
    elements.push({
      type: 'button',
      action_id: ACTIONS.remediate,
      text: plainText('Remediate…'),
      style: 'danger',
      value: key.keyArn.slice(0, 2000),
    });
  }
  return elements;
}

function trustConfirm(account: string): Confirm {
  return {
    title: plainText('Trust this account?'),
    text: plainText(
      truncate(
        `Trust account ${plain(account)} for every key? Its findings resolve on every key now, and nothing it is given is reported until it is untrusted.`,
        LIMITS.confirmText,
      ),
    ),
    confirm: plainText('Trust'),
    deny: plainText('Cancel'),
  };
}

function fallback(key: AlertKey, findings: readonly StoredFinding[], worst: string): string {
  const name = key.aliases[0] ?? key.keyId;
  const principals = [...new Set(findings.map((f) => f.principal))].slice(0, 10).map((p) => outside(p));
  const icon = SEVERITY_ICON[worst as keyof typeof SEVERITY_ICON] ?? '';
  return truncate(
    `${icon} ${worst.toUpperCase()}: KMS key ${outside(name)} in ${outside(`${key.accountId}/${key.region}`)} lets in ${findings.length} untrusted principal${findings.length === 1 ? '' : 's'}: ${principals.join(', ')}`,
    LIMITS.fallbackText,
  );
}
