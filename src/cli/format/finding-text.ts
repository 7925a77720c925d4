import type { KeyFinding } from '../../core/scan/types.js';

/**
 * Who a finding is about, for people. An unparseable policy, an unreadable key or one the engine failed on names
 * nobody in particular: say what is wrong instead of a bare "*".
 */
export function describePrincipal(f: Pick<KeyFinding, 'kind' | 'principal' | 'detail'>): string {
  switch (f.kind) {
    case 'unparseable-policy':
      return `unparseable policy: ${f.detail ?? ''}`;
    case 'unreadable':
      return 'unreadable key: the key policy shuts the scanner out, so it may let anyone in';
    case 'analysis-error':
      return `not judged: ${f.detail ?? ''}`;
    default:
      return f.principal;
  }
}
