import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  type KeyListEntry,
  KMSClient,
  paginateListAliases,
  paginateListGrants,
  paginateListKeys,
} from '@aws-sdk/client-kms';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import {
  clientConfig,
  keyId,
  MANAGEMENT,
  MEMBER,
  OTHER,
  policyFor,
  REGION,
  rejection,
  testWorld,
} from './sandbox-world.js';

const test = suite<{ sandbox: Sandbox; member: KMSClient }>('sandbox KMS listing and reading');

test.before(async (context) => {
  context.sandbox = await startSandbox(testWorld({ maxPageSize: 2 }));
  const sts = new STSClient(clientConfig(context.sandbox));
  const { Credentials } = await sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${MEMBER}:role/Auditor`,
      RoleSessionName: 'listing',
      ExternalId: 'secret-ext',
    }),
  );
  context.member = new KMSClient(
    clientConfig(context.sandbox, REGION, {
      accessKeyId: Credentials?.AccessKeyId ?? '',
      secretAccessKey: Credentials?.SecretAccessKey ?? '',
      sessionToken: Credentials?.SessionToken ?? '',
    }),
  );
});

test.after(async ({ sandbox }) => {
  await sandbox.stop();
});

test('ListKeys pages through every key of the caller account and region with opaque markers', async ({ sandbox }) => {
  const kms = new KMSClient(clientConfig(sandbox));
  const keys: KeyListEntry[] = [];
  let pages = 0;
  for await (const page of paginateListKeys({ client: kms, pageSize: 5 }, {})) {
    pages += 1;
    assert.ok((page.Keys?.length ?? 0) <= 2, 'maxPageSize caps the page');
    if (page.Truncated) assert.type(page.NextMarker, 'string');
    keys.push(...(page.Keys ?? []));
  }
  assert.is(pages, 4);
  assert.equal(
    keys.map((key) => key.KeyId),
    [1, 2, 3, 4, 5, 6, 7].map(keyId),
  );
  assert.is(keys[0]?.KeyArn, `arn:aws:kms:${REGION}:${MANAGEMENT}:key/${keyId(1)}`);
});

test('a region without keys lists nothing', async ({ sandbox }) => {
  const kms = new KMSClient(clientConfig(sandbox, 'sa-east-1'));
  const pages = [];
  for await (const page of paginateListKeys({ client: kms }, {})) pages.push(page);
  assert.equal(pages.length, 1);
  assert.equal(pages[0]?.Keys, []);
  assert.is(pages[0]?.Truncated, false);
});

test('ListGrants pages through a key’s grants as GrantListEntry', async ({ member }) => {
  const grants = [];
  for await (const page of paginateListGrants({ client: member, pageSize: 2 }, { KeyId: keyId(100) })) {
    grants.push(...(page.Grants ?? []));
  }
  assert.is(grants.length, 5);
  const first = grants[0];
  assert.is(first?.KeyId, `arn:aws:kms:${REGION}:${MEMBER}:key/${keyId(100)}`);
  assert.is(first?.GrantId, 'grant-0');
  assert.is(first?.Name, 'g0');
  assert.is(first?.GranteePrincipal, `arn:aws:iam::${OTHER}:role/app0`);
  assert.is(first?.IssuingAccount, `arn:aws:iam::${MEMBER}:root`);
  assert.equal(first?.Operations, ['Decrypt']);
  assert.equal(first?.Constraints, { EncryptionContextSubset: { team: 'a' } });
  assert.instance(first?.CreationDate, Date);
});

test('ListAliases pages through all aliases, or those of one key', async ({ member }) => {
  const all = [];
  for await (const page of paginateListAliases({ client: member, pageSize: 1 }, {})) all.push(...(page.Aliases ?? []));
  assert.equal(
    all.map((alias) => alias.AliasName),
    ['alias/aws/s3', 'alias/orders', 'alias/orders-old'],
  );
  assert.is(all[1]?.AliasArn, `arn:aws:kms:${REGION}:${MEMBER}:alias/orders`);
  assert.is(all[1]?.TargetKeyId, keyId(100));
  const own = [];
  for await (const page of paginateListAliases({ client: member }, { KeyId: keyId(103) })) {
    own.push(...(page.Aliases ?? []));
  }
  assert.equal(
    own.map((alias) => alias.AliasName),
    ['alias/aws/s3'],
  );
});

test('DescribeKey answers KeyMetadata by key ID, key ARN or alias', async ({ member }) => {
  const arn = `arn:aws:kms:${REGION}:${MEMBER}:key/${keyId(100)}`;
  for (const name of [keyId(100), arn, 'alias/orders', `arn:aws:kms:${REGION}:${MEMBER}:alias/orders`]) {
    const { KeyMetadata } = await member.send(new DescribeKeyCommand({ KeyId: name }));
    assert.is(KeyMetadata?.Arn, arn, name);
  }
  const { KeyMetadata } = await member.send(new DescribeKeyCommand({ KeyId: keyId(103) }));
  assert.is(KeyMetadata?.AWSAccountId, MEMBER);
  assert.is(KeyMetadata?.KeyManager, 'AWS');
  assert.is(KeyMetadata?.KeyState, 'Enabled');
  assert.is(KeyMetadata?.Enabled, true);
  assert.is(KeyMetadata?.KeySpec, 'SYMMETRIC_DEFAULT');
  assert.is(KeyMetadata?.KeyUsage, 'ENCRYPT_DECRYPT');
  assert.is(KeyMetadata?.MultiRegion, false);
  assert.instance(KeyMetadata?.CreationDate, Date);
});

test('DescribeKey of a multi-Region key names its primary and replicas', async ({ member }) => {
  const id = 'mrk-0123456789abcdef0123456789abcdef';
  const { KeyMetadata } = await member.send(new DescribeKeyCommand({ KeyId: id }));
  assert.equal(KeyMetadata?.MultiRegionConfiguration, {
    MultiRegionKeyType: 'PRIMARY',
    PrimaryKey: { Arn: `arn:aws:kms:${REGION}:${MEMBER}:key/${id}`, Region: REGION },
    ReplicaKeys: [{ Arn: `arn:aws:kms:us-east-1:${MEMBER}:key/${id}`, Region: 'us-east-1' }],
  });
});

test('GetKeyPolicy returns the default policy verbatim by key ID or ARN', async ({ member }) => {
  const arn = `arn:aws:kms:${REGION}:${MEMBER}:key/${keyId(100)}`;
  for (const name of [keyId(100), arn]) {
    const output = await member.send(new GetKeyPolicyCommand({ KeyId: name, PolicyName: 'default' }));
    assert.is(output.Policy, policyFor(OTHER));
    assert.is(output.PolicyName, 'default');
  }
  const other = await rejection(member.send(new GetKeyPolicyCommand({ KeyId: keyId(100), PolicyName: 'custom' })));
  assert.is(other.name, 'NotFoundException');
});

test('a key of another account or region is not found, in AWS’s words', async ({ member }) => {
  const missing = await rejection(member.send(new DescribeKeyCommand({ KeyId: keyId(1) })));
  assert.is(missing.name, 'NotFoundException');
  assert.is(missing.message, `Key 'arn:aws:kms:${REGION}:${MEMBER}:key/${keyId(1)}' does not exist`);
  assert.is(missing.$metadata?.httpStatusCode, 400);
  const elsewhere = `arn:aws:kms:us-east-1:${MEMBER}:key/${keyId(100)}`;
  const moved = await rejection(member.send(new GetKeyPolicyCommand({ KeyId: elsewhere })));
  assert.is(moved.name, 'NotFoundException');
  assert.is(moved.message, `Key '${elsewhere}' does not exist`);
  const alias = await rejection(member.send(new DescribeKeyCommand({ KeyId: 'alias/nope' })));
  assert.is(alias.name, 'NotFoundException');
});

test('a Limit outside 1..100 on ListGrants is a ValidationException, as in AWS', async ({ member }) => {
  const pages = paginateListGrants({ client: member, pageSize: 500 }, { KeyId: keyId(100) });
  const error = await rejection(pages.next());
  assert.is(error.name, 'ValidationException');
});

test.run();
