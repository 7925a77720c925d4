/**
 * The stand-ins `.ci/production-install` runs the installed package against: the AWS sandbox, serving one account
 * with a clean key and a key shared with an account nobody trusts, and the Slack Web API fake. Run from the
 * repository (`npm run fakes -- ENV_FILE`, or `node --import tsx .ci/fakes.ts ENV_FILE`); once both listen, writes ENV_FILE: shell `export` lines
 * pointing the AWS SDK and the bot at them. Stops both and exits 0 on SIGTERM or SIGINT.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { startSandbox } from '../src/sandbox/index.js';
import { sandboxEnvironment } from '../src/sandbox/sdk-env.js';
import { FakeSlack } from '../test/helpers/fake-slack.js';

const OWNER = '111111111111';
const STRANGER = '999999999999';

const envFile = process.argv[2];
if (envFile === undefined) {
  process.stderr.write('usage: node --import tsx .ci/fakes.ts ENV_FILE\n');
  process.exit(2);
}

const statement = (sid: string, account: string, actions: string | string[]) => ({
  Sid: sid,
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${account}:root` },
  Action: actions,
  Resource: '*',
});
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

const sandbox = await startSandbox({
  callerAccount: OWNER,
  accounts: [
    {
      id: OWNER,
      regions: [
        {
          name: 'us-east-1',
          keys: [
            { keyId: '0c1ea000-1111-4222-8333-000000000001', policy: policy(statement('Owner', OWNER, 'kms:*')) },
            {
              keyId: '05a2ed00-1111-4222-8333-000000000002',
              aliases: ['alias/shared'],
              policy: policy(statement('Owner', OWNER, 'kms:*'), statement('Stranger', STRANGER, ['kms:Decrypt'])),
            },
          ],
        },
      ],
    },
  ],
});
const slack = await new FakeSlack().start();
// The alert channel of the walk-through in docs/deploy.md, with the bot in it.
slack.channels.set('C0ALERTS', { name: 'security-alerts' });

// Only what points the SDK at the sandbox, and the SDK's files and metadata lookups out of the way.
const base = sandboxEnvironment({}, sandbox.env);
const env: Record<string, string> = { AWS_EC2_METADATA_DISABLED: 'true', SLACK_API_URL: slack.apiUrl };
for (const [name, value] of Object.entries(base)) if (value !== undefined) env[name] = value;
const quoted = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;
writeFileSync(
  `${envFile}.tmp`,
  Object.entries(env)
    .map(([name, value]) => `export ${name}=${quoted(value)}\n`)
    .join(''),
);
renameSync(`${envFile}.tmp`, envFile);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void Promise.all([sandbox.stop(), slack.stop()]).then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
