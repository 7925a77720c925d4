import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { securityHubFor } from '../../src/compose/security-hub.js';
import { composeAws, openRecordFor } from '../../src/compose.js';
import { parseConfig } from '../../src/config/load-config.js';
import { scanPlanFrom } from '../../src/config/scan-plan-from-config.js';
import type { Config } from '../../src/config/schema.js';
import { type Sandbox, startSandbox, type World } from '../../src/sandbox/index.js';
import { pointSdkAt } from '../../src/sandbox/sdk-env.js';
import type { Log } from '../../src/usecases/log-port.js';
import type { RecordPort } from '../../src/usecases/record-port.js';
import { scanAndRecord } from '../../src/usecases/scan-and-record.js';
import type { PushSettings } from '../../src/usecases/security-hub/push.js';
import type { SecurityHubSync } from '../../src/usecases/security-hub/sync.js';
import { deadline } from './clock.js';
import { keyId, policyOf, sharedWith } from './sandbox.js';

export const HUB_ACCOUNT = '111111111111';
export const OTHER = '222222222222';
export const FOREIGN = '999999999999';
export const REGION = 'us-east-1';
export const KEY_IDS = { shared: keyId(), public: keyId(), staging: keyId() };

/** The scanner's account with a key shared with FOREIGN and a public one; a second account's key shared too. */
export function hubWorld(): World {
  return {
    callerAccount: HUB_ACCOUNT,
    accounts: [
      {
        id: HUB_ACCOUNT,
        regions: [
          {
            name: REGION,
            keys: [
              { keyId: KEY_IDS.shared, aliases: ['alias/payments'], policy: sharedWith(HUB_ACCOUNT, FOREIGN) },
              {
                keyId: KEY_IDS.public,
                aliases: ['alias/reports'],
                policy: policyOf({
                  Sid: 'Anyone',
                  Effect: 'Allow',
                  Principal: '*',
                  Action: 'kms:Decrypt',
                  Resource: '*',
                }),
              },
            ],
          },
        ],
      },
      {
        id: OTHER,
        roles: [{ name: 'KmsSentinelAudit' }],
        regions: [{ name: REGION, keys: [{ keyId: KEY_IDS.staging, policy: sharedWith(OTHER, FOREIGN, '@evil') }] }],
      },
    ],
  };
}

export const HUB_CONFIG = `
accounts:
  - { id: "${HUB_ACCOUNT}" }
  - { id: "${OTHER}" }
regions: [${REGION}]
securityHub: { enabled: true, region: ${REGION} }
`;

/** Log lines, kept for the test to read. */
export function memoryLog(): Log & { readonly lines: { level: string; message: string; fields: object }[] } {
  const lines: { level: string; message: string; fields: object }[] = [];
  const at = (level: string) => (fields: object, message: string) => void lines.push({ level, message, fields });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

export interface HubHarness {
  readonly sandbox: Sandbox;
  readonly config: Config;
  readonly db: string;
  readonly record: RecordPort;
  /** Scans the world again and records it. */
  scan(): Promise<void>;
  /** A push to Security Hub as the bot makes it, on `sleep` (each wait recorded, ended at once by default). */
  sync(options?: { settings?: PushSettings; log?: Log; sleep?: (ms: number) => Promise<void> }): SecurityHubSync;
  /** Every finding Security Hub holds for the scanner's account, read with the real SDK's GetFindings. */
  hubFindings(): Promise<Record<string, unknown>[]>;
  readonly slept: number[];
}

/** A sandbox serving hubWorld, the SDK pointed at it, a real database in a temp folder holding one scan of it. */
export async function withHub(
  test: (h: HubHarness) => Promise<void>,
  options: { world?: World; env?: Record<string, string> } = {},
): Promise<void> {
  const sandbox = await startSandbox(options.world ?? hubWorld());
  const restore = pointSdkAt({ ...sandbox.env, AWS_EC2_METADATA_DISABLED: 'true', ...options.env });
  const db = join(mkdtempSync(join(tmpdir(), 'kms-sentinel-hub-')), 'kms-sentinel.db');
  const config = parseConfig(HUB_CONFIG, 'test');
  const record = await openRecordFor(config, db, 'create');
  const aws = await composeAws(config, process.env, 'here');
  const client = new SecurityHubClient({ region: REGION });
  const syncs: SecurityHubSync[] = [];
  const slept: number[] = [];
  const scan = async () => void (await scanAndRecord(aws, record, scanPlanFrom(config), { startedBy: 'test' }));
  try {
    await scan();
    await test({
      sandbox,
      config,
      db,
      record,
      scan,
      slept,
      sync(options = {}) {
        const sleep = async (ms: number) => {
          slept.push(ms);
          await options.sleep?.(ms);
        };
        const sync = securityHubFor(
          config,
          record,
          options.log ?? memoryLog(),
          { now: () => new Date(), sleep },
          options.settings,
        );
        if (sync === undefined) throw new Error('securityHub is not enabled');
        syncs.push(sync);
        return sync;
      },
      async hubFindings() {
        const found: Record<string, unknown>[] = [];
        let token: string | undefined;
        do {
          const page = await client.send(new GetFindingsCommand({ MaxResults: 100, NextToken: token }));
          found.push(...((page.Findings ?? []) as unknown as Record<string, unknown>[]));
          token = page.NextToken;
        } while (token !== undefined);
        return found;
      },
    });
  } finally {
    for (const sync of syncs) await sync.stop();
    client.destroy();
    await aws.close();
    await record.close();
    restore();
    await sandbox.stop();
  }
}

/** One push, woken and waited for (with a deadline). */
export async function pushOnce(
  sync: SecurityHubSync,
): Promise<NonNullable<ReturnType<SecurityHubSync['report']>['lastPush']>> {
  sync.wake();
  await deadline(sync.idle(), 'the push to Security Hub');
  const last = sync.report().lastPush;
  if (last === null) throw new Error('no push was made');
  return last;
}
