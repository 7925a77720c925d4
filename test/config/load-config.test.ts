import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig, parseConfig } from '../../src/config/load-config.js';
import { SentinelError } from '../../src/core/errors.js';

const config = suite('config');

function refused(yaml: string, ...messages: RegExp[]): void {
  let threw = false;
  let error: unknown;
  try {
    parseConfig(yaml, 'test.yml');
  } catch (caught) {
    threw = true;
    error = caught;
  }
  if (!threw) assert.unreachable(`accepted: ${yaml}`);
  assert.instance(error, SentinelError);
  assert.is((error as SentinelError).code, 'invalid-config');
  for (const message of messages) assert.match((error as SentinelError).message, message);
}

config('an empty file means the built-in defaults', () => {
  const c = parseConfig('', 'empty.yml');
  assert.is(c.roleName, 'KmsSentinelAudit');
  assert.is(c.regions, 'all');
  assert.is(c.database, './data/kms-sentinel.db');
  assert.equal(c.organization, { discover: false, trustMembers: false });
  assert.equal(c.trusted, []);
  assert.is(c.accounts, undefined);
});

config('every documented key is read', () => {
  const c = parseConfig(
    `accounts:
  - id: "011111111111"
    name: prod
    roleArn: arn:aws:iam::011111111111:role/Custom
    channel: C0PROD
roleName: Auditor
externalId: secret-ish
organization: { discover: true, trustMembers: true }
regions: [us-east-1, eu-west-1]
trusted: ["123412341234", "arn:aws:iam::444455556666:role/Backup", "o-a1b2c3d4e5"]
database: /var/lib/kms.db
scan: { regionConcurrency: 4, keyConcurrency: 2, maxAttempts: 5, requestTimeoutSeconds: 3, regionTimeoutSeconds: 60, rateLimits: { GetKeyPolicy: 1000 }, rateHeadroom: 0.5 }
`,
    'full.yml',
  );
  assert.equal(c.accounts, [
    { id: '011111111111', name: 'prod', roleArn: 'arn:aws:iam::011111111111:role/Custom', channel: 'C0PROD' },
  ]);
  assert.equal(c.regions, ['us-east-1', 'eu-west-1']);
  assert.is(c.scan.rateLimits.GetKeyPolicy, 1000);
});

config('bad keys are named, each with why', () => {
  refused('accounts:\n  - id: 011111111111\n', /accounts\[0\]\.id: an account ID must be a quoted string in YAML/);
  refused('accounts:\n  - id: "1234"\n', /accounts\[0\]\.id: must be a 12-digit AWS account ID/);
  refused('regions: mars\n', /regions: must be "all" or a list of region names/);
  refused('regions: [us-east-1, Moon]\n', /regions\[1\]: must be an AWS region name/);
  refused('trusted: ["12341234", "o-a1b2c3d4e5"]\n', /trusted\[0\]: "12341234" is not/);
  refused('roleNmae: x\n', /unknown key "roleNmae"/);
  refused('organization: { discover: yes-please }\n', /organization\.discover/);
  refused('accounts:\n  - { id: "111111111111" }\n  - { id: "111111111111" }\n', /listed twice/);
  refused(
    'accounts:\n  - { id: "111111111111", roleArn: "arn:aws:iam::222222222222:role/X" }\n',
    /the role is in account 222222222222/,
  );
  refused('scan: { rateLimits: { GetKeyPolicies: 3 } }\n', /scan\.rateLimits/);
});

config('several problems are reported together', () => {
  refused('roleName: "bad name!"\nregions: 3\n', /roleName/, /regions/);
});

config('invalid YAML and duplicate keys are refused with their line', () => {
  refused('regions: [us-east-1\n', /not valid YAML at line/);
  refused('roleName: a\nroleName: b\n', /not valid YAML at line 2/);
});

config('the file is found by --config, then KMS_SENTINEL_CONFIG, then ./kms-sentinel.yml', async () => {
  const files: Record<string, string> = {
    'flag.yml': 'roleName: FromFlag\n',
    'env.yml': 'roleName: FromEnv\n',
    'kms-sentinel.yml': 'roleName: FromCwd\n',
  };
  const source = (flag: string | undefined, env: Record<string, string>) => ({
    flag,
    env,
    exists: (path: string) => path in files,
    readFile: async (path: string) => files[path] ?? '',
  });
  assert.is((await loadConfig(source('flag.yml', { KMS_SENTINEL_CONFIG: 'env.yml' }))).config.roleName, 'FromFlag');
  assert.is((await loadConfig(source(undefined, { KMS_SENTINEL_CONFIG: 'env.yml' }))).config.roleName, 'FromEnv');
  assert.is((await loadConfig(source(undefined, {}))).config.roleName, 'FromCwd');
  let threw = false;
  let error: unknown;
  try {
    await loadConfig(source('missing.yml', {}));
  } catch (caught) {
    threw = true;
    error = caught;
  }
  if (!threw) assert.unreachable('accepted: a --config file that does not exist');
  assert.instance(error, SentinelError);
  assert.is((error as SentinelError).code, 'config-not-found');
});

config.run();
