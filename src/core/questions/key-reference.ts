import { SentinelError } from '../errors.js';
import type { KeySnapshot } from '../scan/types.js';

/** How `key` is asked about: a key ARN, a key ID, or an alias (by name, or by its ARN). */
export type KeyReference =
  | { readonly kind: 'arn'; readonly keyArn: string; readonly text: string }
  | { readonly kind: 'key-id'; readonly keyId: string; readonly text: string }
  | {
      readonly kind: 'alias';
      readonly alias: string;
      readonly accountId: string | undefined;
      readonly region: string | undefined;
      readonly text: string;
    };

export const KEY_FORMS =
  'a key ARN (arn:aws:kms:us-east-1:111122223333:key/…), a key ID, an alias (alias/payments) or an alias ARN';

const PARTITION = '(?:aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc)';
const KEY_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/i;
const KMS_ARN = new RegExp(`^arn:${PARTITION}:kms:([a-z0-9-]+):(\\d{12}):(key|alias)/(.+)$`);
/** AWS's alias names: letters, digits, `/`, `_` and `-`, up to 256 characters with the prefix. */
const ALIAS = /^alias\/[A-Za-z0-9/_-]{1,250}$/;

/** Reads a key reference; throws `invalid-key` naming the accepted forms. A bare name is taken for an alias. */
export function parseKeyReference(input: string): KeyReference {
  const text = input.trim();
  const arn = KMS_ARN.exec(text);
  if (arn !== null) {
    const [, region, accountId, type, rest] = arn as unknown as [string, string, string, string, string];
    if (type === 'key' && /^[A-Za-z0-9-]{1,128}$/.test(rest)) return { kind: 'arn', keyArn: text, text };
    if (type === 'alias' && ALIAS.test(`alias/${rest}`)) {
      return { kind: 'alias', alias: `alias/${rest}`, accountId, region, text };
    }
  } else if (KEY_ID.test(text)) {
    return { kind: 'key-id', keyId: text.toLowerCase(), text };
  } else {
    const alias = text.startsWith('alias/') ? text : `alias/${text}`;
    if (ALIAS.test(alias) && !text.startsWith('arn:'))
      return { kind: 'alias', alias, accountId: undefined, region: undefined, text };
  }
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  throw new SentinelError('invalid-key', `${JSON.stringify(shown)} is not a KMS key reference; give ${KEY_FORMS}`);
}

/** Whether the reference names this key. */
export function refersTo(
  ref: KeyReference,
  key: Pick<KeySnapshot, 'keyArn' | 'keyId' | 'aliases' | 'accountId' | 'region'>,
): boolean {
  switch (ref.kind) {
    case 'arn':
      return key.keyArn === ref.keyArn;
    case 'key-id':
      return key.keyId.toLowerCase() === ref.keyId;
    case 'alias':
      return (
        key.aliases.includes(ref.alias) &&
        (ref.accountId === undefined || ref.accountId === key.accountId) &&
        (ref.region === undefined || ref.region === key.region)
      );
  }
}
