import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { keyWith, OWNER, recordScanned, scanOf } from './scan-results.js';

/**
 * Adds one scan's new findings to a database, written straight into its tables (a real scan of 20,000 keys takes
 * minutes): `keys` keys in `account`, `perKey` untrusted accounts each, one open finding and one undelivered
 * notification per pair, the keys one after another in the outbox. The store records a one-key scan first, and its
 * finding and notification are the template the copies are made from (then dropped): each copy differs in its key,
 * its principal and its fingerprint. Returns the new outbox IDs, in order.
 */
export function seedScan(
  db: string,
  options: { keys: number; perKey: number; account?: string; scanId: string; at?: Date; keyPrefix?: string },
): number[] {
  const account = options.account ?? OWNER;
  const at = options.at ?? new Date(Date.now() - 60_000);
  const prefix = options.keyPrefix ?? 'key';
  const store = new SqliteStore(db);
  try {
    recordScanned(
      store,
      scanOf([keyWith(`${options.scanId}-template`, ['399999999999'], 'us-east-1', account)], {
        id: options.scanId,
        at,
      }),
      'test',
      at,
    );
  } finally {
    store.close();
  }
  const sql = new Database(db);
  try {
    return sql.transaction(() => {
      const template = sql
        .prepare<[string], { id: number; fingerprint: string }>(
          `SELECT id, fingerprint FROM outbox WHERE json_extract(payload, '$.scanId') = ? ORDER BY id DESC LIMIT 1`,
        )
        .get(options.scanId);
      if (template === undefined) throw new Error('the template scan wrote no notification');
      const columns = sql
        .prepare<[], { name: string }>('PRAGMA table_info(findings)')
        .all()
        .map((c) => c.name);
      const copy: Record<string, string> = {
        fingerprint: `'${options.scanId}-fp-' || n.i`,
        key_id: `'${prefix}-' || (n.i / ${options.perKey})`,
        key_arn: `'arn:aws:kms:us-east-1:${account}:key/${prefix}-' || (n.i / ${options.perKey})`,
        principal: `printf('%012d', 300000000000 + n.i)`,
        account: `printf('%012d', 300000000000 + n.i)`,
        aliases: `json_array('alias/${prefix}-' || (n.i / ${options.perKey}))`,
        reason: `'account ' || printf('%012d', 300000000000 + n.i) || ' is not trusted'`,
      };
      const total = options.keys * options.perKey;
      const numbers = `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ${total})`;
      sql
        .prepare(
          `${numbers} INSERT INTO findings (${columns.join(', ')})
           SELECT ${columns.map((c) => copy[c] ?? `f.${c}`).join(', ')} FROM findings f, n WHERE f.fingerprint = ?`,
        )
        .run(template.fingerprint);
      const first = (sql.prepare('SELECT max(id) FROM outbox').pluck().get() as number) + 1;
      sql
        .prepare(
          `${numbers} INSERT INTO outbox (created_at, kind, fingerprint, account_id, payload)
           SELECT o.created_at, o.kind, ${copy.fingerprint}, o.account_id,
             json_set(o.payload, '$.finding.fingerprint', ${copy.fingerprint}, '$.finding.keyId', ${copy.key_id},
               '$.finding.keyArn', ${copy.key_arn}, '$.finding.principal', ${copy.principal},
               '$.finding.account', ${copy.account}, '$.finding.aliases', ${copy.aliases},
               '$.finding.reason', ${copy.reason})
           FROM outbox o, n WHERE o.id = ? ORDER BY n.i`,
        )
        .run(template.id);
      sql.prepare('DELETE FROM outbox WHERE id = ?').run(template.id);
      sql.prepare('DELETE FROM findings WHERE fingerprint = ?').run(template.fingerprint);
      return Array.from({ length: total }, (_, i) => first + i);
    })();
  } finally {
    sql.close();
  }
}
