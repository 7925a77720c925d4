import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AWS_CALLS } from '../../src/adapters/aws/permissions.js';
import { cli } from '../helpers/cli.js';

const command = suite('kms-sentinel iam-policy');

const READ = [
  'kms:ListKeys',
  'kms:ListAliases',
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:ListGrants',
  'kms:ListResourceTags',
];
const WRITE = ['kms:PutKeyPolicy', 'kms:RevokeGrant'];

const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-iam-policy-'));
let configs = 0;
function config(yaml: string): string {
  const path = join(dir, `config-${++configs}.yml`);
  writeFileSync(path, yaml);
  return path;
}

interface Policy {
  Version: string;
  Statement: { Sid: string; Effect: string; Action: string | string[]; Resource: string | string[] }[];
}

async function policy(args: string[]): Promise<Policy> {
  const result = await cli(['iam-policy', ...args], '', {});
  assert.is(result.code, 0, result.stderr);
  assert.is(result.stderr, '');
  assert.ok(result.stdout.endsWith('}\n'), 'one JSON document, then a newline');
  return JSON.parse(result.stdout) as Policy;
}

const statements = (p: Policy) => Object.fromEntries(p.Statement.map((s) => [s.Sid, s.Action]));

command('default: the audit role reads the keys, and lists the regions (regions: all is the default)', async () => {
  const p = await policy([]);
  assert.equal(p, {
    Version: '2012-10-17',
    Statement: [{ Sid: 'KmsSentinelRead', Effect: 'Allow', Action: ['ec2:DescribeRegions', ...READ], Resource: '*' }],
  });
});

command(
  '--remediation, or remediation.enabled, adds kms:PutKeyPolicy and kms:RevokeGrant in a statement of their own',
  async () => {
    const expected = {
      KmsSentinelRead: ['ec2:DescribeRegions', ...READ],
      KmsSentinelRemediate: WRITE,
    };
    assert.equal(statements(await policy(['--remediation'])), expected);
    assert.equal(statements(await policy(['--config', config('remediation: { enabled: true }\n')])), expected);
    const p = await policy(['--remediation']);
    assert.equal(p.Statement[1], { Sid: 'KmsSentinelRemediate', Effect: 'Allow', Action: WRITE, Resource: '*' });
  },
);

command(
  'a list of regions needs no ec2:DescribeRegions; organization options change nothing for the audit role',
  async () => {
    assert.equal(statements(await policy(['--config', config('regions: [us-east-1, eu-west-1]\n')])), {
      KmsSentinelRead: READ,
    });
    const org = config('organization: { discover: true, trustMembers: true }\n');
    assert.equal(statements(await policy(['--config', org])), { KmsSentinelRead: ['ec2:DescribeRegions', ...READ] });
  },
);

command('--scanner: assume the audit role anywhere, and read the keys of its own account', async () => {
  const p = await policy(['--scanner']);
  assert.equal(p, {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AssumeTheAuditRole',
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: ['arn:aws:iam::*:role/KmsSentinelAudit'],
      },
      {
        Sid: 'KmsSentinelReadInThisAccount',
        Effect: 'Allow',
        Action: ['ec2:DescribeRegions', ...READ],
        Resource: '*',
      },
    ],
  });
  assert.not.ok(JSON.stringify(p).includes('GetCallerIdentity'), 'sts:GetCallerIdentity needs no permission');
});

command('--scanner with organization.discover or trustMembers adds organizations:ListAccounts', async () => {
  for (const yaml of ['organization: { discover: true }\n', 'organization: { trustMembers: true }\n']) {
    const p = await policy(['--scanner', '--config', config(yaml)]);
    assert.equal(p.Statement[1], {
      Sid: 'ListTheOrganization',
      Effect: 'Allow',
      Action: 'organizations:ListAccounts',
      Resource: '*',
    });
  }
  const none = await policy(['--scanner', '--config', config('organization: { discover: false }\n')]);
  assert.not.ok(JSON.stringify(none).includes('organizations:'));
});

command('--scanner follows roleName, accounts[].roleArn, regions and remediation', async () => {
  const path = config(
    [
      'roleName: Auditor',
      'regions: [us-east-1]',
      'remediation: { enabled: true }',
      'accounts:',
      '  - { id: "111111111111", roleArn: "arn:aws:iam::111111111111:role/team/Custom" }',
      '  - { id: "222222222222", roleArn: "arn:aws:iam::222222222222:role/Auditor" }',
      '  - { id: "333333333333" }',
    ].join('\n'),
  );
  const p = await policy(['--scanner', '--config', path]);
  assert.equal(p.Statement[0]?.Resource, [
    'arn:aws:iam::*:role/Auditor',
    'arn:aws:iam::111111111111:role/team/Custom',
    'arn:aws:iam::222222222222:role/Auditor',
  ]);
  assert.equal(statements(p), {
    AssumeTheAuditRole: 'sts:AssumeRole',
    KmsSentinelReadInThisAccount: READ,
    KmsSentinelRemediateInThisAccount: WRITE,
  });
});

command("--scanner: the audit role's ARN is in the scanner's partition (--partition, or the roleArns')", async () => {
  const govCloud = config(
    'accounts:\n  - { id: "111111111111", roleArn: "arn:aws-us-gov:iam::111111111111:role/Audit" }\n',
  );
  const inferred = await policy(['--scanner', '--config', govCloud]);
  assert.equal(inferred.Statement[0]?.Resource, [
    'arn:aws-us-gov:iam::*:role/KmsSentinelAudit',
    'arn:aws-us-gov:iam::111111111111:role/Audit',
  ]);
  const china = await policy(['--scanner', '--partition', 'aws-cn', '--config', config('regions: all\n')]);
  assert.equal(china.Statement[0]?.Resource, ['arn:aws-cn:iam::*:role/KmsSentinelAudit']);
  const bad = await cli(['iam-policy', '--scanner', '--partition', 'arn:aws'], '', {});
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /--partition "arn:aws" is not an AWS partition/);
});

command('--help prints the usage; a stray argument, an unknown option or a bad config exits 2', async () => {
  const help = await cli(['iam-policy', '--help'], '', {});
  assert.is(help.code, 0);
  assert.match(help.stdout, /^Usage: kms-sentinel iam-policy \[--remediation\] \[--scanner\]/);
  const cases: [string[], RegExp][] = [
    [['iam-policy', 'audit'], /iam-policy takes no arguments, but was given "audit"/],
    [['iam-policy', '--scaner'], /Unknown option '--scaner'/],
    [['iam-policy', '--remediation=yes'], /does not take an argument/],
    [['iam-policy', '--config', config('regions: mars\n')], /regions: must be "all"/],
    [['iam-policy', '--config', join(dir, 'missing.yml')], /does not exist/],
  ];
  for (const [argv, message] of cases) {
    const result = await cli(argv, '', {});
    assert.is(result.code, 2, `${argv.join(' ')}: ${result.stderr}`);
    assert.is(result.stdout, '', 'no policy is printed');
    assert.match(result.stderr, message);
  }
});

/** The adapter's sources: every .ts file under src/adapters/aws. */
function adapterSources(): { path: string; text: string }[] {
  const root = new URL('../../src/adapters/aws/', import.meta.url).pathname;
  return (readdirSync(root, { recursive: true }) as string[])
    .filter((name) => name.endsWith('.ts'))
    .sort()
    .map((name) => ({ path: name, text: readFileSync(join(root, name), 'utf8') }));
}

command('drift: AWS_CALLS names exactly the SDK commands and paginators the adapter calls', () => {
  const sources = adapterSources();
  assert.ok(sources.some((s) => s.path === 'kms-session.ts') && sources.some((s) => s.path.startsWith('worker/')));
  const called = new Set<string>();
  for (const { text } of sources) {
    for (const m of text.matchAll(/\bnew\s+(\w+Command)\s*\(/g)) called.add(m[1] as string);
    for (const m of text.matchAll(/\b(paginate\w+)\s*\(/g)) called.add(m[1] as string);
  }
  const table = AWS_CALLS.map((c) => c.call);
  assert.is(new Set(table).size, table.length, 'each call once in the table');
  assert.equal([...called].sort(), [...table].sort());
});

command('drift: each action is service:Operation of the client package its command is imported from', () => {
  // import { A, B } from '@aws-sdk/client-x' and const { A, B } = await import('@aws-sdk/client-x')
  const importOf = new Map<string, string>();
  const imports =
    /(?:import\s+(?:type\s+)?|const\s+)\{([^}]*)\}\s*(?:from\s*|=\s*await\s+import\(\s*)'@aws-sdk\/client-([a-z0-9-]+)'/g;
  for (const { text } of adapterSources()) {
    for (const m of text.matchAll(imports)) {
      for (const name of (m[1] as string).split(',').map((n) => n.trim().replace(/^type\s+/, ''))) {
        if (name !== '') importOf.set(name, m[2] as string);
      }
    }
  }
  // The SDK's package names are the IAM service prefixes for every client the adapter uses.
  for (const { call, action } of AWS_CALLS) {
    const service = importOf.get(call);
    assert.ok(service !== undefined, `${call} is not imported from an @aws-sdk/client-* package`);
    // SQS's batch calls need the permission of the single call: IAM has no sqs:DeleteMessageBatch action
    // (SQS developer guide, "Amazon SQS API permissions: Actions and resource reference").
    const operation = call
      .replace(/^paginate/, '')
      .replace(/Command$/, '')
      .replace(/^(DeleteMessage)Batch$/, '$1');
    assert.match(action, /^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$/, `${action} is service:Action`);
    assert.is(action, `${service}:${operation}`, `${call} (from @aws-sdk/client-${service})`);
  }
});

command('with events: the scanner may read, delete and hand back messages of exactly that queue', async () => {
  const path = config(`events: { queueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/kms-events" }\n`);
  const { stdout, code } = await cli(['iam-policy', '--scanner', '--config', path]);
  assert.is(code, 0);
  const policy = JSON.parse(stdout) as Policy;
  const events = policy.Statement.find((s) => s.Sid === 'ReadTheEventsQueue');
  assert.equal(events?.Action, [
    'sqs:ReceiveMessage',
    'sqs:DeleteMessage',
    'sqs:ChangeMessageVisibility',
    'sqs:GetQueueAttributes',
    'sqs:GetQueueUrl',
  ]);
  assert.is(events?.Resource, 'arn:aws:sqs:eu-west-1:123456789012:kms-events');
  const audit = JSON.parse((await cli(['iam-policy', '--config', path])).stdout) as Policy;
  assert.not.ok(JSON.stringify(audit).includes('sqs:'), 'the audit role never reads the queue');
});

command('with securityHub.enabled: the scanner may push findings to Security Hub; the audit role never', async () => {
  const path = config('securityHub: { enabled: true, region: eu-west-1 }\n');
  const scanner = await policy(['--scanner', '--config', path]);
  assert.equal(scanner.Statement.at(-1), {
    Sid: 'PushToSecurityHub',
    Effect: 'Allow',
    Action: ['securityhub:BatchImportFindings'],
    Resource: '*',
  });
  assert.not.ok(JSON.stringify(await policy(['--config', path])).includes('securityhub:'));
  const off = await policy(['--scanner', '--config', config('securityHub: { enabled: false }\n')]);
  assert.not.ok(JSON.stringify(off).includes('securityhub:'), 'nothing of Security Hub while it is off');
});

command.run();
