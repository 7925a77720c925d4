import {
  GetKeyPolicyCommand,
  KMSClient,
  ListGrantsCommand,
  PutKeyPolicyCommand,
  RevokeGrantCommand,
} from '@aws-sdk/client-kms';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { clientConfig, keyId, MEMBER, OTHER, policyFor, REGION, rejection, testWorld } from './sandbox-world.js';

const test = suite<{ sandbox: Sandbox; kms: KMSClient }>('sandbox mutations');

test.before.each(async (context) => {
  context.sandbox = await startSandbox({ ...testWorld(), callerAccount: MEMBER });
  context.kms = new KMSClient({ ...clientConfig(context.sandbox), maxAttempts: 1 });
});

test.after.each(async ({ sandbox }) => {
  await sandbox.stop();
});

const KEY = keyId(100);

test('PutKeyPolicy replaces the policy that GetKeyPolicy and keyState() return', async ({ sandbox, kms }) => {
  const policy = policyFor(MEMBER);
  await kms.send(new PutKeyPolicyCommand({ KeyId: KEY, PolicyName: 'default', Policy: policy }));
  assert.is((await kms.send(new GetKeyPolicyCommand({ KeyId: KEY }))).Policy, policy);
  assert.is(sandbox.keyState(MEMBER, REGION, KEY)?.policy, policy);
});

test('PutKeyPolicy refuses a document that is not JSON, and an AWS managed key', async ({ sandbox, kms }) => {
  const malformed = await rejection(kms.send(new PutKeyPolicyCommand({ KeyId: KEY, Policy: '{"Version":' })));
  assert.is(malformed.name, 'MalformedPolicyDocumentException');
  assert.is(sandbox.keyState(MEMBER, REGION, KEY)?.policy, policyFor(OTHER));
  const managed = await rejection(kms.send(new PutKeyPolicyCommand({ KeyId: keyId(103), Policy: policyFor(MEMBER) })));
  assert.is(managed.name, 'AccessDeniedException');
});

test('RevokeGrant removes the grant; an unknown grant is NotFoundException', async ({ sandbox, kms }) => {
  await kms.send(new RevokeGrantCommand({ KeyId: KEY, GrantId: 'grant-2' }));
  const { Grants } = await kms.send(new ListGrantsCommand({ KeyId: KEY }));
  assert.equal(
    Grants?.map((grant) => grant.GrantId),
    ['grant-0', 'grant-1', 'grant-3', 'grant-4'],
  );
  assert.equal(
    sandbox.keyState(MEMBER, REGION, KEY)?.grants.map((grant) => grant.grantId),
    ['grant-0', 'grant-1', 'grant-3', 'grant-4'],
  );
  const again = await rejection(kms.send(new RevokeGrantCommand({ KeyId: KEY, GrantId: 'grant-2' })));
  assert.is(again.name, 'NotFoundException');
});

test('setKeyPolicy changes what KMS serves; keyState hands out copies', async ({ sandbox, kms }) => {
  sandbox.setKeyPolicy(MEMBER, REGION, KEY, '{"changed":true}');
  assert.is((await kms.send(new GetKeyPolicyCommand({ KeyId: KEY }))).Policy, '{"changed":true}');
  sandbox.keyState(MEMBER, REGION, KEY)?.grants.pop();
  assert.is(sandbox.keyState(MEMBER, REGION, KEY)?.grants.length, 5);
  assert.is(sandbox.keyState(MEMBER, REGION, keyId(999)), undefined);
  assert.throws(() => sandbox.setKeyPolicy(MEMBER, 'us-east-1', KEY, '{}'));
});

test('holdNext: the held PutKeyPolicy changes nothing until released, while other calls are answered', async ({
  sandbox,
  kms,
}) => {
  const held = sandbox.holdNext('PutKeyPolicy');
  const put = kms.send(new PutKeyPolicyCommand({ KeyId: KEY, PolicyName: 'default', Policy: policyFor(MEMBER) }));
  await held.arrived;
  assert.is((await kms.send(new GetKeyPolicyCommand({ KeyId: KEY }))).Policy, policyFor(OTHER));
  assert.is(sandbox.stats().byOperation['kms:PutKeyPolicy'], undefined);
  held.release();
  await put;
  assert.is(sandbox.keyState(MEMBER, REGION, KEY)?.policy, policyFor(MEMBER));
  assert.is(sandbox.stats().byOperation['kms:PutKeyPolicy'], 1);
});

test.run();
