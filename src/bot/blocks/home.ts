import type { Severity } from '../../core/policy/actions.js';
import { ACTIONS } from '../../usecases/slack-surface.js';
import { SEVERITY_ICON } from './finding-lines.js';
import { type Block, context, type HomeView, LIMITS, plainText, section } from './kit.js';
import { actor, code, date, outside } from './mrkdwn.js';

export interface HomeModel {
  readonly openBySeverity: ReadonlyMap<Severity, number>;
  readonly openByAccount: readonly { accountId: string; name: string | undefined; count: number }[];
  readonly lastScan: { finishedAt: string; startedBy: string; complete: boolean } | undefined;
  readonly nextScan: string | null;
  readonly running: boolean;
  readonly trusted: number;
}

const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

/** The Home tab: open findings by severity and account, the last and next scan, the trust list, and Scan now. */
export function homeView(m: HomeModel): HomeView {
  const accounts = m.openByAccount
    .slice(0, 40)
    .map((a) => `${a.name === undefined ? '' : `${outside(a.name)} `}${code(a.accountId)}: ${a.count}`);
  const blocks: Block[] = [
    { type: 'header', text: plainText('kms-sentinel') },
    section(
      `*Open findings*  ${SEVERITIES.map((s) => `${SEVERITY_ICON[s]} ${m.openBySeverity.get(s) ?? 0} ${s}`).join('  ')}`,
    ),
    section(accounts.length === 0 ? 'No open findings in any account.' : `*By account*\n${accounts.join('\n')}`),
    section(
      `${m.lastScan === undefined ? 'No scan yet.' : `Last scan ${date(m.lastScan.finishedAt)} by ${actor(m.lastScan.startedBy)}${m.lastScan.complete ? '' : ' (*incomplete*)'}.`}\n` +
        `${m.nextScan === null ? 'No scan is scheduled.' : `Next scan ${date(m.nextScan)}.`}\n` +
        `${m.trusted} entr${m.trusted === 1 ? 'y' : 'ies'} on the trust list.`,
    ),
    {
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: ACTIONS.scanNow,
          text: plainText(m.running ? 'Scanning…' : 'Scan now'),
          value: 'scan',
        },
      ],
    },
    context(`${code('/kms help')} for everything else.`),
  ];
  return { type: 'home', blocks: blocks.slice(0, LIMITS.blocksPerView) };
}
