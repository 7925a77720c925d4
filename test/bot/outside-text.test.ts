import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as ackModalModule from '../../src/bot/blocks/ack-modal.js';
import * as alertModule from '../../src/bot/blocks/alert.js';
import * as digestModule from '../../src/bot/blocks/digest.js';
import type { ThreadEvent } from '../../src/bot/blocks/event-reply.js';
import * as eventReplyModule from '../../src/bot/blocks/event-reply.js';
import * as findingLinesModule from '../../src/bot/blocks/finding-lines.js';
import * as homeModule from '../../src/bot/blocks/home.js';
import * as mrkdwnModule from '../../src/bot/blocks/mrkdwn.js';
import * as remediateModalModule from '../../src/bot/blocks/remediate-modal.js';
import * as repliesModule from '../../src/bot/blocks/replies.js';
import * as scanWarningModule from '../../src/bot/blocks/scan-warning.js';
import { SentinelError } from '../../src/core/errors.js';
import type { FindingRef } from '../../src/core/notifications.js';
import type { RemediationPlan } from '../../src/core/remediation/plan.js';
import type { StoredFinding } from '../../src/usecases/store-port.js';

const outside = suite('Slack text from outside the bot: shown literally in every message, modal and view');

/**
 * Everything Slack would act on or hide: mentions and links of every form, markup, a code fence, a quote at the start
 * of the text and after a line break, entities, bidirectional overrides and isolates, zero-width characters and
 * other control characters.
 */
const HOSTILE =
  '> LEAD <!channel> <!here|here> <@U0EVIL> <#C0EVIL|general> <http://evil.example|click> &lt;!everyone&gt; ' +
  '*BOLD* _ITAL_ ~STRIKE~ `TICK` ```FENCE``` \u202eEVIL\u202c \u2066ISO\u2069 ZW\u200bSP\u200c\u200d\u200e\u200f' +
  '\ufeff\u2060 \u0007BEL\u001b[31m\u00adSHY\r\nNEWLINE\n> QUOTE\u2028SEP';

/** The only `<…>` the bot itself writes: a mention of a user the record names, and a date. */
const OWN_TOKEN = /<@U0ADMIN>|<!date\^\d+\^\{[a-z_]+\} \{time\}\|[^<>]*>/g;
const MARKERS = ['BOLD', 'ITAL', 'STRIKE', 'TICK', 'FENCE', 'LEAD', 'QUOTE', 'NEWLINE'];

interface Shown {
  readonly path: string;
  readonly text: string;
  readonly as: 'mrkdwn' | 'plain_text';
}

/** Every string Slack shows (machine data, such as a button's value or a modal's private_metadata, is not shown). */
function shownStrings(value: unknown, path = '', as: Shown['as'] = 'mrkdwn'): Shown[] {
  if (typeof value === 'string') return [{ path, text: value, as }];
  if (Array.isArray(value)) return value.flatMap((v, i) => shownStrings(v, `${path}[${i}]`, as));
  if (typeof value !== 'object' || value === null) return [];
  const object = value as Record<string, unknown>;
  const kind = object.type === 'plain_text' ? 'plain_text' : as;
  return Object.entries(object)
    .filter(
      ([key]) => !['type', 'value', 'private_metadata', 'action_id', 'block_id', 'callback_id', 'style'].includes(key),
    )
    .flatMap(([key, v]) => shownStrings(v, `${path}.${key}`, kind));
}

/** Every mrkdwn text object of a message or view. */
function mrkdwnObjects(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.flatMap(mrkdwnObjects);
  if (typeof value !== 'object' || value === null) return [];
  const object = value as Record<string, unknown>;
  return [...(object.type === 'mrkdwn' ? [object] : []), ...Object.values(object).flatMap(mrkdwnObjects)];
}

/** Slack's markup does not apply inside code: what is left once the bot's code blocks and spans are taken out. */
const withoutCode = (text: string) => text.replace(/```[\s\S]*?```/g, ' ').replace(/`[^`\n]*`/g, ' ');

/** Builders that are given outside text but show none of it (a modal's private_metadata only). */
const SHOW_NONE = new Set(['applyingView']);

function assertNeutral(name: string, output: unknown): void {
  const strings = shownStrings(output);
  if (!SHOW_NONE.has(name)) {
    assert.ok(
      strings.some((s) => s.text.includes('BOLD')),
      `${name}: the outside text is shown (the walk reached it)`,
    );
  }
  for (const object of mrkdwnObjects(output)) {
    // Slack would otherwise turn a bare URL, a #channel or an @here in the text into a link or a mention.
    assert.is(object.verbatim, true, `${name}: ${JSON.stringify(object).slice(0, 200)} is verbatim`);
  }
  for (const { path, text, as } of strings) {
    const where = `${name}${path}: ${JSON.stringify(text.slice(0, 400))}`;
    assert.not.match(
      text.replace(/\n/g, ' '),
      /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u,
      `${where}: no control, bidirectional or zero-width character`,
    );
    assert.not.match(text, /(^|\n)\s*(NEWLINE|QUOTE|SEP)/, `${where}: a line break in the text stays on its line`);
    if (as === 'plain_text') {
      assert.not.match(text, /[<>]/, `${where}: no mention or link syntax, even in plain text`);
      continue;
    }
    for (const marker of ['TICK', 'FENCE']) {
      assert.not.match(text, new RegExp(`\`${marker}|${marker}\``), `${where}: a backtick cannot open or close code`);
    }
    const rest = text.replace(OWN_TOKEN, ' ');
    assert.not.match(rest, /</, `${where}: no mention, link or special token but the bot's own`);
    assert.not.match(rest, /&(?!amp;|lt;|gt;)/, `${where}: no entity but the three escapes`);
    assert.not.match(rest.replace(/(^|\n)>/g, '$1'), />/, `${where}: no > but the bot's own quote marks`);
    const prose = withoutCode(rest);
    assert.not.match(prose, /(^|\n)>?(&gt;|>)\s*LEAD/, `${where}: outside text never starts a quote`);
    for (const marker of MARKERS) {
      assert.not.match(prose, new RegExp(`[*_~\`]${marker}|${marker}[*_~\`]`), `${where}: ${marker} is not markup`);
    }
  }
}

const ADMIN_ACTOR = 'slack:U0ADMIN';
const ISO = '2026-11-01T00:00:00.000Z';

function finding(extra: Partial<StoredFinding> = {}): StoredFinding {
  return {
    accountId: HOSTILE,
    region: HOSTILE,
    keyId: HOSTILE,
    keyArn: HOSTILE,
    aliases: [HOSTILE, HOSTILE],
    keyState: HOSTILE,
    kind: 'account',
    source: 'policy',
    statement: HOSTILE,
    grantId: null,
    principal: HOSTILE,
    account: HOSTILE,
    actions: [HOSTILE, 'kms:Decrypt'],
    severity: 'critical',
    public: false,
    reason: HOSTILE,
    detail: HOSTILE,
    fingerprint: HOSTILE,
    status: 'open',
    firstSeen: ISO,
    lastSeen: HOSTILE,
    timesSeen: 2,
    ackBy: null,
    ackReason: null,
    ackUntil: null,
    resolvedAt: null,
    resolvedCause: null,
    stack: HOSTILE,
    ...extra,
  };
}

const open = finding();
const grant = finding({ source: 'grant', grantId: HOSTILE, statement: null, kind: 'public' });
const acknowledged = finding({ status: 'acknowledged', ackBy: ADMIN_ACTOR, ackReason: HOSTILE, ackUntil: ISO });
const acknowledgedByOutsider = finding({
  status: 'acknowledged',
  ackBy: `slack:${HOSTILE}`,
  ackReason: HOSTILE,
  ackUntil: HOSTILE,
});
const resolved = finding({ status: 'resolved', resolvedAt: HOSTILE, resolvedCause: HOSTILE });
const findings = [open, grant, acknowledged, acknowledgedByOutsider, resolved];
const ref: FindingRef = { ...open, fingerprint: HOSTILE, status: 'open' };

const key = {
  keyArn: HOSTILE,
  keyId: HOSTILE,
  aliases: [HOSTILE],
  accountId: HOSTILE,
  accountName: HOSTILE,
  region: HOSTILE,
  keyState: HOSTILE,
  stack: HOSTILE,
};

const plan: RemediationPlan = {
  keyArn: HOSTILE,
  accountId: HOSTILE,
  region: HOSTILE,
  keyId: HOSTILE,
  // A policy as the plan writes it: JSON, whose strings keep their line breaks escaped.
  before: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: HOSTILE, Principal: { AWS: HOSTILE } }] }),
  after: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: HOSTILE, Principal: { AWS: HOSTILE } }] }, null, 2),
  edits: [
    { kind: 'remove-principal', statement: HOSTILE, principal: HOSTILE, why: HOSTILE },
    { kind: 'narrow', statement: HOSTILE, callerAccounts: [HOSTILE], removed: [HOSTILE], why: HOSTILE },
  ],
  revocations: [
    { grantId: HOSTILE, grantee: HOSTILE, retiringPrincipal: HOSTILE, operations: [HOSTILE], why: HOSTILE },
  ],
  fixes: [HOSTILE],
  refusals: [{ principal: HOSTILE, statement: HOSTILE, reason: HOSTILE }],
  checks: [{ name: 'fixes-findings', passed: false, detail: HOSTILE }],
  ok: true,
};

const events: ThreadEvent[] = [
  { kind: 'finding-resolved', finding: ref, cause: HOSTILE, by: `cli:${HOSTILE}` },
  { kind: 'finding-reopened', finding: ref, scanId: HOSTILE },
  { kind: 'finding-escalated', finding: ref, scanId: null },
  { kind: 'finding-acknowledged', finding: ref, by: ADMIN_ACTOR, reason: HOSTILE, until: HOSTILE },
  { kind: 'acknowledgement-expired', finding: ref, until: HOSTILE },
  ...(['remediation-applied', 'remediation-failed', 'remediation-undone'] as const).map((kind) => ({
    kind,
    remediationId: HOSTILE,
    keyArn: HOSTILE,
    accountId: HOSTILE,
    by: `slack:${HOSTILE}`,
    changed: [HOSTILE],
    notChanged: [HOSTILE],
    fingerprints: [HOSTILE],
  })),
];

const running = { startedBy: `cli:${HOSTILE}`, startedAt: HOSTILE, progress: HOSTILE };
const metadata = { channel: HOSTILE, ts: HOSTILE, keyArn: HOSTILE, plan: HOSTILE };

/** Every builder in src/bot/blocks, each called with outside text in every field that takes it. */
const BUILDERS: Record<string, () => unknown[]> = {
  ackModal: () => [ackModalModule.ackModal(HOSTILE, 3, { channel: HOSTILE, ts: HOSTILE, shown: HOSTILE })],
  alertMessage: () => [
    alertModule.alertMessage({ key, findings, roleName: HOSTILE, remediation: true }),
    alertModule.alertMessage({ key, findings: [finding({ kind: 'unreadable' })], roleName: HOSTILE }),
    alertModule.alertMessage({ key, findings: [open, finding({ account: `${HOSTILE}2` })], roleName: HOSTILE }),
  ],
  digestMessage: () => [
    digestModule.digestMessage([
      { keyArn: HOSTILE, aliases: [HOSTILE], accountId: HOSTILE, accountName: HOSTILE, region: HOSTILE, findings },
      { keyArn: HOSTILE, aliases: [], accountId: HOSTILE, accountName: undefined, region: HOSTILE, findings },
    ]),
  ],
  digestViewMessage: () => [
    digestModule.digestViewMessage({
      keys: 2,
      severities: [{ severity: 'high', findings: 2 }],
      accounts: [
        { accountId: HOSTILE, accountName: HOSTILE, keys: 2, severities: [{ severity: 'high', findings: 2 }] },
      ],
      worst: [
        { keyArn: HOSTILE, aliases: [HOSTILE], accountId: HOSTILE, accountName: HOSTILE, region: HOSTILE, findings },
      ],
    }),
  ],
  eventReply: () => [eventReplyModule.eventReply(events), ...events.map((e) => eventReplyModule.eventReply([e]))],
  updatedNote: () => [eventReplyModule.updatedNote(HOSTILE)],
  via: () => [findingLinesModule.via(open), findingLinesModule.via(grant)],
  actionList: () => [findingLinesModule.actionList([HOSTILE, HOSTILE], 1)],
  who: () => [findingLinesModule.who(open), findingLinesModule.who(grant)],
  findingLine: () => findings.map(findingLinesModule.findingLine),
  outcomeLine: () => findings.map(findingLinesModule.outcomeLine).filter((l) => l !== undefined),
  stackNote: () => [findingLinesModule.stackNote(findings)],
  homeView: () => [
    homeModule.homeView({
      openBySeverity: new Map([['critical', 1]]),
      openByAccount: [{ accountId: HOSTILE, name: HOSTILE, count: 1 }],
      lastScan: { finishedAt: HOSTILE, startedBy: `cli:${HOSTILE}`, complete: false },
      nextScan: HOSTILE,
      running: true,
      trusted: 1,
    }),
  ],
  checkingView: () => [remediateModalModule.checkingView(metadata)],
  planView: () => [
    remediateModalModule.planView(metadata, plan, { drift: false, managedBy: HOSTILE }),
    remediateModalModule.planView(metadata, plan, { error: HOSTILE }),
    remediateModalModule.planView(metadata, { ...plan, ok: false }, { drift: true, managedBy: undefined }),
  ],
  applyingView: () => [remediateModalModule.applyingView(metadata)],
  resultView: () => [remediateModalModule.resultView(metadata, HOSTILE, false)],
  usageReply: () => [repliesModule.usageReply(HOSTILE)],
  refusedReply: () => [repliesModule.refusedReply(HOSTILE)],
  errorReply: () => [repliesModule.errorReply(HOSTILE)],
  failureReply: () => [
    repliesModule.failureReply(new Error(HOSTILE)),
    repliesModule.failureReply(new SentinelError('invalid-trust-entry', HOSTILE, { hint: 'see-trust-list' })),
    repliesModule.failureReply(HOSTILE),
  ],
  workingReply: () => [repliesModule.workingReply(HOSTILE)],
  trustReply: () =>
    (['added', 'present', 'adopted'] as const).flatMap((outcome) =>
      [true, false].map((added) =>
        repliesModule.trustReply(
          {
            entry: { kind: 'organization', organization: HOSTILE, text: HOSTILE },
            outcome,
            newFindings: 1,
            stillOpen: 0,
            resolved: 1,
            resolvedFingerprints: [HOSTILE],
            reopenedFingerprints: [HOSTILE],
          },
          added,
        ),
      ),
    ),
  trustedReply: () => [
    repliesModule.trustedReply([
      { entry: HOSTILE, kind: 'principal', note: HOSTILE, addedBy: `slack:${HOSTILE}`, addedAt: HOSTILE },
      { entry: '111122223333', kind: 'account', note: HOSTILE, addedBy: ADMIN_ACTOR, addedAt: ISO },
    ]),
  ],
  findingsReply: () => [
    repliesModule.findingsReply(findings, findings.length, { status: 'all', accountId: HOSTILE }),
    repliesModule.findingsReply([], 0, { status: 'open', accountId: HOSTILE }),
  ],
  statusReply: () => [
    repliesModule.statusReply({
      lastScan: {
        id: HOSTILE,
        startedAt: HOSTILE,
        finishedAt: HOSTILE,
        accounts: 1,
        regions: 1,
        keys: 1,
        customerManagedKeys: 1,
        apiCalls: 1,
        throttled: 0,
        complete: false,
        startedBy: `slack:${HOSTILE}`,
        errors: 1,
        newFindings: 1,
        stillOpen: 1,
        resolved: 1,
      },
      lastScanErrors: 1,
      nextScan: HOSTILE,
      running,
      openBySeverity: new Map([['high', 2]]),
      outbox: { pending: 1, sending: 1, failed: 1 },
      failedNotifications: [
        {
          id: 1,
          createdAt: HOSTILE,
          kind: 'finding-opened',
          fingerprint: HOSTILE,
          accountId: HOSTILE,
          notification: { kind: 'finding-opened', finding: ref, scanId: HOSTILE },
          state: 'failed',
          attempts: 1,
          lastError: HOSTILE,
          nextAttemptAt: HOSTILE,
          deliveredAt: null,
          receipt: null,
          deliveryId: HOSTILE,
          deliveryTarget: null,
        },
      ],
      deliveryPauses: [
        { scope: 'workspace', channel: '', reason: HOSTILE, since: HOSTILE, checks: 1, nextCheckAt: HOSTILE },
        { scope: 'channel', channel: HOSTILE, reason: HOSTILE, since: HOSTILE, checks: 1, nextCheckAt: HOSTILE },
      ],
      deliverer: { state: 'another-bot', host: HOSTILE, pid: 1, since: HOSTILE },
    }),
  ],
  scanStartedReply: () => [repliesModule.scanStartedReply(HOSTILE)],
  scanBusyReply: () => [repliesModule.scanBusyReply(running)],
  scanSummaryReply: () => [
    repliesModule.scanSummaryReply({
      id: HOSTILE,
      complete: false,
      accounts: 1,
      regions: 1,
      keys: 1,
      customerManagedKeys: 1,
      apiCalls: 1,
      throttled: 0,
      newFindings: 1,
      stillOpen: 1,
      resolved: 1,
      errors: [{ accountId: HOSTILE, region: HOSTILE, keyId: HOSTILE, code: 'AccessDenied', message: HOSTILE }],
      seconds: 1,
    }),
  ],
  acknowledgedReply: () => [repliesModule.acknowledgedReply(2, HOSTILE)],
  plainReply: () => [repliesModule.plainReply(HOSTILE)],
  scanWarning: () => [
    scanWarningModule.scanWarning({
      kind: 'scan-incomplete',
      scanId: HOSTILE,
      startedBy: HOSTILE,
      failures: [{ code: HOSTILE, accountId: HOSTILE, region: HOSTILE, keyId: HOSTILE, message: HOSTILE }],
      failureCount: 3,
      signature: HOSTILE,
    }),
  ],
};

// The text helpers (mrkdwn.ts) and Block Kit's constructors (kit.ts) are what the builders are made of.
outside('the walk covers every function src/bot/blocks exports but the text helpers and Block Kit constructors', () => {
  const builders = [
    ackModalModule,
    alertModule,
    digestModule,
    eventReplyModule,
    findingLinesModule,
    homeModule,
    remediateModalModule,
    repliesModule,
    scanWarningModule,
  ].flatMap((m) =>
    Object.entries(m)
      .filter(([, v]) => typeof v === 'function')
      .map(([name]) => name),
  );
  assert.equal(builders.sort(), Object.keys(BUILDERS).sort());
});

for (const [name, build] of Object.entries(BUILDERS)) {
  outside(`${name}: no mention, link, markup, quote, line break or invisible character from outside survives`, () => {
    for (const output of build()) assertNeutral(name, output);
  });
}

outside('outside text stays readable: an ARN reads as an ARN, and what was hidden is shown as an escape', () => {
  const { outside: shown, code } = mrkdwnModule;
  assert.is(shown('arn:aws:iam::111122223333:role/ci-deploy'), 'arn:aws:iam::111122223333:role/ci-deploy');
  assert.is(code('arn:aws:iam::*:role/my_role~1'), '`arn:aws:iam::*:role/my_role~1`', 'code keeps * _ ~ as they are');
  assert.is(shown('*a* _b_ ~c~ `d`'), '∗a∗ ˍbˍ ∼c∼ ˋdˋ');
  assert.is(shown('> quoted & <!here>'), '› quoted &amp; &lt;!here&gt;');
  assert.is(shown('a\u202eb\u200bc\nd'), 'a\\u202eb\\u200bc\\nd');
  assert.is(shown('<!channel> \u202e', 'plain'), '‹!channel› \\u202e');
});

outside.run();
