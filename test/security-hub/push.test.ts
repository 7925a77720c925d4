import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AwsSecurityHub } from '../../src/adapters/aws/security-hub.js';
import { asffFinding, asffId } from '../../src/core/exports/asff.js';
import type { RecordReader, StoredFinding } from '../../src/usecases/store-port.js';
import { ownerOnly } from '../helpers/sandbox.js';
import { FOREIGN, HUB_ACCOUNT, KEY_IDS, memoryLog, OTHER, pushOnce, REGION, withHub } from '../helpers/security-hub.js';

const push = suite('Security Hub: the push after a scan, through the real SDK, recorded in a real database');

const TARGET = { accountId: HUB_ACCOUNT, region: REGION, partition: 'aws' };
const byId = (findings: Record<string, unknown>[]) => new Map(findings.map((f) => [f.Id as string, f]));
const open = (h: { record: RecordReader }) => h.record.findings({ status: 'all', accountId: undefined }, new Date());

push(
  "every open finding goes, addressed to the scanner account's hub; the key's account is in its resource",
  async () => {
    await withHub(async (h) => {
      const report = await pushOnce(h.sync());
      const findings = open(h);
      assert.is(findings.length, 3);
      assert.equal(report, { at: report.at, pushed: 3, archived: 0, failed: 0, error: null });
      const held = byId(await h.hubFindings());
      assert.equal([...held.keys()].sort(), findings.map((f) => asffId(f.fingerprint)).sort());
      const staging = findings.find((f) => f.keyId === KEY_IDS.staging) as StoredFinding;
      const got = held.get(asffId(staging.fingerprint)) as Record<string, unknown>;
      assert.is(got.AwsAccountId, HUB_ACCOUNT);
      assert.is(got.ProductArn, `arn:aws:securityhub:${REGION}:${HUB_ACCOUNT}:product/${HUB_ACCOUNT}/default`);
      assert.equal(got.Resources, [
        {
          Type: 'AwsKmsKey',
          Id: `arn:aws:kms:${REGION}:${OTHER}:key/${KEY_IDS.staging}`,
          Partition: 'aws',
          Region: REGION,
          Details: { AwsKmsKey: { KeyId: KEY_IDS.staging, KeyState: 'Enabled', KeyManager: 'CUSTOMER' } },
        },
      ]);
      assert.equal(got.Workflow, { Status: 'NEW' });
      assert.is(got.RecordState, 'ACTIVE');
      assert.is((got.ProductFields as Record<string, string>)['kms-sentinel/principal'], FOREIGN);
      const state = h.record.securityHubState(5);
      assert.equal({ ...state, lastPushAt: null }, { pushed: 3, lastPushAt: null, failed: 0, latestFailures: [] });
      assert.ok((state.lastPushAt ?? '') >= report.at, 'the time Security Hub took them (their UpdatedAt)');
    });
  },
);

push('only new and changed findings go: a second push, and one after a restart, send nothing', async () => {
  await withHub(async (h) => {
    await pushOnce(h.sync());
    const calls = () => h.sandbox.stats().byOperation['securityhub:BatchImportFindings'] ?? 0;
    const before = calls();
    assert.is((await pushOnce(h.sync())).pushed, 0);
    await h.scan();
    const restarted = h.sync();
    const again = await pushOnce(restarted);
    assert.is(again.pushed, 0, 'a scan that changed nothing changes nothing in Security Hub');
    assert.is(calls(), before, 'no BatchImportFindings without something to send');
    const fingerprint = open(h).find((f) => f.keyId === KEY_IDS.shared)?.fingerprint as string;
    await h.record.acknowledge({
      fingerprint,
      actor: 'slack:U0ADMIN',
      reason: 'partner, approved',
      until: undefined,
      now: new Date(),
    });
    const changed = await pushOnce(restarted);
    assert.is(changed.pushed, 1);
    const got = byId(await h.hubFindings()).get(asffId(fingerprint)) as Record<string, unknown>;
    assert.is((got.ProductFields as Record<string, string>)['kms-sentinel/status'], 'acknowledged');
    assert.is((got.ProductFields as Record<string, string>)['kms-sentinel/acknowledgedReason'], 'partner, approved');
    assert.equal(
      got.Workflow,
      { Status: 'NEW' },
      'Security Hub keeps the workflow its users own once it holds a finding',
    );
  });
});

push('the same finding imported twice is one finding in Security Hub, updated by the later import', async () => {
  await withHub(async (h) => {
    const hub = new AwsSecurityHub({ region: REGION, requestTimeoutMs: 5000, maxAttempts: 1 });
    try {
      const finding = open(h)[0] as StoredFinding;
      const first = asffFinding(finding, TARGET, '2026-01-01T00:00:00.000Z');
      assert.equal(await hub.importFindings([first]), []);
      assert.equal(await hub.importFindings([first]), [], 'the same import again');
      const later = { ...asffFinding({ ...finding, severity: 'low' }, TARGET, '2026-01-02T00:00:00.000Z') };
      assert.equal(await hub.importFindings([later]), []);
      const stale = asffFinding({ ...finding, severity: 'medium' }, TARGET, '2026-01-01T12:00:00.000Z');
      assert.equal(await hub.importFindings([stale]), []);
      const held = await h.hubFindings();
      assert.is(held.length, 1);
      assert.equal(
        held[0]?.Severity,
        { Label: 'LOW', Original: 'low' },
        'the latest UpdatedAt wins; an older one is ignored',
      );
      assert.is(held[0]?.UpdatedAt, '2026-01-02T00:00:00.000Z');
    } finally {
      hub.close();
    }
  });
});

push(
  'FailedFindings are tried again with backoff; one that keeps failing is recorded as failed, the rest go',
  async () => {
    await withHub(async (h) => {
      const findings = open(h);
      const unlucky = findings[1] as StoredFinding;
      const log = memoryLog();
      h.sandbox.failNextFindings('InternalException', 'try again later', 1);
      h.sandbox.failNextFindings('LimitExceededException', 'too many findings', 4, asffId(unlucky.fingerprint));
      const sync = h.sync({ settings: { attempts: 4, backoffMs: 1000 }, log });
      const report = await pushOnce(sync);
      assert.equal(report, { at: report.at, pushed: 2, archived: 0, failed: 1, error: null });
      assert.equal(h.slept, [1000, 2000, 4000], 'waits double between tries');
      const state = h.record.securityHubState(5);
      assert.is(state.failed, 1);
      assert.equal(
        state.latestFailures.map((f) => [f.fingerprint, f.keyArn, f.code, f.message]),
        [[unlucky.fingerprint, unlucky.keyArn, 'LimitExceededException', 'too many findings']],
      );
      assert.ok(log.lines.some((l) => l.level === 'error' && /could not be pushed to Security Hub/.test(l.message)));
      assert.equal(
        [...byId(await h.hubFindings()).keys()].sort(),
        findings
          .filter((f) => f !== unlucky)
          .map((f) => asffId(f.fingerprint))
          .sort(),
      );
      const next = await pushOnce(sync);
      assert.equal([next.pushed, next.failed], [1, 0], 'the failed finding goes at the next push');
      assert.is(h.record.securityHubState(5).failed, 0);
      assert.is((await h.hubFindings()).length, 3);
    });
  },
);

push('a finding Security Hub refuses as invalid, or an account where it is off, is not tried again', async () => {
  await withHub(async (h) => {
    h.sandbox.disableSecurityHub(HUB_ACCOUNT);
    const report = await pushOnce(h.sync({ settings: { attempts: 4, backoffMs: 1000 } }));
    assert.equal([report.pushed, report.failed], [0, 3]);
    assert.equal(h.slept, []);
    const state = h.record.securityHubState(5);
    assert.equal(
      state.latestFailures.map((f) => f.code),
      ['InvalidAccess', 'InvalidAccess', 'InvalidAccess'],
    );
  });
});

push('a resolved finding is archived; reopened, it is active again, as a new Security Hub finding', async () => {
  await withHub(async (h) => {
    const sync = h.sync();
    await pushOnce(sync);
    const shared = open(h).find((f) => f.keyId === KEY_IDS.shared) as StoredFinding;
    const policy = h.sandbox.keyState(HUB_ACCOUNT, REGION, KEY_IDS.shared)?.policy as string;
    h.sandbox.setKeyPolicy(HUB_ACCOUNT, REGION, KEY_IDS.shared, ownerOnly(HUB_ACCOUNT));
    await h.scan();
    const archived = await pushOnce(sync);
    assert.equal([archived.pushed, archived.archived], [1, 1]);
    let got = byId(await h.hubFindings()).get(asffId(shared.fingerprint)) as Record<string, unknown>;
    assert.is(got.RecordState, 'ARCHIVED');
    assert.is((got.ProductFields as Record<string, string>)['kms-sentinel/status'], 'resolved');
    h.sandbox.setKeyPolicy(HUB_ACCOUNT, REGION, KEY_IDS.shared, policy);
    await h.scan();
    assert.equal((await pushOnce(sync)).pushed, 1);
    const held = byId(await h.hubFindings());
    got = held.get(asffId(shared.fingerprint, 1)) as Record<string, unknown>;
    assert.is(got.RecordState, 'ACTIVE');
    assert.equal(got.Workflow, { Status: 'NEW' });
    assert.is(held.get(asffId(shared.fingerprint))?.RecordState, 'ARCHIVED', 'the one before stays archived');
    const active = [...held.values()].filter((f) => f.RecordState === 'ACTIVE');
    assert.is(active.length, 3, 'one active finding each');
    assert.is((await pushOnce(sync)).pushed, 0, 'and nothing more to send');
  });
});

push('a finding resolved before it was ever pushed is not sent at all', async () => {
  await withHub(async (h) => {
    h.sandbox.setKeyPolicy(HUB_ACCOUNT, REGION, KEY_IDS.public, ownerOnly(HUB_ACCOUNT));
    await h.scan();
    const report = await pushOnce(h.sync());
    assert.is(report.pushed, 2);
    assert.is((await h.hubFindings()).length, 2);
  });
});

push.run();
