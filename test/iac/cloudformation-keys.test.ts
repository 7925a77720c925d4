// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders, not template literals
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { judgeIacKey } from '../../src/core/iac/judge.js';
import { KEY_OWN_ACCOUNT } from '../../src/core/iac/types.js';
import { context, INTRINSICS, intrinsics, keysOf, line, principals, root, statements } from '../helpers/iac-keys.js';

const pseudo = suite('pseudo parameters');

pseudo("AWS::AccountId is the key's own account without --account, and the deploying account with it", () => {
  const own = intrinsics('OwnKey');
  assert.equal(principals(own, 'Owner'), [root(KEY_OWN_ACCOUNT), root(KEY_OWN_ACCOUNT)]);
  assert.is(own.account, undefined);
  assert.equal(judgeIacKey(own, []).findings, [], "the key's own account is trusted, as in check-policy");
  const deployed = intrinsics('OwnKey', context({}, '123456789012'));
  assert.equal(principals(deployed, 'Owner'), [root('123456789012'), root('123456789012')]);
  assert.is(deployed.account, '123456789012');
});

pseudo('AWS::Partition is aws, AWS::URLSuffix amazonaws.com, and ${!Literal} in Fn::Sub is ${Literal}', () => {
  const service = statements(intrinsics('OwnKey')).find((s) => s.Sid === 'Service');
  assert.equal(service, {
    Sid: 'Service',
    Effect: 'Allow',
    Principal: { Service: ['logs.amazonaws.com'] },
    Action: ['kms:Encrypt'],
    Resource: ['*'],
    Condition: {
      ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:*:${KEY_OWN_ACCOUNT}:*:\${aws:username}` },
    },
  });
});

const params = suite('parameters, mappings and conditions');

params('defaults, a CommaDelimitedList, Fn::FindInMap, Fn::Select over Fn::Split, Fn::Sub inside Fn::Join', () => {
  const key = intrinsics('PartnerKey');
  assert.equal(principals(key, 'Partners'), [
    root('333333333333'), // !Sub [..., {Account: !Ref AuditAccount}], from its Default
    root('777777777777'), // !FindInMap [Accounts, !Ref Env, Backup], Env defaults to prod
    '666666666666', // !Select [1, !Split [',', !Join [',', !Ref ReaderAccounts]]]
    // !If [IsProd, ...] and !If [IsDev, ...]: Env's Default decides them, but its AllowedValues (prod, dev) let the
    // stack be deployed either way, so the Default is not assumed for a condition: both branches are judged.
    root('444444444444'),
    root('999999999999'),
    root('121212121212'), // !If [HasPartner, ...]: undecided, so both branches
    root('131313131313'),
    'arn:aws:iam::333333333333:role/prod-reader', // !Join [':', [..., !Sub '${AuditAccount}', !Sub 'role/${Env}-reader']]
  ]);
  assert.match(
    key.notices.find((n) => n.at === 'Statement[0].Principal.AWS[5]')?.message ?? '',
    /condition IsDev cannot be decided from the parameters given \(the Default of Env is not assumed: its AllowedValues let the stack be deployed with a value that decides it the other way\).*--parameter Env=VALUE/,
  );
  const prod = intrinsics('PartnerKey', context({ Env: 'prod' }));
  assert.equal(principals(prod, 'Partners')?.slice(3, 5), [root('444444444444'), root('121212121212')]);
  // !If [ProdOrPartner, ...]: Fn::Or holds once IsProd does, whatever HasPartner is.
  assert.equal(statements(prod)[0]?.Action, ['kms:Decrypt', 'kms:DescribeKey']);
});

params(
  'a parameter with no value and no Default: a notice with its line, the fix, and the principal neither trusted nor reported',
  () => {
    const key = intrinsics('PartnerKey', context({ Env: 'prod' }));
    const notice = key.notices.find((n) => n.at === 'Statement[0].Principal.AWS[0]');
    assert.ok(notice, JSON.stringify(key.notices));
    assert.is(notice.code, 'unresolvable');
    assert.is(notice.line, line("- !Sub 'arn:aws:iam::${PartnerAccount}:root'"));
    assert.match(notice.message, /parameter PartnerAccount has no value and no Default/);
    assert.match(notice.message, /--parameter PartnerAccount=VALUE/);
    assert.match(notice.message, /neither trusted nor reported/);
    const undecided = key.notices.find((n) => n.at === 'Statement[0].Principal.AWS[6]');
    assert.match(
      undecided?.message ?? '',
      /condition HasPartner cannot be decided.*both branches are judged.*--parameter PartnerAccount=VALUE/,
    );
    assert.is(key.notices.length, 2, JSON.stringify(key.notices));
  },
);

params('--parameter gives the value, over the Default, and decides the conditions that depend on it', () => {
  const key = intrinsics('PartnerKey', context({ PartnerAccount: '202020202020', Env: 'dev' }));
  assert.equal(principals(key, 'Partners'), [
    root('202020202020'),
    root('333333333333'),
    root('888888888888'),
    '666666666666',
    root('999999999999'),
    root('121212121212'),
    'arn:aws:iam::333333333333:role/dev-reader',
  ]);
  assert.equal(key.notices, []);
});

params("an undecided Fn::If in an Allow's Action takes both branches; an empty --parameter is a value", () => {
  const key = intrinsics('PartnerKey', context({ Env: 'dev' }));
  assert.equal(statements(key)[0]?.Action, ['kms:Decrypt', 'kms:DescribeKey', 'kms:Decrypt']);
  const decided = intrinsics('PartnerKey', context({ Env: 'dev', PartnerAccount: '' }));
  assert.equal(statements(decided)[0]?.Action, ['kms:Decrypt']);
  assert.equal(principals(decided, 'Partners')?.slice(-2), [
    root('131313131313'),
    'arn:aws:iam::333333333333:role/dev-reader',
  ]);
});

params('a resource whose condition is false is not created, so not listed; one whose condition holds is', () => {
  assert.equal(
    keysOf('t.yaml', INTRINSICS, context({ Env: 'prod' })).map((k) => k.resource),
    ['OwnKey', 'PartnerKey', 'UnknownKey', 'StringPolicyKey', 'Replica', 'DefaultPolicyKey'],
  );
  // Without --parameter Env, Env's Default is not assumed (its AllowedValues offer dev): either key may be created.
  const either = keysOf('t.yaml', INTRINSICS).map((k) => k.resource);
  assert.ok(either.includes('DevOnlyKey') && either.includes('StringPolicyKey'), either.join());
  const dev = keysOf('t.yaml', INTRINSICS, context({ Env: 'dev' })).map((k) => k.resource);
  assert.ok(dev.includes('DevOnlyKey') && !dev.includes('StringPolicyKey'), dev.join());
});

const unknown = suite('values known only once deployed: said so, never guessed');

unknown(
  'Fn::GetAtt, Ref to a resource, Fn::ImportValue, Fn::Base64, Fn::GetAZs, Fn::Cidr, Fn::Transform, an SSM parameter',
  () => {
    const key = intrinsics('UnknownKey');
    assert.equal(principals(key, 'Deployed'), [root('151515151515')]);
    const said = (i: number) => key.notices.find((n) => n.at === `Statement[0].Principal.AWS[${i}]`)?.message ?? '';
    assert.match(said(0), /Fn::GetAtt Role\.Arn is an attribute of a resource/);
    assert.match(said(1), /Fn::GetAtt Role\.Arn/);
    assert.match(said(2), /Role is a resource of this template/);
    assert.match(said(3), /Fn::ImportValue is an output of another stack/);
    assert.match(said(4), /Fn::Base64/);
    assert.match(said(5), /Fn::GetAZs/);
    assert.match(said(6), /Fn::Cidr/);
    assert.match(said(7), /Fn::Transform runs a macro/);
    assert.match(
      said(8),
      /SharedRoleName \(AWS::SSM::Parameter::Value<String>\) is read from Systems Manager.*--parameter SharedRoleName=VALUE/,
    );
    for (let i = 0; i < 9; i++)
      assert.is(
        key.notices.find((n) => n.at === `Statement[0].Principal.AWS[${i}]`)?.line,
        line('- Sid: Deployed') + 4 + i,
      );
  },
);

unknown(
  "judged by check-policy's engine, only the known principal is reported; none of the unknown ones is trusted or dropped unsaid",
  () => {
    const report = judgeIacKey(intrinsics('UnknownKey'), []);
    const accounts = report.findings.map((f) => f.account);
    assert.ok(accounts.includes('151515151515'), JSON.stringify(report.findings));
    assert.not.ok(accounts.includes('141414141414'), 'the Base64 argument is not taken for a principal');
    assert.ok(report.key.notices.length >= 9);
  },
);

unknown('a statement none of whose principals resolves is left out, and says so', () => {
  const key = intrinsics('UnknownKey');
  assert.equal(
    statements(key).map((s) => s.Sid),
    ['Deployed', 'NarrowedByUnknown'],
  );
  const left = key.notices.find((n) => n.at === 'Statement[1].Principal');
  assert.match(left?.message ?? '', /none of the principals of Statement\[1\] \("OnlyUnknown"\).*left out/);
});

unknown(
  "a Deny that cannot be read is not relied on; an Allow's unreadable condition key is dropped, the rest kept",
  () => {
    const key = intrinsics('UnknownKey');
    const guard = key.notices.find((n) => n.at === 'Statement[2].Condition.StringNotEquals.aws:PrincipalAccount[1]');
    assert.match(
      guard?.message ?? '',
      /a Deny that cannot be read is not relied on: Statement\[2\] \("GuardedByPartner"\) is left out/,
    );
    const prodOnly = key.notices.find((n) => n.at === 'Statement[3].Condition.StringEquals.aws:PrincipalAccount');
    assert.match(prodOnly?.message ?? '', /condition ProdWithPartner cannot be decided/);
    assert.equal(statements(key)[1]?.Condition, { StringEquals: { 'aws:PrincipalOrgID': 'o-exampleorg' } });
    assert.match(key.notices.find((n) => n.at?.endsWith('aws:SourceVpce'))?.message ?? '', /judged without it/);
    assert.equal(key.statementLines, [line('- Sid: Deployed'), line('- Sid: NarrowedByUnknown')]);
  },
);

unknown('with the parameter given, the Deny statements are read and kept', () => {
  const key = intrinsics('UnknownKey', context({ PartnerAccount: '202020202020', Env: 'prod' }, '123456789012'));
  const sids = statements(key).map((s) => s.Sid);
  assert.equal(sids, ['Deployed', 'OnlyUnknown', 'GuardedByPartner', 'ProdOnlyDeny', 'NarrowedByUnknown']);
  assert.equal(statements(key)[2]?.Condition, {
    StringNotEquals: { 'aws:PrincipalAccount': ['123456789012', '202020202020'] },
  });
  assert.equal(statements(key)[3]?.Condition, { StringEquals: { 'aws:PrincipalAccount': '202020202020' } });
});

pseudo.run();
params.run();
unknown.run();
