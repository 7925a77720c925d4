import { type PolicyDocument, type PolicyStatement, parsePolicyText } from '../policy/document.js';
import { parseStrictJson } from '../policy/json-text.js';

export type Json = Record<string, unknown>;

/** One statement of the draft: the label findings know it by, what it said when read, and its JSON, being edited. */
export interface DraftStatement {
  readonly label: string;
  /** The statement as read: never changes while the plan edits `json`. */
  readonly read: PolicyStatement;
  readonly json: Json;
}

/**
 * The key policy a plan writes: the JSON document as read, edited in place, its statements known by label (the
 * identity findings carry). Only the JSON is edited; statements are dropped by label, and the text keeps the
 * document's other members and its Statement's shape (a single object stays one while one statement is left).
 */
export interface PolicyDraft {
  /** The policy as read, parsed: what the analysis judged. */
  readonly model: PolicyDocument;
  /** Every statement, in the document's order. */
  readonly statements: readonly DraftStatement[];
  statement(label: string): DraftStatement | undefined;
  drop(label: string): void;
  isDropped(label: string): boolean;
  /** The document with every edit and without the dropped statements. */
  text(): string;
}

/** A draft of a policy text that parses (parsePolicyText throws on one that does not). */
export function draftOf(policy: string): PolicyDraft {
  const model = parsePolicyText(policy);
  const doc = parseStrictJson(policy.charCodeAt(0) === 0xfeff ? policy.slice(1) : policy) as Json;
  const single = !Array.isArray(doc.Statement);
  const raw = single ? [doc.Statement as Json] : (doc.Statement as Json[]);
  // The parser keeps the document's order, one parsed statement per JSON one: the one place they are paired.
  const statements = model.statements.map((read, index) => ({ label: read.label, read, json: raw[index] as Json }));
  const byLabel = new Map(statements.map((s) => [s.label, s]));
  const dropped = new Set<string>();
  return {
    model,
    statements,
    statement: (label) => byLabel.get(label),
    drop: (label) => {
      dropped.add(label);
    },
    isDropped: (label) => dropped.has(label),
    text: () => {
      const kept = statements.filter((s) => !dropped.has(s.label)).map((s) => s.json);
      return JSON.stringify({ ...doc, Statement: !single || kept.length !== 1 ? kept : kept[0] }, null, 2);
    },
  };
}
