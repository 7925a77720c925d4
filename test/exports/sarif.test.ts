import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { findingsSarif } from '../../src/core/exports/findings-sarif.js';
import type { FindingKind } from '../../src/core/scan/types.js';
import { cli } from '../helpers/cli.js';
import { within } from '../helpers/deadline.js';
import { acknowledged, recorded, resolved } from '../helpers/recorded-findings.js';
import { withSandbox } from '../helpers/sandbox.js';
import { validateSarif } from '../helpers/sarif.js';
import { HUB_CONFIG, hubWorld } from '../helpers/security-hub.js';

const sarif = suite("findings as SARIF 2.1.0, checked by Microsoft's SARIF validator");

interface Log {
  runs: {
    tool: { driver: { name: string; version: string; rules: { id: string }[] } };
    results: {
      ruleId: string;
      ruleIndex: number;
      level: string;
      message: { text: string };
      locations: { logicalLocations: { name: string; fullyQualifiedName: string; kind: string }[] }[];
      partialFingerprints: Record<string, string>;
      suppressions?: { kind: string; status: string; justification: string }[];
      properties: Record<string, unknown>;
    }[];
  }[];
}

const TOOL = { name: 'kms-sentinel', version: '0.1.0', informationUri: 'https://example.com/kms-sentinel' };
const KINDS: FindingKind[] = [
  'public',
  'account',
  'principal',
  'principal-pattern',
  'organization',
  'federated',
  'canonical-user',
  'grantee',
  'retiring-grantee',
  'unparseable-policy',
  'unreadable',
  'analysis-error',
];
const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;

const every = KINDS.map((kind, i) =>
  recorded({
    kind,
    fingerprint: `${i}`.padStart(32, '0'),
    severity: SEVERITIES[i % 4] ?? 'low',
    ...(kind === 'grantee' || kind === 'retiring-grantee' ? { source: 'grant', statement: null, grantId: 'g-1' } : {}),
    ...(kind === 'unreadable' || kind === 'analysis-error' ? { source: 'key', statement: null, actions: [] } : {}),
    ...(kind === 'unparseable-policy' ? { detail: 'line 3, column 7: expected ","' } : {}),
  }),
);

sarif('every kind of finding, acknowledged and resolved ones, and none at all are valid SARIF 2.1.0', async () => {
  const documents = {
    every: findingsSarif([...every, acknowledged(), resolved({ stack: 'payments-prod' })], TOOL),
    empty: findingsSarif([], TOOL),
  };
  const verdicts = await within(validateSarif(documents), 'the SARIF Multitool', 150_000);
  for (const [name, verdict] of Object.entries(verdicts)) {
    assert.equal(verdict.errors, [], `${name}: ${verdict.errors.join('\n')}`);
    const warnings = verdict.warnings.filter((w) => !/^WRN999/.test(w));
    assert.equal(warnings, [], `${name}: ${warnings.join('\n')}`);
  }
});

sarif('a result per finding: its rule, level by severity, the key as location, its fingerprint, its status', () => {
  const log = findingsSarif([recorded(), acknowledged(), resolved()], TOOL) as Log;
  const run = log.runs[0];
  const [open, acked, gone] = run?.results ?? [];
  assert.is(open?.ruleId, 'KMS-006/account');
  assert.is(run?.tool.driver.rules[open?.ruleIndex ?? -1]?.id, 'KMS-006/account');
  assert.is(open?.level, 'error');
  assert.equal(open?.locations[0]?.logicalLocations[0], {
    name: 'alias/payments',
    fullyQualifiedName: 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    kind: 'resource',
  });
  assert.equal(open?.partialFingerprints, { 'kmsSentinelFinding/v1': '0123456789abcdef0123456789abcdef' });
  assert.match(
    open?.message.text ?? '',
    /^KMS key alias\/payments \(111111111111\/eu-west-1\) is open to 999999999999/,
  );
  assert.is(open?.suppressions, undefined);
  assert.equal(acked?.suppressions, [
    { kind: 'external', status: 'accepted', justification: 'slack:U0ADMIN: partner, contract 42' },
  ]);
  assert.is(gone?.properties.status, 'resolved');
  assert.match(gone?.message.text ?? '', /Resolved 2026-03-09T10:00:00.000Z: the scan no longer sees it\.$/);
  const levels = SEVERITIES.map(
    (s) => (findingsSarif([recorded({ severity: s })], TOOL) as Log).runs[0]?.results[0]?.level,
  );
  assert.equal(levels, ['error', 'error', 'warning', 'note']);
});

sarif('kms-sentinel findings --format sarif prints a valid log of the record, named with the version', async () => {
  await withSandbox(hubWorld(), async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-sarif-'));
    const config = join(dir, 'kms-sentinel.yml');
    writeFileSync(config, `${HUB_CONFIG.replace('enabled: true', 'enabled: false')}database: ${join(dir, 'k.db')}\n`);
    assert.is((await cli(['scan', '--config', config], '', process.env)).code, 1);
    const out = await cli(['findings', '--config', config, '--format', 'sarif'], '', process.env);
    assert.is(out.code, 0, out.stderr);
    const log = JSON.parse(out.stdout) as Log & { version: string };
    assert.is(log.version, '2.1.0');
    assert.is(log.runs[0]?.results.length, 3);
    assert.match(log.runs[0]?.tool.driver.version ?? '', /^\d+\.\d+\.\d+/);
    const verdict = (await within(validateSarif({ cli: log }), 'the SARIF Multitool', 150_000)).cli;
    assert.equal(verdict?.errors, []);
  });
});

sarif.run();
