import type { PolicyFinding, PolicyReport } from '../../core/policy/analyze.js';
import { VIEWS } from '../../usecases/slack-surface.js';
import { SEVERITY_ICON } from './finding-lines.js';
import { type Block, context, LIMITS, type ModalView, plainText, section } from './kit.js';
import { code, outside, truncate } from './mrkdwn.js';

export const CHECK_BLOCKS = {
  policy: { block: 'check_policy', action: 'policy' },
  account: { block: 'check_account', action: 'account' },
} as const;

/** Slack's limit on what a text input takes. */
export const INPUT_LIMIT = 3000;
/** Blocks a result keeps for its verdict, its notices and the line saying what was left out. */
const RESERVED_BLOCKS = 4;
/** The most text a result shows (a modal may hold 250 kB of JSON in all). */
const VIEW_TEXT = 100_000;

const CLI = 'kms-sentinel check-policy FILE --key-account ID';

/** `/kms check`: a key policy and the key's account, judged against the trust list as it is now. */
export function checkModal(account: string | undefined, trusted: number): ModalView {
  return {
    type: 'modal',
    callback_id: VIEWS.check,
    private_metadata: '',
    title: plainText('Check a key policy'),
    submit: plainText('Check'),
    close: plainText('Cancel'),
    blocks: [
      section(
        `Paste a KMS key policy to see who outside the key's account it lets in, judged against the trust list as it is now (${trustedCount(trusted)}), as ${code('kms-sentinel check-policy')} does. ` +
          'Nothing is stored and nothing is sent to AWS; only you see the answer.',
      ),
      {
        type: 'input',
        block_id: CHECK_BLOCKS.policy.block,
        label: plainText('Key policy (JSON)'),
        element: {
          type: 'plain_text_input',
          action_id: CHECK_BLOCKS.policy.action,
          multiline: true,
          max_length: INPUT_LIMIT,
          placeholder: plainText('{"Version": "2012-10-17", "Statement": [...]}'),
        },
      },
      {
        type: 'input',
        block_id: CHECK_BLOCKS.account.block,
        label: plainText("The key's account"),
        element: {
          type: 'plain_text_input',
          action_id: CHECK_BLOCKS.account.action,
          placeholder: plainText('111122223333'),
          ...(account === undefined ? {} : { initial_value: account }),
        },
      },
      context(`Slack takes up to 3,000 characters here; for a longer policy, ${code(CLI)} reads a file.`),
    ],
  };
}

/** The verdict, in place of the form: check-policy's findings grouped by statement, then its notices. */
export function checkResultView(report: PolicyReport, account: string, trusted: number): ModalView {
  const outsiders = new Set(report.findings.map((f) => f.principal)).size;
  const verdict =
    report.findings.length === 0
      ? ':white_check_mark: *No principal outside the trust zone can use this key.*'
      : `:rotating_light: *${report.findings.length} finding${report.findings.length === 1 ? '' : 's'} for ${outsiders} principal${outsiders === 1 ? '' : 's'}*${report.public ? ': the key is *PUBLIC*.' : '.'}`;
  const byStatement = new Map<string, PolicyFinding[]>();
  for (const f of report.findings) {
    const list = byStatement.get(f.statement) ?? [];
    list.push(f);
    byStatement.set(f.statement, list);
  }
  const statements = [...byStatement].map(([statement, findings]) => section(statementText(statement, findings)));
  // Within a modal's blocks, and well within its size (Slack refuses a view over 250 kB).
  const room = LIMITS.blocksPerView - RESERVED_BLOCKS - 2;
  let budget = VIEW_TEXT;
  const shown = statements.slice(0, room).filter((block) => {
    budget -= block.type === 'section' ? (block.text?.text.length ?? 0) : 0;
    return budget >= 0;
  });
  const notices = report.notices.map((n) => `• [${n.code}] ${code(n.statement)}: ${outside(n.message)}`);
  const blocks: Block[] = [
    section(verdict),
    context(
      `Key account ${code(account)} · judged against the trust list as it is now (${trustedCount(trusted)}) · nothing was stored or sent to AWS.`,
    ),
    ...shown,
    ...(statements.length > shown.length
      ? [context(`+${statements.length - shown.length} more statements: ${code(CLI)} lists them all.`)]
      : []),
    ...(notices.length === 0 ? [] : [section(truncate(`*Notices*\n${notices.join('\n')}`, LIMITS.sectionText))]),
  ];
  return {
    type: 'modal',
    callback_id: VIEWS.check,
    private_metadata: '',
    title: plainText('Check a key policy'),
    close: plainText('Done'),
    blocks,
  };
}

/** A statement's findings, as many as a section holds, then how many more. */
function statementText(statement: string, findings: readonly PolicyFinding[]): string {
  const head = truncate(`*Statement ${code(statement)}*`, 300);
  const lines: string[] = [];
  let length = head.length;
  for (const f of findings) {
    const line = findingLine(f);
    if (length + line.length + 1 > LIMITS.sectionText - 60) break;
    lines.push(line);
    length += line.length + 1;
  }
  const more = findings.length - lines.length;
  return [head, ...lines, ...(more > 0 ? [`…and ${more} more in this statement`] : [])].join('\n');
}

function findingLine(f: PolicyFinding): string {
  const actions = f.actions.map((a) => code(a)).join(', ');
  return truncate(
    `${SEVERITY_ICON[f.severity]} *${f.severity.toUpperCase()}* ${code(f.principal)}: ${outside(f.reason)}; actions: ${actions}`,
    600,
  );
}

const trustedCount = (n: number) => `${n} entr${n === 1 ? 'y' : 'ies'}`;
