import { readFileSync } from 'node:fs';
import { readTemplate } from '../../src/adapters/iac/read-template.js';
import { cloudFormationKeys } from '../../src/core/iac/cloudformation-keys.js';
import type { IacContext, IacKey } from '../../src/core/iac/types.js';

/** A CloudFormation fixture's text (test/fixtures/iac/). */
export const fixture = (name: string) => readFileSync(new URL(`../fixtures/iac/${name}`, import.meta.url), 'utf8');

/** The template using every intrinsic function, in YAML short forms. */
export const INTRINSICS = fixture('cloudformation-intrinsics.yaml');

export function context(parameters: Record<string, string> = {}, account?: string): IacContext {
  return { account, parameters: new Map(Object.entries(parameters)) };
}

/** The keys of a template given as text, read as check-iac reads it. */
export function keysOf(file: string, text: string, given: IacContext = context()): IacKey[] {
  return cloudFormationKeys(readTemplate(file, text), given);
}

export function keyOf(keys: readonly IacKey[], id: string): IacKey {
  const key = keys.find((k) => k.resource === id);
  if (key === undefined) throw new Error(`no key ${id}: ${keys.map((k) => k.resource).join(', ')}`);
  return key;
}

/** A key of the intrinsics template. */
export const intrinsics = (id: string, given?: IacContext) => keyOf(keysOf('intrinsics.yaml', INTRINSICS, given), id);

export type Statement = {
  Sid?: string;
  Effect?: string;
  Principal?: { AWS?: string[] };
  Action?: unknown;
  Condition?: unknown;
};
export const statements = (key: IacKey) => (key.policy as { Statement: Statement[] }).Statement;
export const principals = (key: IacKey, sid: string) => statements(key).find((s) => s.Sid === sid)?.Principal?.AWS;
export const root = (account: string) => `arn:aws:iam::${account}:root`;

/** The 1-based line of the first line holding `text` (in the intrinsics template unless told). */
export function line(text: string, source = INTRINSICS): number {
  const index = source.split('\n').findIndex((l) => l.includes(text));
  if (index === -1) throw new Error(`no line holds ${text}`);
  return index + 1;
}
