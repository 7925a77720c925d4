import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** What Microsoft's SARIF Multitool said about one file, one line per message (`JSON1008: runs[0]...`). */
export interface SarifValidation {
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  readonly notes: readonly string[];
}

/** The Multitool's run may not outlast this: a hung validator fails the test instead of hanging CI. */
const VALIDATOR_TIMEOUT_MS = 120_000;

/**
 * The Multitool's settings: rule SARIF2006 ("URIs should be reachable") sends an HTTP GET to every absolute URI in the
 * log, `$schema` included; tests reach no network, so it is off (the Multitool then warns, WRN999, that it was).
 */
const SETTINGS = `<?xml version="1.0" encoding="utf-8"?>
<Properties>
  <Properties Key="SARIF2006.UrisShouldBeReachable.Options">
    <Property Key="RuleEnabled" Value="Disabled" />
  </Properties>
</Properties>
`;

/**
 * The Multitool binary: `@microsoft/sarif-multitool` exports the path that its platform package
 * (`@microsoft/sarif-multitool-linux`, `-darwin` or `-win32`, an optional dependency) exports.
 */
function multitoolPath(): string {
  const require = createRequire(import.meta.url);
  try {
    const path = require('@microsoft/sarif-multitool') as string;
    // Its install script only marks the binary executable; package.json's allowScripts does not run it (the build
    // runs better-sqlite3's script and no other), so the test marks it here.
    if (process.platform !== 'win32' && (statSync(path).mode & 0o100) === 0)
      chmodSync(path, statSync(path).mode | 0o100);
    return path;
  } catch (error) {
    throw new Error(
      `the SARIF Multitool for ${process.platform} is not installed (npm ci installs @microsoft/sarif-multitool and its platform package): ${String(error)}`,
    );
  }
}

/**
 * Validates SARIF documents with the Multitool's `validate` command (the SARIF 2.1.0 schema, then its own SARIF rules;
 * `ruleKinds` adds others, e.g. `Sarif;Ghas` for GitHub Advanced Security's ingestion rules), all in one run.
 * The Multitool exits 0 whatever it finds, so its verdict is read from what it prints: `FILE(LINE,COL): error ID: ...`.
 */
export async function validateSarif(
  documents: Readonly<Record<string, unknown>>,
  ruleKinds?: string,
): Promise<Record<string, SarifValidation>> {
  const folder = mkdtempSync(join(tmpdir(), 'kms-sentinel-sarif-'));
  try {
    const files = new Map<string, string>();
    for (const [name, document] of Object.entries(documents)) {
      const file = join(folder, `${name.replace(/[^A-Za-z0-9_-]/g, '_')}.sarif`);
      writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
      files.set(file, name);
    }
    const settings = join(folder, 'settings.xml');
    writeFileSync(settings, SETTINGS);
    const args = ['validate', ...files.keys(), '--config', settings, '--threads', '1', '--level', 'Error;Warning;Note'];
    if (ruleKinds !== undefined) args.push('--rule-kind', ruleKinds);
    const { stdout } = await promisify(execFile)(multitoolPath(), args, {
      timeout: VALIDATOR_TIMEOUT_MS,
      killSignal: 'SIGKILL',
      maxBuffer: 16 * 1024 * 1024,
      // A self-contained .NET program: without ICU installed it needs the invariant culture to start.
      env: { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1', DOTNET_CLI_TELEMETRY_OPTOUT: '1' },
    });
    if (
      !stdout.includes(`Done. ${files.size} files scanned.`) ||
      !stdout.includes('Analysis completed successfully.')
    ) {
      throw new Error(`the SARIF Multitool did not validate every file:\n${stdout}`);
    }
    const verdicts: Record<string, { errors: string[]; warnings: string[]; notes: string[] }> = {};
    for (const name of files.values()) verdicts[name] = { errors: [], warnings: [], notes: [] };
    for (const line of stdout.split(/\r?\n/)) {
      if (/^SARIF\.MULTITOOL : error /.test(line)) throw new Error(`the SARIF Multitool failed: ${line}`);
      const match = /^(.+?)(?:\(\d+(?:,\d+)?\))?: (error|warning|note) ([A-Za-z]+\d+: .*)$/.exec(line);
      if (match === null) continue;
      const [, file, level, message] = match as unknown as [string, string, 'error' | 'warning' | 'note', string];
      const verdict = verdicts[files.get(file) ?? ''];
      if (verdict === undefined) throw new Error(`the SARIF Multitool spoke of a file it was not given: ${line}`);
      (level === 'error' ? verdict.errors : level === 'warning' ? verdict.warnings : verdict.notes).push(message);
    }
    return verdicts;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
