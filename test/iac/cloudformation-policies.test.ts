// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders, not template literals
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { judgeIacKey } from '../../src/core/iac/judge.js';
import type { IacContext, IacKey } from '../../src/core/iac/types.js';
import { checkPolicyText } from '../../src/core/policy/check.js';
import { parseTrustEntry } from '../../src/core/trust.js';
import {
  context,
  fixture,
  INTRINSICS,
  intrinsics,
  keyOf,
  keysOf,
  line,
  principals,
  root,
  statements,
} from '../helpers/iac-keys.js';

const policies = suite('key policies in every shape CloudFormation takes');

policies(
  'a KeyPolicy given as a JSON string (here built by Fn::Sub) is parsed, its statements at the KeyPolicy line',
  () => {
    const key = intrinsics('StringPolicyKey');
    assert.equal(principals(key, 'FromString'), [root('333333333333')]);
    assert.equal(key.statementLines, [line("KeyPolicy: !Sub '{")]);
    assert.equal(key.notices, []);
  },
);

policies('a KeyPolicy string is text to CloudFormation: ${AWS::AccountId} in a plain string stays as written', () => {
  const text = `Resources:\n  K:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy: '{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::\${AWS::AccountId}:root"}, "Action": "kms:*", "Resource": "*"}]}'\n`;
  const [key] = keysOf('t.yaml', text, context({}, '123456789012'));
  assert.equal(statements(key as IacKey)[0]?.Principal?.AWS, ['arn:aws:iam::${AWS::AccountId}:root']);
});

policies(
  'a KeyPolicy string that is not JSON: an invalid-policy notice naming the resource, its line and the JSON problem',
  () => {
    const text = [
      'Resources:',
      '  Broken:',
      '    Type: AWS::KMS::Key',
      '    Properties:',
      '      KeyPolicy: \'{"Statement": [}\'',
      '  Fine:',
      '    Type: AWS::KMS::Key',
      '',
    ].join('\n');
    const [broken, fine] = keysOf('t.yaml', text);
    assert.is(broken?.policy, undefined);
    assert.equal(
      broken?.notices.map((n) => [n.code, n.line]),
      [['invalid-policy', 5]],
    );
    assert.match(
      broken?.notices[0]?.message ?? '',
      /^Broken: its KeyPolicy \(line 5\) is a string that is not one JSON policy: invalid JSON at line 1.*\[invalid-json\]$/,
    );
    assert.is(fine?.notices[0]?.code, 'no-policy', 'the other keys of the file are still read');
    const duplicate = keysOf(
      't.json',
      JSON.stringify({
        Resources: { D: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: '{"Version": "1", "Version": "2"}' } } },
      }),
    );
    assert.match(duplicate[0]?.notices[0]?.message ?? '', /duplicate key "Version".*\[duplicate-key\]/);
    const deep = `{"Statement": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const nested = keysOf(
      't.json',
      JSON.stringify({ Resources: { N: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: deep } } } }),
    );
    assert.match(nested[0]?.notices[0]?.message ?? '', /^N: its KeyPolicy string nests more than 64 levels deep/);
  },
);

policies("an undecided Fn::If over the Statement list judges both lists' statements, each at its line", () => {
  const key = intrinsics('Replica');
  assert.is(key.resourceType, 'AWS::KMS::ReplicaKey');
  assert.equal(
    statements(key).map((s) => s.Sid),
    ['NoPartnerReplica'],
  );
  assert.equal(key.statementLines, [line('- - Sid: NoPartnerReplica')]);
  assert.ok(key.notices.some((n) => /none of the principals .*PartnerReplica/.test(n.message)));
  const decided = intrinsics('Replica', context({ PartnerAccount: '202020202020' }));
  assert.equal(principals(decided, 'PartnerReplica'), [root('202020202020')]);
});

policies('a key without KeyPolicy: the default key policy, said with a no-policy notice and nothing to judge', () => {
  const key = intrinsics('DefaultPolicyKey');
  assert.is(key.policy, undefined);
  assert.equal(
    key.notices.map((n) => [n.code, n.line]),
    [['no-policy', line('DefaultPolicyKey:')]],
  );
  assert.match(key.notices[0]?.message ?? '', /default key policy/);
  assert.equal(judgeIacKey(key, []).findings, []);
});

policies('the long-form JSON twin resolves to the same keys and notices', () => {
  const strip = (keys: IacKey[]) =>
    keys.map((k) => ({
      ...k,
      file: '',
      line: 0,
      statementLines: [],
      notices: k.notices.map((n) => ({ ...n, line: 0 })).sort((a, b) => a.message.localeCompare(b.message)),
    }));
  const json = keysOf('intrinsics.json', fixture('cloudformation-intrinsics.json'));
  assert.equal(strip(json), strip(keysOf('intrinsics.yaml', INTRINSICS)));
});

policies(
  'the repaired rule-page template grants 123123123123: reported when untrusted, as check-policy reports it',
  () => {
    for (const name of ['rule-page-template-repaired.yaml', 'rule-page-template-repaired.json']) {
      const [key, ...others] = keysOf(name, fixture(name));
      assert.is(others.length, 0, 'the alias is not a key');
      assert.ok(key);
      assert.is(key.resource, 'KMSKEY');
      assert.equal(principals(key, 'Enable IAM User Permissions'), [root('123123123123'), root('123456789012')]);
      const report = checkPolicyText(JSON.stringify(key.policy), '123456789012', []);
      assert.ok(
        report.findings.some((f) => f.account === '123123123123'),
        JSON.stringify(report.findings),
      );
      const judged = judgeIacKey({ ...key, account: '123456789012' }, []);
      assert.equal(
        judged.findings.map(({ line: _, ...f }) => f),
        report.findings,
        'one engine: the same verdict',
      );
      const trusted = checkPolicyText(JSON.stringify(key.policy), '123456789012', [parseTrustEntry('123123123123')]);
      assert.not.ok(trusted.findings.some((f) => f.account === '123123123123'));
    }
  },
);

const DEPLOY_TIME = fixture('cloudformation-deploy-time.yaml');
const deployTime = (id: string, given?: IacContext) => keyOf(keysOf('deploy-time.yaml', DEPLOY_TIME, given), id);

const deploying = suite('values that depend on where and how the stack deploys');

deploying(
  "an undecided Fn::If choosing the whole KeyPolicy: both policies' Allows are judged, a Deny of either is not relied on",
  () => {
    const key = deployTime('ChosenPolicyKey');
    assert.equal(
      statements(key).map((s) => s.Sid),
      ['PartnerUse', 'InternalUse'],
    );
    assert.equal(key.statementLines, [line('- Sid: PartnerUse', DEPLOY_TIME), line('- Sid: InternalUse', DEPLOY_TIME)]);
    assert.match(key.notices.map((n) => n.message).join('\n'), /condition HasPartner cannot be decided.*both policies/);
    assert.match(key.notices.map((n) => n.message).join('\n'), /a Deny that may not be there is not relied on/);
    const decided = deployTime('ChosenPolicyKey', context({ PartnerAccount: '212121212121' }));
    assert.equal(
      statements(decided).map((s) => s.Sid),
      ['PartnerUse', 'PartnerGuard'],
    );
    assert.equal(decided.notices, []);
  },
);

deploying(
  'Mappings keyed by AWS::AccountId and conditions comparing it need --account: never decided on the stand-in',
  () => {
    const unknownAccount = deployTime('AccountKeyedKey');
    // The condition undecided, the principal it may add is judged (both branches); the mapped one cannot be known.
    assert.equal(principals(unknownAccount, 'Auditor'), [root('242424242424')]);
    const said = unknownAccount.notices.map((n) => n.message).join('\n');
    assert.match(said, /the Mappings key is the deploying account \(AWS::AccountId\).*--account ID/);
    assert.match(said, /condition InMainAccount cannot be decided/);
    const main = deployTime('AccountKeyedKey', context({}, '123456789012'));
    assert.equal(principals(main, 'Auditor'), [root('232323232323'), root('242424242424')]);
    assert.equal(main.notices, []);
    const other = deployTime('AccountKeyedKey', context({}, '111111111111'));
    assert.is(other.policy, undefined, 'its only statement names no principal that can be known');
    assert.match(
      other.notices.map((n) => n.message).join('\n'),
      /Mappings has no AuditorByAccount\.111111111111\.Principal/,
    );
  },
);

deploying(
  '${Resource.Attribute} in Fn::Sub is unknown; a resource ARN naming the region is judged as the key itself',
  () => {
    const key = deployTime('DeployTimeKey');
    const regional = statements(key)[0];
    assert.equal(regional?.Principal?.AWS, [root('252525252525')]);
    assert.equal((regional as { Resource?: unknown }).Resource, ['*']);
    const said = (at: string) => key.notices.find((n) => n.at === at)?.message ?? '';
    assert.match(said('Statement[0].Principal.AWS[0]'), /Fn::GetAtt Role\.Arn/);
    assert.match(said('Statement[0].Resource'), /AWS::Region is known only when the stack is deployed.*judged as "\*"/);
  },
);

deploying('an Allow whose Action or Effect cannot be resolved is judged at its widest: any action, an Allow', () => {
  const key = deployTime('DeployTimeKey');
  assert.equal(
    statements(key).map((s) => [s.Sid, s.Effect, s.Action]),
    [
      ['RegionalResource', 'Allow', ['kms:Decrypt']],
      ['UnknownAction', 'Allow', ['kms:Decrypt', 'kms:*']],
      ['UnknownEffect', 'Allow', ['kms:Decrypt']],
    ],
  );
  const said = key.notices.map((n) => `${n.at}: ${n.message}`).join('\n');
  assert.match(said, /Statement\[1\]\.Action\[1\].*ExtraAction.*judged as "kms:\*"/);
  assert.match(said, /Statement\[2\]\.Effect.*StatementEffect.*judged as an Allow/);
  const given = deployTime('DeployTimeKey', context({ ExtraAction: 'kms:Encrypt', StatementEffect: 'Allow' }));
  assert.equal(statements(given)[1]?.Action, ['kms:Decrypt', 'kms:Encrypt']);
  assert.is(statements(given).length, 3);
  const deny = deployTime('DeployTimeKey', context({ StatementEffect: 'Deny' }));
  assert.equal(
    statements(deny).map((s) => s.Sid),
    ['RegionalResource', 'UnknownAction', 'UnknownEffect'],
    'given, the Effect is what it says',
  );
  assert.is(statements(deny)[2]?.Effect, 'Deny');
});

policies.run();
deploying.run();
