import { KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { clientConfig, keyId, MANAGEMENT, MEMBER, REGION, rejection, testWorld } from './sandbox-world.js';

const test = suite<{ sandbox: Sandbox; sts: STSClient }>('sandbox STS');

test.before(async (context) => {
  context.sandbox = await startSandbox(testWorld());
  context.sts = new STSClient({ ...clientConfig(context.sandbox), maxAttempts: 1 });
});

test.after(async ({ sandbox }) => {
  await sandbox.stop();
});

const AUDITOR = `arn:aws:iam::${MEMBER}:role/Auditor`;
const PLAIN = `arn:aws:iam::${MEMBER}:role/Plain`;

test('GetCallerIdentity names the base credentials’ user', async ({ sts }) => {
  const identity = await sts.send(new GetCallerIdentityCommand({}));
  assert.is(identity.Account, MANAGEMENT);
  assert.is(identity.Arn, `arn:aws:iam::${MANAGEMENT}:user/sandbox`);
  assert.match(identity.UserId ?? '', /^AIDA[0-9A-F]{17}$/);
});

test('AssumeRole with the required ExternalId hands out working session credentials', async ({ sandbox, sts }) => {
  const output = await sts.send(
    new AssumeRoleCommand({ RoleArn: AUDITOR, RoleSessionName: 'scan', ExternalId: 'secret-ext' }),
  );
  const credentials = output.Credentials;
  assert.match(credentials?.AccessKeyId ?? '', /^ASIA[A-Z2-7]{16}$/);
  assert.ok(credentials?.SecretAccessKey);
  assert.ok(credentials?.SessionToken);
  assert.instance(credentials?.Expiration, Date);
  assert.ok((credentials?.Expiration?.getTime() ?? 0) > Date.now() + 3500_000);
  assert.is(output.AssumedRoleUser?.Arn, `arn:aws:sts::${MEMBER}:assumed-role/Auditor/scan`);
  assert.match(output.AssumedRoleUser?.AssumedRoleId ?? '', /^AROA[0-9A-F]{17}:scan$/);

  const session = {
    accessKeyId: credentials?.AccessKeyId ?? '',
    secretAccessKey: credentials?.SecretAccessKey ?? '',
    sessionToken: credentials?.SessionToken ?? '',
  };
  const identity = await new STSClient(clientConfig(sandbox, REGION, session)).send(new GetCallerIdentityCommand({}));
  assert.is(identity.Account, MEMBER);
  assert.is(identity.Arn, `arn:aws:sts::${MEMBER}:assumed-role/Auditor/scan`);
  assert.is(identity.UserId, output.AssumedRoleUser?.AssumedRoleId);
  const { Keys } = await new KMSClient(clientConfig(sandbox, REGION, session)).send(new ListKeysCommand({}));
  assert.ok(
    Keys?.some((key) => key.KeyId === keyId(100)),
    'sees the member account’s keys',
  );
});

test('a role without an ExternalId is assumed with or without one', async ({ sts }) => {
  const without = await sts.send(new AssumeRoleCommand({ RoleArn: PLAIN, RoleSessionName: 'ab' }));
  assert.is(without.AssumedRoleUser?.Arn, `arn:aws:sts::${MEMBER}:assumed-role/Plain/ab`);
  const withId = await sts.send(new AssumeRoleCommand({ RoleArn: PLAIN, RoleSessionName: 'cd', ExternalId: 'any' }));
  assert.ok(withId.Credentials?.AccessKeyId);
});

test('a wrong or missing ExternalId, and an unknown role, are denied', async ({ sts }) => {
  const cases = [
    { RoleArn: AUDITOR, RoleSessionName: 'x1', ExternalId: 'wrong' },
    { RoleArn: AUDITOR, RoleSessionName: 'x2' },
    { RoleArn: `arn:aws:iam::${MEMBER}:role/Nobody`, RoleSessionName: 'x3' },
    { RoleArn: `arn:aws:iam::999999999999:role/Plain`, RoleSessionName: 'x4' },
  ];
  for (const input of cases) {
    const error = await rejection(sts.send(new AssumeRoleCommand(input)));
    assert.is(error.name, 'AccessDenied', input.RoleArn);
    assert.is(
      error.message,
      `User: arn:aws:iam::${MANAGEMENT}:user/sandbox is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`,
    );
    assert.is(error.$metadata?.httpStatusCode, 403);
  }
});

test('an unknown access key answers InvalidClientTokenId', async ({ sandbox }) => {
  const sts = new STSClient({
    ...clientConfig(sandbox, REGION, { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' }),
    maxAttempts: 1,
  });
  const error = await rejection(sts.send(new GetCallerIdentityCommand({})));
  assert.is(error.name, 'InvalidClientTokenId');
  assert.is(error.$metadata?.httpStatusCode, 403);
});

test('expired session credentials are refused by STS and KMS', async () => {
  const sandbox = await startSandbox(testWorld({ credentialTtlSeconds: 0 }));
  try {
    const { Credentials } = await new STSClient(clientConfig(sandbox)).send(
      new AssumeRoleCommand({ RoleArn: PLAIN, RoleSessionName: 'short' }),
    );
    const session = {
      accessKeyId: Credentials?.AccessKeyId ?? '',
      secretAccessKey: Credentials?.SecretAccessKey ?? '',
      sessionToken: Credentials?.SessionToken ?? '',
    };
    const sts = new STSClient({ ...clientConfig(sandbox, REGION, session), maxAttempts: 1 });
    const stsError = await rejection(sts.send(new GetCallerIdentityCommand({})));
    assert.is(stsError.name, 'ExpiredToken');
    const kms = new KMSClient({ ...clientConfig(sandbox, REGION, session), maxAttempts: 1 });
    const kmsError = await rejection(kms.send(new ListKeysCommand({})));
    assert.is(kmsError.name, 'ExpiredTokenException');
  } finally {
    await sandbox.stop();
  }
});

test.run();
