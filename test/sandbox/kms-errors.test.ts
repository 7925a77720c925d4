import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  ListGrantsCommand,
  ListKeysCommand,
} from '@aws-sdk/client-kms';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { type Credentials, clientConfig, keyId, MEMBER, REGION, rejection, testWorld } from './sandbox-world.js';

const test = suite<{ sandbox: Sandbox; member: Credentials }>('sandbox KMS errors');

test.before(async (context) => {
  context.sandbox = await startSandbox(testWorld());
  const sts = new STSClient(clientConfig(context.sandbox));
  const { Credentials } = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${MEMBER}:role/Plain`, RoleSessionName: 'errors' }),
  );
  context.member = {
    accessKeyId: Credentials?.AccessKeyId ?? '',
    secretAccessKey: Credentials?.SecretAccessKey ?? '',
    sessionToken: Credentials?.SessionToken ?? '',
  };
});

test.after(async ({ sandbox }) => {
  await sandbox.stop();
});

function kms(context: { sandbox: Sandbox; member: Credentials }, region = REGION): KMSClient {
  return new KMSClient({ ...clientConfig(context.sandbox, region, context.member), maxAttempts: 1 });
}

test('a region the account has not enabled answers UnrecognizedClientException', async (context) => {
  const error = await rejection(kms(context, 'ap-east-1').send(new ListKeysCommand({})));
  assert.is(error.name, 'UnrecognizedClientException');
  assert.is(error.message, 'The security token included in the request is invalid.');
  assert.is(error.$metadata?.httpStatusCode, 400);
});

test('a region denied by policy answers AccessDeniedException', async (context) => {
  const error = await rejection(kms(context, 'eu-central-1').send(new ListKeysCommand({})));
  assert.is(error.name, 'AccessDeniedException');
  assert.match(
    error.message,
    `arn:aws:sts::${MEMBER}:assumed-role/Plain/errors is not authorized to perform: kms:ListKeys`,
  );
});

test('a key deleted after listing answers NotFoundException to every call naming it', async (context) => {
  const client = kms(context);
  const { Keys } = await client.send(new ListKeysCommand({}));
  assert.ok(
    Keys?.some((key) => key.KeyId === keyId(102)),
    'still listed',
  );
  for (const command of [
    new DescribeKeyCommand({ KeyId: keyId(102) }),
    new GetKeyPolicyCommand({ KeyId: keyId(102) }),
    new ListGrantsCommand({ KeyId: keyId(102) }),
  ]) {
    const error = await rejection(client.send(command as DescribeKeyCommand));
    assert.is(error.name, 'NotFoundException');
  }
});

test('an unreadable policy answers AccessDeniedException', async (context) => {
  const error = await rejection(kms(context).send(new GetKeyPolicyCommand({ KeyId: keyId(101) })));
  assert.is(error.name, 'AccessDeniedException');
  assert.match(error.message, 'kms:GetKeyPolicy');
});

test('an unknown access key answers UnrecognizedClientException', async ({ sandbox }) => {
  const client = new KMSClient({
    ...clientConfig(sandbox, REGION, { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' }),
    maxAttempts: 1,
  });
  const error = await rejection(client.send(new ListKeysCommand({})));
  assert.is(error.name, 'UnrecognizedClientException');
});

test('a session key without its session token is not recognized', async (context) => {
  const { accessKeyId, secretAccessKey } = context.member;
  const client = new KMSClient({
    ...clientConfig(context.sandbox, REGION, { accessKeyId, secretAccessKey }),
    maxAttempts: 1,
  });
  const error = await rejection(client.send(new ListKeysCommand({})));
  assert.is(error.name, 'UnrecognizedClientException');
});

test.run();
