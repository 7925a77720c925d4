import { BatchUpdateFindingsCommand, GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AwsSecurityHub } from '../../src/adapters/aws/security-hub.js';
import { securityHubFor } from '../../src/compose/security-hub.js';
import { asffFinding, asffId, productArn } from '../../src/core/exports/asff.js';
import type { StoredFinding } from '../../src/usecases/store-port.js';
import { type IndependentSecurityHub, startIndependentSecurityHub } from '../helpers/independent-securityhub.js';
import { ownerOnly } from '../helpers/sandbox.js';
import {
  HUB_ACCOUNT,
  type HubHarness,
  KEY_IDS,
  memoryLog,
  pushOnce,
  REGION,
  withHub,
} from '../helpers/security-hub.js';

const workflow = suite(
  'Security Hub: a finding that needs a decision again (reopened, its acknowledgement ended) is NEW there',
);

type Finding = Record<string, unknown>;
const TARGET = { accountId: HUB_ACCOUNT, region: REGION, partition: 'aws' };
const PRODUCT = productArn(TARGET);
const HOUR = 3_600_000;
const fieldsOf = (f: Finding | undefined) => (f?.ProductFields ?? {}) as Record<string, string>;

/** Where Security Hub runs: the project's sandbox, or the independent stand-in written from AWS's reference. */
interface Backend {
  readonly name: string;
  readonly run: (test: (h: HubHarness, imports: () => number) => Promise<void>) => Promise<void>;
}

const sandbox: Backend = {
  name: 'the sandbox',
  run: (test) => withHub((h) => test(h, () => h.sandbox.stats().byOperation['securityhub:BatchImportFindings'] ?? 0)),
};

let standIn: IndependentSecurityHub | undefined;
const independent: Backend = {
  name: 'the independent stand-in',
  run: async (test) => {
    const hub = await startIndependentSecurityHub(HUB_ACCOUNT);
    standIn = hub;
    try {
      const imports = () => hub.calls.filter((c) => c.operation === 'BatchImportFindings').length;
      await withHub((h) => test(h, imports), { env: { AWS_ENDPOINT_URL_SECURITYHUB: hub.endpoint } });
    } finally {
      standIn = undefined;
      await hub.stop();
    }
  },
};

/** Pushes on a clock the test moves (acknowledgements end by it), and reads Security Hub with GetFindings. */
async function withClock(h: HubHarness, test: (t: Clocked) => Promise<void>): Promise<void> {
  const clock = { now: new Date() };
  const syncs: NonNullable<ReturnType<typeof securityHubFor>>[] = [];
  const client = new SecurityHubClient({ region: REGION });
  const start = () => {
    const sync = securityHubFor(h.config, h.record, memoryLog(), {
      now: () => clock.now,
      sleep: async () => undefined,
    });
    if (sync === undefined) throw new Error('securityHub is not enabled');
    syncs.push(sync);
    return sync;
  };
  let sync = start();
  const get = async (filters: Record<string, { Value: string; Comparison: 'EQUALS' }[]>) => {
    const out = await client.send(new GetFindingsCommand({ Filters: filters, MaxResults: 100 }));
    return (out.Findings ?? []) as unknown as Finding[];
  };
  try {
    await test({
      clock,
      push: () => pushOnce(sync),
      restart: () => {
        sync = start();
      },
      all: async () => new Map((await get({})).map((f) => [f.Id as string, f])),
      // What the console shows by default: active findings whose workflow is NEW or NOTIFIED.
      defaultView: () =>
        get({
          RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
          WorkflowStatus: [
            { Value: 'NEW', Comparison: 'EQUALS' },
            { Value: 'NOTIFIED', Comparison: 'EQUALS' },
          ],
        }),
      client,
    });
  } finally {
    for (const s of syncs) await s.stop();
    client.destroy();
  }
}

interface Clocked {
  readonly clock: { now: Date };
  push(): ReturnType<typeof pushOnce>;
  restart(): void;
  all(): Promise<Map<string, Finding>>;
  defaultView(): Promise<Finding[]>;
  readonly client: SecurityHubClient;
}

const sharedFinding = (h: HubHarness) =>
  h.record
    .findings({ status: 'all', accountId: undefined }, new Date())
    .find((f) => f.keyId === KEY_IDS.shared) as StoredFinding;

async function acknowledge(h: HubHarness, fingerprint: string, now: Date, until?: Date): Promise<void> {
  await h.record.acknowledge({
    fingerprint,
    actor: 'slack:U0ADMIN',
    reason: 'partner',
    until: until?.toISOString(),
    now,
  });
}

/** The finding is in the default view, NEW, under this Id, and no other active finding of it is there. */
async function shownNew(t: Clocked, fingerprint: string, id: string): Promise<void> {
  const view = await t.defaultView();
  const shown = view.find((f) => f.Id === id);
  assert.ok(shown, `${id} is in the default view`);
  assert.equal(shown?.Workflow, { Status: 'NEW' });
  assert.is(fieldsOf(shown)['kms-sentinel/status'], 'open');
  const active = [...(await t.all()).values()].filter(
    (f) => f.RecordState === 'ACTIVE' && fieldsOf(f)['kms-sentinel/fingerprint'] === fingerprint,
  );
  assert.equal(
    active.map((f) => f.Id),
    [id],
    'one active Security Hub finding for the finding',
  );
}

/** Pushing again, and after a restart, sends nothing: re-imports stay idempotent. */
async function settled(t: Clocked, imports: () => number): Promise<void> {
  const before = imports();
  assert.is((await t.push()).pushed, 0);
  t.restart();
  assert.is((await t.push()).pushed, 0, 'a restart sends nothing again');
  assert.is(imports(), before, 'no BatchImportFindings without something to send');
}

for (const backend of [sandbox, independent]) {
  workflow(`${backend.name}: acknowledged when first pushed, resolved, reopened: ACTIVE and NEW`, async () => {
    await backend.run(async (h, imports) => {
      await withClock(h, async (t) => {
        const { fingerprint } = sharedFinding(h);
        await acknowledge(h, fingerprint, t.clock.now);
        assert.is((await t.push()).pushed, 3);
        assert.equal((await t.all()).get(asffId(fingerprint))?.Workflow, { Status: 'SUPPRESSED' });
        const policy = h.sandbox.keyState(HUB_ACCOUNT, REGION, KEY_IDS.shared)?.policy as string;
        h.sandbox.setKeyPolicy(HUB_ACCOUNT, REGION, KEY_IDS.shared, ownerOnly(HUB_ACCOUNT));
        await h.scan();
        const resolved = await t.push();
        assert.equal([resolved.pushed, resolved.archived], [1, 1]);
        h.sandbox.setKeyPolicy(HUB_ACCOUNT, REGION, KEY_IDS.shared, policy);
        await h.scan();
        const reopened = await t.push();
        assert.equal([reopened.pushed, reopened.archived], [1, 0]);
        await shownNew(t, fingerprint, asffId(fingerprint, 1));
        const before = (await t.all()).get(asffId(fingerprint));
        assert.is(before?.RecordState, 'ARCHIVED', 'the suppressed one stays archived');
        assert.is(fieldsOf(before)['kms-sentinel/status'], 'resolved');
        await settled(t, imports);
      });
    });
  });

  workflow(`${backend.name}: an acknowledgement that ends while the finding is open: NEW again`, async () => {
    await backend.run(async (h, imports) => {
      await withClock(h, async (t) => {
        const { fingerprint } = sharedFinding(h);
        await acknowledge(h, fingerprint, t.clock.now, new Date(t.clock.now.getTime() + HOUR));
        assert.is((await t.push()).pushed, 3);
        assert.equal((await t.all()).get(asffId(fingerprint))?.Workflow, { Status: 'SUPPRESSED' });
        assert.is((await t.push()).pushed, 0, 'nothing changes before it ends');
        t.clock.now = new Date(t.clock.now.getTime() + 2 * HOUR);
        const ended = await t.push();
        assert.equal([ended.pushed, ended.archived], [2, 1], 'the new one, and the suppressed one archived');
        await shownNew(t, fingerprint, asffId(fingerprint, 1));
        const before = (await t.all()).get(asffId(fingerprint));
        assert.is(before?.RecordState, 'ARCHIVED');
        assert.is(fieldsOf(before)['kms-sentinel/supersededBy'], asffId(fingerprint, 1));
        await settled(t, imports);
      });
    });
  });

  workflow(`${backend.name} keeps a workflow as AWS documents: SUPPRESSED stays, RESOLVED is reset`, async () => {
    await backend.run(async (h) => {
      await withClock(h, async (t) => {
        const finding = sharedFinding(h);
        const hub = new AwsSecurityHub({ region: REGION, requestTimeoutMs: 5000, maxAttempts: 1 });
        const at = (hours: number) => new Date(Date.UTC(2026, 0, 1, hours)).toISOString();
        try {
          for (const [status, then] of [
            ['acknowledged', 'SUPPRESSED'],
            ['resolved', 'NEW'],
          ] as const) {
            // Created with that workflow, archived, then active again.
            for (const [hours, now] of [status, 'resolved', 'open'].entries()) {
              const version = { ...finding, fingerprint: status, status: now as StoredFinding['status'] };
              assert.equal(await hub.importFindings([asffFinding(version, TARGET, at(hours))]), []);
            }
            const held = (await t.all()).get(asffId(status));
            assert.equal([held?.RecordState, held?.Workflow], ['ACTIVE', { Status: then }], status);
          }
        } finally {
          hub.close();
        }
      });
    });
  });
}

workflow('a finding the team suppressed in Security Hub, resolved and reopened, is NEW there again', async () => {
  await independent.run(async (h, imports) => {
    await withClock(h, async (t) => {
      const { fingerprint } = sharedFinding(h);
      await t.push();
      const suppress = new BatchUpdateFindingsCommand({
        FindingIdentifiers: [{ Id: asffId(fingerprint), ProductArn: PRODUCT }],
        Workflow: { Status: 'SUPPRESSED' },
      });
      assert.is((await t.client.send(suppress)).ProcessedFindings?.length, 1);
      const policy = h.sandbox.keyState(HUB_ACCOUNT, REGION, KEY_IDS.shared)?.policy as string;
      h.sandbox.setKeyPolicy(HUB_ACCOUNT, REGION, KEY_IDS.shared, ownerOnly(HUB_ACCOUNT));
      await h.scan();
      await t.push();
      h.sandbox.setKeyPolicy(HUB_ACCOUNT, REGION, KEY_IDS.shared, policy);
      await h.scan();
      await t.push();
      await shownNew(t, fingerprint, asffId(fingerprint, 1));
      await settled(t, imports);
    });
  });
});

workflow('an archive Security Hub refuses is sent again at the next push; the new finding is kept', async () => {
  await independent.run(async (h, imports) => {
    await withClock(h, async (t) => {
      const { fingerprint } = sharedFinding(h);
      await acknowledge(h, fingerprint, t.clock.now, new Date(t.clock.now.getTime() + HOUR));
      await t.push();
      t.clock.now = new Date(t.clock.now.getTime() + 2 * HOUR);
      standIn?.refuse(asffId(fingerprint), 'InvalidInput', 1);
      const first = await t.push();
      assert.equal([first.pushed, first.archived, first.failed], [1, 0, 1]);
      assert.equal(
        h.record.securityHubState(5).latestFailures.map((f) => [f.fingerprint, f.code]),
        [[fingerprint, 'InvalidInput']],
      );
      assert.ok((await t.defaultView()).some((f) => f.Id === asffId(fingerprint, 1)));
      const second = await t.push();
      assert.equal([second.pushed, second.archived, second.failed], [2, 1, 0]);
      assert.is(h.record.securityHubState(5).failed, 0);
      await shownNew(t, fingerprint, asffId(fingerprint, 1));
      await settled(t, imports);
    });
  });
});

workflow.run();
