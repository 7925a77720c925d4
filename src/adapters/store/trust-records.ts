import { canonicalTrustText, parseTrustEntry, type TrustEntry } from '../../core/trust.js';
import type { TrustAddition, TrustRecord } from '../../usecases/store-port.js';
import type { FindingLedger } from './finding-ledger.js';
import type { Journal } from './journal.js';
import type { Statements } from './statements.js';

/** Who trust entries made by organization.trustMembers are recorded as. */
const ORGANIZATION = 'organization';

/** The trust list as stored: one row per entry, with who added it and why. Callers hold the transaction. */
export class TrustRecords {
  private readonly statements: Statements;
  private readonly journal: Journal;
  private readonly ledger: FindingLedger;

  constructor(statements: Statements, journal: Journal, ledger: FindingLedger) {
    this.statements = statements;
    this.journal = journal;
    this.ledger = ledger;
  }

  list(): TrustRecord[] {
    return this.statements
      .sql<[], { entry: string; kind: TrustRecord['kind']; note: string | null; added_by: string; added_at: string }>(
        'SELECT entry, kind, note, added_by, added_at FROM trust ORDER BY added_at, entry',
      )
      .all()
      .map((r) => ({ entry: r.entry, kind: r.kind, note: r.note, addedBy: r.added_by, addedAt: r.added_at }));
  }

  add(entry: TrustEntry, note: string | null, actor: string, now: Date): TrustAddition {
    const at = now.toISOString();
    this.ledger.expireAcknowledgements(at);
    const text = canonicalTrustText(entry);
    const { changes } = this.statements
      .sql('INSERT OR IGNORE INTO trust (entry, kind, note, added_by, added_at) VALUES (?, ?, ?, ?, ?)')
      .run(text, entry.kind, note, actor, at);
    if (changes > 0) {
      this.journal.audit(at, actor, 'trust-added', text, null, { kind: entry.kind, note });
      return 'added';
    }
    const before = this.statements
      .sql<[string], { added_by: string; note: string | null }>('SELECT added_by, note FROM trust WHERE entry = ?')
      .get(text);
    if (before?.added_by !== ORGANIZATION || actor === ORGANIZATION) return 'present';
    this.statements
      .sql('UPDATE trust SET added_by = ?, added_at = ?, note = ? WHERE entry = ?')
      .run(actor, at, note, text);
    this.journal.audit(
      at,
      actor,
      'trust-adopted',
      text,
      { addedBy: ORGANIZATION, note: before.note },
      { addedBy: actor, note },
    );
    return 'adopted';
  }

  remove(entry: TrustEntry, actor: string, now: Date): boolean {
    this.ledger.expireAcknowledgements(now.toISOString());
    const text = canonicalTrustText(entry);
    const before = this.statements
      .sql('SELECT entry, kind, note, added_by, added_at FROM trust WHERE entry = ?')
      .get(text);
    if (before === undefined) return false;
    this.statements.sql('DELETE FROM trust WHERE entry = ?').run(text);
    this.journal.audit(now.toISOString(), actor, 'trust-removed', text, before, null);
    return true;
  }

  importFromConfig(entries: readonly TrustEntry[], now: Date): TrustEntry[] {
    const record = this.statements.sql('INSERT OR IGNORE INTO config_trust_imports (entry, imported_at) VALUES (?, ?)');
    return entries.filter((entry) => {
      if (record.run(canonicalTrustText(entry), now.toISOString()).changes === 0) return false;
      return this.add(entry, 'imported from the config file', 'config', now) !== 'present';
    });
  }

  syncOrganization(entries: readonly TrustEntry[], now: Date): number {
    const wanted = new Set(entries.map(canonicalTrustText));
    let changed = 0;
    for (const record of this.list()) {
      if (record.addedBy === ORGANIZATION && !wanted.has(record.entry)) {
        this.remove(parseTrustEntry(record.entry), ORGANIZATION, now);
        changed++;
      }
    }
    for (const entry of entries)
      if (this.add(entry, 'a member of the organization', ORGANIZATION, now) === 'added') changed++;
    return changed;
  }
}
