import type { PolicyReport } from '../../core/policy/analyze.js';
import { checkPolicyText } from '../../core/policy/check.js';
import { parseTrustEntry } from '../../core/trust.js';
import { formatPolicyReport } from '../format/policy-report.js';
import type { Io } from '../io.js';
import { parseCommandLine } from '../options.js';
import { readInput } from '../read-input.js';
import { usageError } from '../usage-error.js';

export const checkPolicyHelp = `Usage: kms-sentinel check-policy FILE|- --key-account ID [--key-org o-ID] [--trust ID|ARN|o-ID]... [--format json|text]

Reads a KMS key policy (a file, or standard input with "-") and reports every principal outside the trust zone
that it lets use the key. The key's own account is always trusted.

Options:
  --key-account ID   the 12-digit account that owns the key (required)
  --key-org o-ID     the organization of that account: what \${aws:ResourceOrgID} stands for in the policy
  --trust ENTRY      a trusted account ID, account root ARN, principal ARN or organization ID (repeatable)
  --format FORMAT    text (default) or json

Exit status: 0 no findings, 1 findings, 2 bad input or usage.
`;

export async function checkPolicyCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(args, {
    'key-account': { type: 'string' },
    'key-org': { type: 'string' },
    trust: { type: 'string', multiple: true, default: [] },
    format: { type: 'string', default: 'text' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout(checkPolicyHelp);
    return 0;
  }
  if (positionals.length !== 1) throw usageError('check-policy takes exactly one FILE (or "-" for standard input)');
  const keyAccount = values['key-account'];
  if (keyAccount === undefined)
    throw usageError('--key-account ID is required: the 12-digit account that owns the key');
  const format = values.format;
  if (format !== 'json' && format !== 'text')
    throw usageError(`--format must be json or text, not ${JSON.stringify(format)}`);

  const trust = values.trust.map(parseTrustEntry);
  const source = positionals[0] as string;
  const text = source === '-' ? await io.readStdin() : await readInput(source, io.readFile);
  const report = checkPolicyText(text, keyAccount, trust, values['key-org']);
  io.stdout(format === 'json' ? `${JSON.stringify(toJson(report), null, 2)}\n` : formatPolicyReport(report));
  return report.findings.length > 0 ? 1 : 0;
}

function toJson(report: PolicyReport) {
  return { public: report.public, findings: report.findings, notices: report.notices };
}
