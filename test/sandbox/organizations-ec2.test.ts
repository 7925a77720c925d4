import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { type Account, OrganizationsClient, paginateListAccounts } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { clientConfig, MANAGEMENT, MEMBER, OTHER, REGION, rejection, testWorld } from './sandbox-world.js';

const test = suite<{ sandbox: Sandbox }>('sandbox Organizations and EC2');

test.before(async (context) => {
  context.sandbox = await startSandbox(testWorld());
});

test.after(async ({ sandbox }) => {
  await sandbox.stop();
});

async function memberConfig(sandbox: Sandbox) {
  const { Credentials } = await new STSClient(clientConfig(sandbox)).send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${MEMBER}:role/Plain`, RoleSessionName: 'member' }),
  );
  return clientConfig(sandbox, 'us-east-1', {
    accessKeyId: Credentials?.AccessKeyId ?? '',
    secretAccessKey: Credentials?.SecretAccessKey ?? '',
    sessionToken: Credentials?.SessionToken ?? '',
  });
}

test('ListAccounts pages through the organization for the management account', async ({ sandbox }) => {
  const client = new OrganizationsClient(clientConfig(sandbox, 'us-east-1'));
  const accounts: Account[] = [];
  let pages = 0;
  for await (const page of paginateListAccounts({ client, pageSize: 1 }, {})) {
    pages += 1;
    accounts.push(...(page.Accounts ?? []));
  }
  assert.is(pages, 3);
  assert.equal(
    accounts.map((account) => [account.Id, account.Name, account.Status]),
    [
      [MANAGEMENT, 'management', 'ACTIVE'],
      [MEMBER, 'member', 'ACTIVE'],
      [OTHER, 'other', 'SUSPENDED'],
    ],
  );
  assert.is(accounts[1]?.Arn, `arn:aws:organizations::${MANAGEMENT}:account/o-abcdefghij/${MEMBER}`);
});

test('a member account may not list accounts', async ({ sandbox }) => {
  const client = new OrganizationsClient({ ...(await memberConfig(sandbox)), maxAttempts: 1 });
  const pages = paginateListAccounts({ client }, {});
  const error = await rejection(pages.next());
  assert.is(error.name, 'AccessDeniedException');
});

test('without an organization ListAccounts answers AWSOrganizationsNotInUseException', async () => {
  const { organization: _, ...world } = testWorld();
  const sandbox = await startSandbox(world);
  try {
    const client = new OrganizationsClient({ ...clientConfig(sandbox, 'us-east-1'), maxAttempts: 1 });
    const error = await rejection(paginateListAccounts({ client }, {}).next());
    assert.is(error.name, 'AWSOrganizationsNotInUseException');
  } finally {
    await sandbox.stop();
  }
});

test('DescribeRegions lists the enabled regions, and with AllRegions the disabled ones', async ({ sandbox }) => {
  const ec2 = new EC2Client(await memberConfig(sandbox));
  const enabled = await ec2.send(new DescribeRegionsCommand({}));
  assert.equal(
    enabled.Regions?.map((region) => [region.RegionName, region.OptInStatus]),
    [
      ['eu-central-1', 'opt-in-not-required'],
      ['eu-north-1', 'opt-in-not-required'],
      [REGION, 'opt-in-not-required'],
      ['us-east-1', 'opt-in-not-required'],
    ],
  );
  assert.is(enabled.Regions?.[0]?.Endpoint, 'ec2.eu-central-1.amazonaws.com');
  const all = await ec2.send(new DescribeRegionsCommand({ AllRegions: true }));
  assert.equal(all.Regions?.[0], {
    RegionName: 'ap-east-1',
    Endpoint: 'ec2.ap-east-1.amazonaws.com',
    OptInStatus: 'not-opted-in',
  });
  assert.is(all.Regions?.length, 5);
  const named = await ec2.send(new DescribeRegionsCommand({ RegionNames: ['us-east-1', 'ap-east-1'] }));
  assert.equal(
    named.Regions?.map((region) => region.RegionName),
    ['ap-east-1', 'us-east-1'],
  );
});

test('an unknown access key answers AuthFailure from EC2', async ({ sandbox }) => {
  const ec2 = new EC2Client({
    ...clientConfig(sandbox, REGION, { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' }),
    maxAttempts: 1,
  });
  const error = await rejection(ec2.send(new DescribeRegionsCommand({})));
  assert.is(error.name, 'AuthFailure');
  assert.is(error.$metadata?.httpStatusCode, 401);
});

test.run();
