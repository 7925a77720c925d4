import type { RecordedFinding } from '../../src/core/exports/types.js';

/** A finding as the record keeps it, open, with whatever `over` changes. */
export function recorded(over: Partial<RecordedFinding> = {}): RecordedFinding {
  return {
    fingerprint: '0123456789abcdef0123456789abcdef',
    accountId: '111111111111',
    region: 'eu-west-1',
    keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
    keyArn: 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    aliases: ['alias/payments'],
    keyState: 'Enabled',
    kind: 'account',
    source: 'policy',
    statement: 'Partner',
    grantId: null,
    principal: '999999999999',
    account: '999999999999',
    actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
    severity: 'high',
    public: false,
    reason: 'account 999999999999 is not in the trust list',
    status: 'open',
    firstSeen: '2026-03-01T10:00:00.000Z',
    lastSeen: '2026-03-08T10:00:00.000Z',
    timesSeen: 4,
    ackBy: null,
    ackReason: null,
    ackUntil: null,
    resolvedAt: null,
    resolvedCause: null,
    ...over,
  };
}

/** The same finding acknowledged, and resolved. */
export const acknowledged = (over: Partial<RecordedFinding> = {}) =>
  recorded({
    fingerprint: 'ffffffffffffffff0000000000000001',
    status: 'acknowledged',
    ackBy: 'slack:U0ADMIN',
    ackReason: 'partner, contract 42',
    ackUntil: '2026-06-01T00:00:00.000Z',
    ...over,
  });

export const resolved = (over: Partial<RecordedFinding> = {}) =>
  recorded({
    fingerprint: 'ffffffffffffffff0000000000000002',
    status: 'resolved',
    resolvedAt: '2026-03-09T10:00:00.000Z',
    resolvedCause: 'the scan no longer sees it',
    ...over,
  });
