import { AwsFault } from './fault.js';
import type { Caller } from './identity.js';
import type { Reply } from './reply.js';
import { findingProblem } from './security-hub-check.js';

/**
 * Security Hub as `@aws-sdk/client-securityhub` speaks it (REST-JSON): BatchImportFindings (POST /findings/import)
 * and GetFindings (POST /findings), in each account and region, as AWS documents them: a finding is identified by its
 * ProductArn and Id; an import whose UpdatedAt is not later than the finding's is ignored; after a finding is created
 * an import cannot change its Workflow, and Security Hub sets the workflow back to NEW only from NOTIFIED or RESOLVED
 * when an archived finding becomes active (SUPPRESSED stays); a caller imports only findings of its own account,
 * through its own account's default product. GetFindings filters with EQUALS (values of one attribute joined by OR)
 * and NOT_EQUALS (joined by AND).
 */
const CONTENT_TYPE = 'application/json';
const MAX_IMPORT = 100;

type Finding = Record<string, unknown> & { Id: string; ProductArn: string; UpdatedAt: string };

export class SecurityHubService {
  /** `account|region` -> findings by `ProductArn|Id`, in the order they were created. */
  readonly #hubs = new Map<string, Map<string, Finding>>();
  /** Accounts where Security Hub is not enabled: every import fails with InvalidAccess. */
  readonly #disabled = new Set<string>();
  readonly #failures: { code: string; message: string; id: string | undefined }[] = [];

  /** The next `times` findings imported (with `id`: that finding's next `times` imports) fail with this error code. */
  failNext(code: string, message: string, times: number, id?: string): void {
    for (let i = 0; i < times; i++) this.#failures.push({ code, message, id });
  }

  disable(account: string): void {
    this.#disabled.add(account);
  }

  /** Every finding a hub holds, as GetFindings would give them (copies). */
  findings(account: string, region: string): Finding[] {
    return [...(this.#hubs.get(`${account}|${region}`)?.values() ?? [])].map((f) => structuredClone(f));
  }

  handle(path: string, input: Record<string, unknown>, caller: Caller, now: number): Record<string, unknown> {
    if (path === '/findings/import') return this.#import(input, caller, now);
    if (path === '/findings') return this.#get(input, caller);
    throw new AwsFault('ResourceNotFoundException', `No operation at POST ${path}`, 404);
  }

  #import(input: Record<string, unknown>, caller: Caller, now: number): Record<string, unknown> {
    const findings = input.Findings;
    if (!Array.isArray(findings) || findings.length === 0 || findings.length > MAX_IMPORT) {
      throw new AwsFault('InvalidInputException', `Findings must have 1 to ${MAX_IMPORT} items`, 400);
    }
    const account = caller.principal.account;
    const product = `arn:aws:securityhub:${caller.region}:${account}:product/${account}/default`;
    const hub = this.#hubs.get(`${account}|${caller.region}`) ?? new Map<string, Finding>();
    this.#hubs.set(`${account}|${caller.region}`, hub);
    const failed: { Id: string; ErrorCode: string; ErrorMessage: string }[] = [];
    for (const given of findings as Record<string, unknown>[]) {
      const id = typeof given?.Id === 'string' ? given.Id : '';
      const refuse = (code: string, message: string) => failed.push({ Id: id, ErrorCode: code, ErrorMessage: message });
      if (this.#disabled.has(account)) {
        refuse('InvalidAccess', `Account ${account} is not subscribed to AWS Security Hub`);
        continue;
      }
      const at = this.#failures.findIndex((f) => f.id === undefined || f.id === id);
      const injected = at < 0 ? undefined : this.#failures.splice(at, 1)[0];
      if (injected !== undefined) {
        refuse(injected.code, injected.message);
        continue;
      }
      const problem = findingProblem(given);
      if (problem !== undefined) {
        refuse('InvalidInput', problem);
        continue;
      }
      if (given.AwsAccountId !== account || given.ProductArn !== product) {
        refuse('AccessDeniedException', `Account ${account} may import only its own findings, through ${product}`);
        continue;
      }
      const finding = given as Finding;
      const key = `${finding.ProductArn}|${finding.Id}`;
      const held = hub.get(key);
      if (held !== undefined && Date.parse(finding.UpdatedAt) <= Date.parse(held.UpdatedAt)) continue;
      hub.set(key, stored(finding, held, caller.region, now));
    }
    return { FailedCount: failed.length, SuccessCount: findings.length - failed.length, FailedFindings: failed };
  }

  #get(input: Record<string, unknown>, caller: Caller): Record<string, unknown> {
    const max = input.MaxResults === undefined ? 100 : Number(input.MaxResults);
    if (!Number.isInteger(max) || max < 1 || max > 100) {
      throw new AwsFault('InvalidInputException', 'MaxResults must be from 1 to 100', 400);
    }
    const filters = (input.Filters ?? {}) as Record<string, { Value?: string; Comparison?: string }[]>;
    for (const [name, conditions] of Object.entries(filters)) {
      if (conditions.some((c) => c.Comparison !== 'EQUALS' && c.Comparison !== 'NOT_EQUALS')) {
        throw new AwsFault('InvalidInputException', `this stand-in filters ${name} with EQUALS or NOT_EQUALS`, 400);
      }
    }
    const matches = (f: Finding) =>
      Object.entries(filters).every(([name, conditions]) => {
        const value = name === 'WorkflowStatus' ? (f.Workflow as { Status?: string })?.Status : f[name];
        const equals = conditions.filter((c) => c.Comparison === 'EQUALS');
        return (
          (equals.length === 0 || equals.some((c) => value === c.Value)) &&
          conditions.every((c) => c.Comparison === 'EQUALS' || value !== c.Value)
        );
      });
    const all = this.findings(caller.principal.account, caller.region).filter(matches);
    const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
    if (!Number.isInteger(start) || start < 0)
      throw new AwsFault('InvalidInputException', 'NextToken is not valid', 400);
    const page = all.slice(start, start + max);
    return { Findings: page, ...(start + max < all.length ? { NextToken: String(start + max) } : {}) };
  }
}

/**
 * The finding as Security Hub keeps it: what the provider sent, but the workflow its customers own (the provider's
 * only when it is created); an archived finding made active again goes back to NEW from NOTIFIED or RESOLVED only.
 */
function stored(finding: Finding, held: Finding | undefined, region: string, now: number): Finding {
  const sent = (finding.Workflow as { Status?: string } | undefined)?.Status ?? 'NEW';
  const before = (held?.Workflow as { Status?: string } | undefined)?.Status;
  const reactivated = held?.RecordState === 'ARCHIVED' && (finding.RecordState ?? 'ACTIVE') === 'ACTIVE';
  const status =
    before === undefined ? sent : reactivated && (before === 'NOTIFIED' || before === 'RESOLVED') ? 'NEW' : before;
  return {
    ...structuredClone(finding),
    Region: region,
    CompanyName: 'Personal',
    ProductName: 'Default',
    RecordState: finding.RecordState ?? 'ACTIVE',
    Workflow: { Status: status },
    WorkflowState: status,
    ProcessedAt: new Date(now).toISOString(),
  };
}

export function securityHubReply(output: Record<string, unknown>): Reply {
  return { status: 200, contentType: CONTENT_TYPE, body: JSON.stringify(output) };
}

/** REST-JSON errors: the code in `x-amzn-errortype`, and in the body with the message. */
export function securityHubFault(fault: AwsFault): Reply {
  return {
    status: fault.status,
    contentType: CONTENT_TYPE,
    headers: { 'x-amzn-errortype': fault.code },
    body: JSON.stringify({ Code: fault.code, Message: fault.message }),
  };
}
