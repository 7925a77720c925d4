import { readdirSync, readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkPolicyText } from '../../src/core/policy/check.js';
import { parseTrustEntry } from '../../src/core/trust.js';

/**
 * Key policies that AWS itself publishes, each copied from the documentation page in `source` with its placeholders
 * filled in (`substitutions`) and plain JSON mistakes repaired (`fixes`). With the accounts, organizations and
 * principals AWS means to let in as callers (`trust`; a party reached only through a service principal's conditions
 * is no caller) and, where the policy relies on it, the key account's organization (`keyOrganization`), a check that
 * follows AWS's evaluation reports nothing.
 */
interface PublishedPolicy {
  readonly file: string;
  readonly title: string;
  readonly source: string;
  readonly keyAccount: string;
  /** The key account's organization, where the policy relies on it (`${aws:ResourceOrgID}`). */
  readonly keyOrganization: string | undefined;
  readonly trust: readonly string[];
  readonly substitutions: Readonly<Record<string, string>>;
  readonly fixes: readonly string[];
  readonly policy: unknown;
}

const folder = new URL('../fixtures/aws-published/', import.meta.url);

function load(file: string): PublishedPolicy {
  const value: unknown = JSON.parse(readFileSync(new URL(file, folder), 'utf8'));
  if (typeof value !== 'object' || value === null) throw new Error(`${file}: not a JSON object`);
  const fields = value as Record<string, unknown>;
  const text = (name: string): string => {
    const field = fields[name];
    if (typeof field !== 'string') throw new Error(`${file}: "${name}" must be a string`);
    return field;
  };
  const texts = (name: string): string[] => {
    const field = fields[name];
    if (!Array.isArray(field) || !field.every((entry) => typeof entry === 'string')) {
      throw new Error(`${file}: "${name}" must be a list of strings`);
    }
    return field;
  };
  const substitutions = fields.substitutions;
  if (
    typeof substitutions !== 'object' ||
    substitutions === null ||
    Array.isArray(substitutions) ||
    !Object.values(substitutions).every((entry) => typeof entry === 'string')
  ) {
    throw new Error(`${file}: "substitutions" must map each placeholder to the value put in its place`);
  }
  return {
    file,
    title: text('title'),
    source: text('source'),
    keyAccount: text('keyAccount'),
    keyOrganization: fields.keyOrganization === undefined ? undefined : text('keyOrganization'),
    trust: texts('trust'),
    substitutions: substitutions as Record<string, string>,
    fixes: texts('fixes'),
    policy: fields.policy,
  };
}

const corpus = readdirSync(folder)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .map(load);

const published = suite('key policies published by AWS');

published('the corpus holds at least 40 published policies', () => {
  assert.ok(corpus.length >= 40, `only ${corpus.length} policies in test/fixtures/aws-published`);
});

published('every policy names the AWS page it comes from', () => {
  const unsourced = corpus
    .filter((p) => !/^https:\/\/(docs\.aws\.amazon\.com|aws\.amazon\.com)\//.test(p.source))
    .map((p) => `${p.file}: ${p.source}`);
  assert.equal(unsourced, []);
});

published('every policy names its key account and a policy document', () => {
  const malformed = corpus
    .filter((p) => !/^\d{12}$/.test(p.keyAccount) || typeof p.policy !== 'object' || p.policy === null)
    .map((p) => p.file);
  assert.equal(malformed, []);
});

published("IAM Identity Center's baseline and advanced key policies are in the corpus", () => {
  const sources = new Set(corpus.map((p) => p.source));
  assert.ok(sources.has('https://docs.aws.amazon.com/singlesignon/latest/userguide/baseline-KMS-key-policy.html'));
  assert.ok(sources.has('https://docs.aws.amazon.com/singlesignon/latest/userguide/advanced-kms-policy.html'));
});

for (const policy of corpus) {
  published(`${policy.title} (${policy.source}) reports no finding once its intended parties are trusted`, () => {
    const report = checkPolicyText(
      JSON.stringify(policy.policy),
      policy.keyAccount,
      policy.trust.map(parseTrustEntry),
      policy.keyOrganization,
    );
    assert.equal(
      report.findings.map((f) => `${f.statement}: ${f.principal} (${f.reason})`),
      [],
      `${policy.file} reports findings`,
    );
  });
}

published('with nothing trusted, every policy that lets in another party reports it, and none is public', () => {
  for (const policy of corpus.filter((p) => p.trust.length > 0)) {
    const report = checkPolicyText(JSON.stringify(policy.policy), policy.keyAccount, [], policy.keyOrganization);
    assert.ok(report.findings.length > 0, `${policy.file}: the parties it lets in are not reported`);
    const named = new Set(report.findings.map((f) => f.account ?? f.principal));
    const unreported = policy.trust.filter(
      (entry) => !named.has(entry) && !report.findings.some((f) => f.principal.includes(entry)),
    );
    assert.equal(unreported, [], `${policy.file}: trusted parties the check does not report without trust`);
    assert.is(report.public, false, policy.file);
  }
});

published("IAM Identity Center's baseline, its organization unknown, reports that organization, not the public", () => {
  const baseline = corpus.find((p) => p.file === 'iam-identity-center-baseline-key-policy.json');
  assert.ok(baseline);
  const report = checkPolicyText(
    JSON.stringify(baseline.policy),
    baseline.keyAccount,
    baseline.trust.map(parseTrustEntry),
  );
  assert.is(report.public, false);
  assert.equal(
    report.findings.map((f) => [f.statement, f.kind, f.principal]),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template literal
    [['AllowOrgPrincipalsViaIdentityCenterAndIdentityStore', 'organization', '${aws:ResourceOrgID}']],
  );
});

published.run();
