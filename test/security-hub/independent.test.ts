import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../src/cli/run.js';
import { asffId } from '../../src/core/exports/asff.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { pointSdkAt } from '../../src/sandbox/sdk-env.js';
import { cli } from '../helpers/cli.js';
import { deadline } from '../helpers/clock.js';
import { type IndependentSecurityHub, startIndependentSecurityHub } from '../helpers/independent-securityhub.js';
import { ownerOnly } from '../helpers/sandbox.js';
import { HUB_ACCOUNT, HUB_CONFIG, hubWorld, KEY_IDS, pushOnce, REGION, withHub } from '../helpers/security-hub.js';

const independent = suite(
  'Security Hub: the push works unchanged against a Security Hub the project did not write (AWS_ENDPOINT_URL_SECURITYHUB)',
);

async function withStandIn(test: (hub: IndependentSecurityHub) => Promise<void>): Promise<void> {
  const hub = await startIndependentSecurityHub(HUB_ACCOUNT);
  try {
    await test(hub);
  } finally {
    await hub.stop();
  }
}

const imports = (hub: IndependentSecurityHub) => hub.calls.filter((c) => c.operation === 'BatchImportFindings');

independent('kms-sentinel scan pushes its findings there; a scan that changes nothing sends nothing', async () => {
  await withStandIn(async (hub) => {
    const sandbox = await startSandbox(hubWorld());
    // The CLI's clients on this thread follow the process's SDK settings, as a user's shell sets them.
    const restore = pointSdkAt({
      ...sandbox.env,
      AWS_ENDPOINT_URL_SECURITYHUB: hub.endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    try {
      const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-hub-cli-'));
      const config = join(dir, 'kms-sentinel.yml');
      writeFileSync(config, `${HUB_CONFIG}database: ${join(dir, 'k.db')}\n`);
      const env = { ...process.env };
      const first = await cli(['scan', '--config', config, '--format', 'json'], '', env);
      assert.is(first.code, 1, first.stderr);
      const open = JSON.parse((await cli(['findings', '--config', config, '--format', 'json'], '', env)).stdout)
        .findings as { fingerprint: string }[];
      assert.is(open.length, 3);
      assert.match(first.stderr, /Security Hub: 3 finding\(s\) pushed, 0 of them archived\./);
      assert.equal(
        hub
          .findings()
          .map((f) => f.Id)
          .sort(),
        open.map((f) => asffId(f.fingerprint)).sort(),
      );
      assert.equal(
        imports(hub).map((c) => [c.status, c.answer.FailedCount, c.answer.SuccessCount]),
        [[200, 0, 3]],
        'one call, every finding taken',
      );
      const second = await cli(['scan', '--config', config], '', env);
      assert.is(second.code, 1, second.stderr);
      assert.is(imports(hub).length, 1, 'nothing new, nothing sent');
    } finally {
      restore();
      await sandbox.stop();
    }
  });
});

independent('refused findings are tried again and recorded; resolved ones are archived there', async () => {
  await withStandIn(async (standIn) => {
    await withHub(
      async (h) => {
        const shared = h.record
          .findings({ status: 'open', accountId: undefined }, new Date())
          .find((f) => f.keyId === KEY_IDS.shared);
        const id = asffId(shared?.fingerprint ?? '');
        standIn.refuse(id, 'InternalException', 4);
        const sync = h.sync({ settings: { attempts: 4, backoffMs: 500 } });
        const first = await pushOnce(sync);
        assert.equal([first.pushed, first.failed], [2, 1]);
        assert.equal(h.slept, [500, 1000, 2000]);
        assert.equal(
          h.record.securityHubState(5).latestFailures.map((f) => [f.fingerprint, f.code]),
          [[shared?.fingerprint, 'InternalException']],
        );
        assert.equal((await pushOnce(sync)).pushed, 1, 'taken at the next push');
        h.sandbox.setKeyPolicy(HUB_ACCOUNT, REGION, KEY_IDS.shared, ownerOnly(HUB_ACCOUNT));
        await h.scan();
        assert.equal((await pushOnce(sync)).archived, 1);
        const held = standIn.findings();
        assert.is(held.length, 3, 'one finding each, however often pushed');
        const archived = held.find((f) => f.Id === id);
        assert.is(archived?.RecordState, 'ARCHIVED');
        assert.equal(archived?.Workflow, { Status: 'NEW' }, 'the workflow stays as it was created');
      },
      { env: { AWS_ENDPOINT_URL_SECURITYHUB: standIn.endpoint } },
    );
  });
});

independent(
  'kms-sentinel watch pushes what a key read again for its event changed: a resolved finding, archived',
  async () => {
    await withStandIn(async (hub) => {
      const sandbox = await startSandbox(hubWorld());
      const restore = pointSdkAt({
        ...sandbox.env,
        AWS_ENDPOINT_URL_SECURITYHUB: hub.endpoint,
        AWS_EC2_METADATA_DISABLED: 'true',
      });
      try {
        const queueUrl = sandbox.createQueue('kms-sentinel-events');
        sandbox.forwardEvents(queueUrl);
        const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-hub-watch-'));
        const config = join(dir, 'kms-sentinel.yml');
        writeFileSync(
          config,
          `${HUB_CONFIG}database: ${join(dir, 'k.db')}\nevents: { queueUrl: "${queueUrl}", coalesceSeconds: 0 }\n`,
        );
        const env = { ...process.env, LOG_LEVEL: 'fatal' };
        assert.is((await cli(['scan', '--config', config], '', env)).code, 1);
        assert.is(hub.findings().length, 3);
        let interrupt: (() => unknown) | undefined;
        let stderr = '';
        const exited = run(['watch', '--config', config, '--format', 'json'], {
          stdout: () => undefined,
          stderr: (text) => {
            stderr += text;
          },
          readFile: (path) => readFile(path, 'utf8'),
          readStdin: async () => '',
          fileExists: existsSync,
          env,
          stderrIsTTY: false,
          onInterrupt: (cleanup) => {
            interrupt = cleanup;
            return () => undefined;
          },
        });
        try {
          sandbox.setKeyPolicy(HUB_ACCOUNT, REGION, KEY_IDS.shared, ownerOnly(HUB_ACCOUNT));
          const archivedThere = () =>
            hub
              .findings()
              .some((f) => f.RecordState === 'ARCHIVED' && JSON.stringify(f.Resources).includes(KEY_IDS.shared));
          await deadline(
            Promise.race([hub.until(archivedThere), exited.then(() => Promise.reject(new Error(stderr)))]),
            'the resolved finding archived in Security Hub',
          );
          assert.is(hub.findings().length, 3, 'the same finding, archived');
        } finally {
          await interrupt?.();
          assert.is(await deadline(exited, 'watch stopping'), 0, stderr);
        }
      } finally {
        restore();
        await sandbox.stop();
      }
    });
  },
);

independent.run();
