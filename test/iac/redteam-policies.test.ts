// Red-team round 21: templates that let an outside account (or everyone) in while check-iac exited 0. Each fixture in
// test/fixtures/iac/redteam/ is the repro as found; each test runs check-iac on it as a pipeline would.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cli } from '../helpers/cli.js';

const ACCOUNT = '111122223333';
const redteam = (name: string) => new URL(`../fixtures/iac/redteam/${name}`, import.meta.url).pathname;

interface Report {
  keys: {
    resource: string;
    judged: boolean;
    public: boolean;
    findings: { principal: string; statement: string; severity: string; line: number | null }[];
    notices: { code: string; at: string | null; message: string; unjudged?: boolean }[];
  }[];
  errors: { code: string; message: string; line: number | null }[];
}

async function check(name: string, ...args: string[]) {
  const json = await cli(['check-iac', redteam(name), '--account', ACCOUNT, '--format', 'json', ...args]);
  const text = await cli(['check-iac', redteam(name), '--account', ACCOUNT, ...args]);
  assert.is(text.code, json.code, 'the format does not change the exit status');
  return { code: json.code, report: JSON.parse(json.stdout) as Report, text: text.stdout, stderr: json.stderr };
}

const found = (report: Report) => report.keys.flatMap((k) => k.findings.map((f) => [f.principal, f.statement]));

const branches = suite('an Fn::If branch that cannot be resolved never throws away the branches that can');

branches(
  'Principal: !If [Cond, {AWS: foreign}, {AWS: !GetAtt Role.Arn}]: the foreign account is reported',
  async () => {
    const { code, report, text } = await check('if-principal-drop.yaml');
    assert.is(code, 1, text);
    assert.equal(found(report), [['arn:aws:iam::999999999999:root', 'Share']]);
    const notices = report.keys[0]?.notices ?? [];
    const branch = notices.find((n) => /this branch is left out/.test(n.message));
    assert.ok(branch, JSON.stringify(notices));
    assert.is(branch.unjudged, true, 'a branch left out is something not judged');
    assert.match(text, /1 finding in 1 key of 1 judged; 1 key judged only in part \(see notices\)\./);
    // With the condition decided, one branch is judged; the GetAtt one alone is a statement that cannot be judged.
    assert.is((await check('if-principal-drop.yaml', '--parameter', 'Env=prod')).code, 1);
    const dev = await check('if-principal-drop.yaml', '--parameter', 'Env=dev');
    assert.is(dev.code, 0, dev.text);
    assert.match(dev.text, /No key that could be judged lets in anyone.*1 key judged only in part \(see notices\)\./);
    assert.is((await check('if-principal-drop.yaml', '--parameter', 'Env=dev', '--strict')).code, 2);
  },
);

branches('Principal: !If [C, "*", !ImportValue X]: the key is public', async () => {
  const { code, report } = await check('if-public-drop.yaml');
  assert.is(code, 1);
  assert.is(report.keys[0]?.public, true);
  assert.equal(
    report.keys[0]?.findings.map((f) => [f.principal, f.severity]),
    [['*', 'critical']],
  );
});

const properties = suite('Properties and KeyPolicy chosen by a function are resolved, never read as "no KeyPolicy"');

properties(
  'Properties: !If [IsProd, {KeyPolicy: ...}, AWS::NoValue]: the KeyPolicy of the branch is judged',
  async () => {
    const { code, report } = await check('props-if.yaml');
    assert.is(code, 1);
    assert.equal(found(report), [['arn:aws:iam::999999999999:root', '#1']]);
    assert.is(report.keys[0]?.findings[0]?.line, 12);
    assert.not.ok(report.keys[0]?.notices.some((n) => n.code === 'no-policy'));
    // Decided the other way, the key has no KeyPolicy: the default key policy, said so.
    const dev = await check('props-if.yaml', '--parameter', 'Env=dev');
    assert.is(dev.code, 0);
    assert.equal(
      dev.report.keys[0]?.notices.map((n) => n.code),
      ['no-policy'],
    );
  },
);

properties(
  'a key whose policy differs per branch is judged for every branch; a Deny of one is not relied on',
  async () => {
    const { code, report } = await check('props-if-two-policies.yaml');
    assert.is(code, 1);
    assert.equal(found(report), [
      ['arn:aws:iam::222222222222:root', 'ProdReader'],
      ['arn:aws:iam::333333333333:root', 'DevReader'],
    ]);
    assert.ok(report.keys[0]?.notices.some((n) => /a Deny that may not be there is not relied on/.test(n.message)));
    const dev = await check('props-if-two-policies.yaml', '--parameter', 'Env=dev');
    assert.equal(found(dev.report), [], 'decided, the dev policy holds its Deny, which keeps the outsider out');
    assert.equal(found((await check('props-if-two-policies.yaml', '--parameter', 'Env=prod')).report), [
      ['arn:aws:iam::222222222222:root', 'ProdReader'],
    ]);
  },
);

properties('KeyPolicy: Fn::ToJsonString {...} is the policy it writes as JSON: judged', async () => {
  const { code, report } = await check('tojson.json');
  assert.is(code, 1);
  assert.is(report.keys[0]?.public, true);
});

const allow = suite('what may allow is judged as an Allow');

allow('an Allow with a NotPrincipal that cannot be resolved lets in everyone it does not list: public', async () => {
  for (const name of ['notprincipal.yaml', 'notprincipal-if.yaml']) {
    const { code, report } = await check(name);
    assert.is(code, 1, name);
    assert.is(report.keys[0]?.public, true, name);
    assert.ok(
      report.keys[0]?.notices.some((n) => /judged as letting in everyone/.test(n.message)),
      name,
    );
  }
});

allow('Effect: !If [C, Allow, Deny] undecided is judged as an Allow', async () => {
  const { code, report } = await check('if-effect.yaml');
  assert.is(code, 1);
  assert.equal(found(report), [['arn:aws:iam::999999999999:root', '#1']]);
  assert.match(report.keys[0]?.notices[0]?.message ?? '', /judged as an Allow/);
  assert.is((await check('if-effect.yaml', '--parameter', 'Share=off')).code, 0, 'decided: a Deny');
  assert.is((await check('if-effect.yaml', '--parameter', 'Share=on')).code, 1);
});

const unjudged = suite('a key that could not be judged is never counted as judged');

unjudged('the summary counts it apart, JSON says judged: false, and --strict fails on it', async () => {
  const { code, report, text } = await check('keypolicy-import.yaml');
  assert.is(code, 0, 'a notice does not change the exit status');
  assert.equal(
    report.keys.map((k) => [k.resource, k.judged]),
    [
      ['Judged', true],
      ['Imported', false],
    ],
  );
  assert.match(text, /Imported \(AWS::KMS::Key\) {2}could not be judged \(see its notices\)/);
  assert.match(
    text,
    /No key that could be judged lets in anyone outside the trust zone \(1 key judged\); 1 key could not be judged \(see notices\)\.\n$/,
  );
  const strict = await check('keypolicy-import.yaml', '--strict');
  assert.is(strict.code, 2);
  assert.is((await cli(['check-iac', '--help'])).stdout.includes('--strict'), true);
});

branches.run();
properties.run();
allow.run();
unjudged.run();
