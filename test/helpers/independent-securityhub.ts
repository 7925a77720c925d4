/**
 * A minimal AWS Security Hub for tests, written from AWS's own API reference of Security Hub (REST-JSON protocol),
 * independently of the project's sandbox (src/sandbox: none of its code read or imported), so that the push is shown
 * to work against a Security Hub whose assumptions are not the project's. Strict where AWS is:
 * - Requests: POST with Content-Type application/json, a SigV4 Authorization for the `securityhub` service (its shape
 *   checked, not its signature); BatchImportFindings is POST /findings/import, GetFindings POST /findings; anything
 *   else is 404. .../APIReference/API_BatchImportFindings.html, .../APIReference/API_GetFindings.html
 * - Errors: InvalidInputException 400, InvalidAccessException 401, LimitExceededException 429, InternalException 500,
 *   the type in the X-Amzn-ErrorType header and {"Code", "Message"} in the body. .../APIReference/CommonErrors.html
 * - BatchImportFindings: 1 to 100 findings; each must carry the required attributes of AwsSecurityFinding
 *   (AwsAccountId of 12 digits, CreatedAt, Description of at most 1,024 characters, GeneratorId, Id, ProductArn,
 *   Resources with a Type and an Id, SchemaVersion, Severity, Title of at most 256, Types, UpdatedAt); a finding that
 *   does not, or that names another account than the caller's (the default product ARN is the caller's own), is
 *   returned in FailedFindings with an ErrorCode and ErrorMessage, the others are taken.
 *   .../APIReference/API_AwsSecurityFinding.html, .../userguide/asff-required-attributes.html
 * - A finding is identified by ProductArn and Id: an import of one that exists updates it only if its UpdatedAt is
 *   later; Note, UserDefinedFields, VerificationState and Workflow cannot be changed by an import once it exists.
 *   .../userguide/finding-update-batchimportfindings.html
 * - Workflow.Status: NEW when the provider gives none; Security Hub resets it to NEW from NOTIFIED or RESOLVED (not
 *   from SUPPRESSED) when the RecordState changes from ARCHIVED to ACTIVE. .../APIReference/API_Workflow.html
 * - BatchUpdateFindings (PATCH /findings/batchupdate), what the customer's people and automation use: 1 to 100
 *   FindingIdentifiers (Id, ProductArn); sets Workflow.Status, leaves UpdatedAt as it is; an unknown finding goes in
 *   UnprocessedFindings as FindingNotFound. .../APIReference/API_BatchUpdateFindings.html
 * - GetFindings: MaxResults 1 to 100 (default 100), NextToken to page; Filters by Id, ProductArn, RecordState,
 *   AwsAccountId and WorkflowStatus with EQUALS (values for one attribute joined by OR) or NOT_EQUALS (joined by
 *   AND). .../APIReference/API_AwsSecurityFindingFilters.html, .../APIReference/API_StringFilter.html
 * (... = https://docs.aws.amazon.com/securityhub/1.0 for the API reference, /securityhub/latest for the user guide)
 */
import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HubCall {
  readonly operation: 'BatchImportFindings' | 'GetFindings' | 'BatchUpdateFindings';
  readonly body: Record<string, unknown>;
  readonly status: number;
  readonly answer: Record<string, unknown>;
}

export interface IndependentSecurityHub {
  readonly endpoint: string;
  /** Every finding held, in the order they were created. */
  findings(): Record<string, unknown>[];
  /** Every request answered, in order. */
  readonly calls: readonly HubCall[];
  /** The next `times` imports of the finding with this Id go in FailedFindings with this code. */
  refuse(id: string, code: string, times: number): void;
  /** Resolves once `done()` holds, checked now and after each answer. */
  until(done: () => boolean): Promise<void>;
  stop(): Promise<void>;
}

const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=[^/\s]+\/\d{8}\/([a-z0-9-]+)\/securityhub\/aws4_request, ?SignedHeaders=[a-z0-9;-]+, ?Signature=[0-9a-f]{64}$/;
const MUST_HAVE = [
  'AwsAccountId',
  'CreatedAt',
  'Description',
  'GeneratorId',
  'Id',
  'ProductArn',
  'Resources',
  'SchemaVersion',
  'Severity',
  'Title',
  'Types',
  'UpdatedAt',
];
const FIXED_AFTER_CREATION = ['Note', 'UserDefinedFields', 'VerificationState', 'Workflow'];
const WORKFLOWS = ['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED'];
const FILTERABLE = ['Id', 'ProductArn', 'RecordState', 'AwsAccountId', 'WorkflowStatus'];
const OPERATIONS: Record<string, HubCall['operation']> = {
  'POST /findings/import': 'BatchImportFindings',
  'POST /findings': 'GetFindings',
  'PATCH /findings/batchupdate': 'BatchUpdateFindings',
};

const statusOf = (f: Record<string, unknown>) => (f.Workflow as { Status?: string } | undefined)?.Status;

class HubError extends Error {
  readonly type: string;
  readonly status: number;

  constructor(type: string, status: number, message: string) {
    super(message);
    this.type = type;
    this.status = status;
  }
}
const badInput = (message: string) => new HubError('InvalidInputException', 400, message);

/** Why a finding cannot be taken (undefined: it can). */
function refusal(f: Record<string, unknown>, account: string, region: string): string | undefined {
  const missing = MUST_HAVE.filter((name) => f[name] === undefined || f[name] === '');
  if (missing.length > 0) return `Finding is missing required attributes: ${missing.join(', ')}`;
  if (!/^\d{12}$/.test(String(f.AwsAccountId))) return 'AwsAccountId must be 12 digits';
  if (String(f.Title).length > 256) return 'Title exceeds 256 characters';
  if (String(f.Description).length > 1024) return 'Description exceeds 1024 characters';
  for (const time of ['CreatedAt', 'UpdatedAt']) {
    if (Number.isNaN(Date.parse(String(f[time])))) return `${time} is not a valid timestamp`;
  }
  const resources = f.Resources as { Type?: unknown; Id?: unknown }[];
  if (!Array.isArray(resources) || resources.length === 0 || resources.some((r) => !r.Type || !r.Id)) {
    return 'Resources needs at least one resource with Type and Id';
  }
  const label = (f.Severity as { Label?: string }).Label;
  if (label !== undefined && !['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'].includes(label)) {
    return `Severity.Label ${label} is not valid`;
  }
  if (!Array.isArray(f.Types) || f.Types.length === 0) return 'Types needs at least one type';
  if (
    f.AwsAccountId !== account ||
    f.ProductArn !== `arn:aws:securityhub:${region}:${account}:product/${account}/default`
  ) {
    return `the caller's account ${account} can import findings only for itself, through its default product`;
  }
  return undefined;
}

/** A Security Hub whose credentials all belong to `account`. */
export async function startIndependentSecurityHub(account: string): Promise<IndependentSecurityHub> {
  const held = new Map<string, Record<string, unknown>>();
  const calls: HubCall[] = [];
  const refusals: { id: string; code: string }[] = [];
  const answered = new EventEmitter();

  const importFindings = (body: Record<string, unknown>, region: string) => {
    const list = body.Findings;
    if (!Array.isArray(list) || list.length < 1 || list.length > 100)
      throw badInput('Findings must hold 1 to 100 findings');
    const failed: { Id: string; ErrorCode: string; ErrorMessage: string }[] = [];
    for (const finding of list as Record<string, unknown>[]) {
      const id = String(finding.Id ?? '');
      const refused = refusals.findIndex((r) => r.id === id);
      if (refused >= 0) {
        const [r] = refusals.splice(refused, 1);
        failed.push({ Id: id, ErrorCode: r?.code ?? '', ErrorMessage: 'refused by the test' });
        continue;
      }
      const why = refusal(finding, account, region);
      if (why !== undefined) {
        failed.push({ Id: id, ErrorCode: 'InvalidInput', ErrorMessage: why });
        continue;
      }
      const key = `${String(finding.ProductArn)} ${id}`;
      const before = held.get(key);
      if (before === undefined) {
        held.set(key, {
          ...finding,
          Workflow: finding.Workflow ?? { Status: 'NEW' },
          RecordState: finding.RecordState ?? 'ACTIVE',
        });
      } else if (Date.parse(String(finding.UpdatedAt)) > Date.parse(String(before.UpdatedAt))) {
        const update: Record<string, unknown> = { ...finding, RecordState: finding.RecordState ?? before.RecordState };
        for (const name of FIXED_AFTER_CREATION) delete update[name];
        const reactivated = before.RecordState === 'ARCHIVED' && update.RecordState === 'ACTIVE';
        const reset = reactivated && ['NOTIFIED', 'RESOLVED'].includes(String(statusOf(before)));
        held.set(key, { ...before, ...update, ...(reset ? { Workflow: { Status: 'NEW' } } : {}) });
      }
    }
    return { FailedCount: failed.length, SuccessCount: list.length - failed.length, FailedFindings: failed };
  };

  const getFindings = (body: Record<string, unknown>) => {
    const max = body.MaxResults === undefined ? 100 : Number(body.MaxResults);
    if (!Number.isInteger(max) || max < 1 || max > 100) throw badInput('MaxResults must be 1 to 100');
    const filters = (body.Filters ?? {}) as Record<string, { Value: string; Comparison: string }[]>;
    for (const [name, tests] of Object.entries(filters)) {
      if (!FILTERABLE.includes(name) || tests.some((t) => !['EQUALS', 'NOT_EQUALS'].includes(t.Comparison))) {
        throw badInput(`this stand-in filters only ${FILTERABLE.join(', ')} with EQUALS or NOT_EQUALS`);
      }
    }
    const all = [...held.values()].filter((f) =>
      Object.entries(filters).every(([name, tests]) => {
        const value = name === 'WorkflowStatus' ? statusOf(f) : f[name];
        const equals = tests.filter((t) => t.Comparison === 'EQUALS');
        const notEquals = tests.filter((t) => t.Comparison === 'NOT_EQUALS');
        return (
          (equals.length === 0 || equals.some((t) => value === t.Value)) && notEquals.every((t) => value !== t.Value)
        );
      }),
    );
    const from = body.NextToken === undefined ? 0 : Number.parseInt(String(body.NextToken), 36);
    const next = from + max;
    return { Findings: all.slice(from, next), ...(next < all.length ? { NextToken: next.toString(36) } : {}) };
  };

  const updateFindings = (body: Record<string, unknown>) => {
    const ids = body.FindingIdentifiers as { Id?: string; ProductArn?: string }[] | undefined;
    if (!Array.isArray(ids) || ids.length < 1 || ids.length > 100) {
      throw badInput('FindingIdentifiers must hold 1 to 100 identifiers');
    }
    const status = (body.Workflow as { Status?: string } | undefined)?.Status;
    if (status !== undefined && !WORKFLOWS.includes(status)) throw badInput(`Workflow.Status ${status} is not valid`);
    const processed: { Id: string; ProductArn: string }[] = [];
    const unprocessed: Record<string, unknown>[] = [];
    for (const { Id = '', ProductArn = '' } of ids) {
      const finding = held.get(`${ProductArn} ${Id}`);
      if (finding === undefined) {
        unprocessed.push({
          FindingIdentifier: { Id, ProductArn },
          ErrorCode: 'FindingNotFound',
          ErrorMessage: 'no such finding',
        });
        continue;
      }
      if (status !== undefined) finding.Workflow = { Status: status };
      processed.push({ Id, ProductArn });
    }
    return { ProcessedFindings: processed, UnprocessedFindings: unprocessed };
  };

  const answer = (res: ServerResponse, status: number, body: Record<string, unknown>, type?: string) => {
    res.writeHead(status, {
      'content-type': 'application/json',
      ...(type === undefined ? {} : { 'x-amzn-errortype': type }),
    });
    res.end(JSON.stringify(body));
    answered.emit('answer');
  };

  const handle = (req: IncomingMessage, text: string, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = `${req.method} ${path}`;
    const operation = Object.hasOwn(OPERATIONS, route) ? OPERATIONS[route] : undefined;
    let body: Record<string, unknown> = {};
    try {
      if (operation === undefined) throw new HubError('ResourceNotFoundException', 404, `no ${route}`);
      const scope = SIGV4.exec(String(req.headers.authorization ?? ''));
      if (scope === null)
        throw new HubError('InvalidAccessException', 401, 'the request is not signed for securityhub');
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
        throw badInput('Content-Type must be application/json');
      }
      body = JSON.parse(text || '{}') as Record<string, unknown>;
      const out =
        operation === 'BatchImportFindings'
          ? importFindings(body, scope[1] as string)
          : operation === 'GetFindings'
            ? getFindings(body)
            : updateFindings(body);
      calls.push({ operation, body, status: 200, answer: out });
      answer(res, 200, out);
    } catch (error) {
      const e = error instanceof HubError ? error : badInput(String(error));
      const out = { Code: e.type, Message: e.message };
      if (operation !== undefined) calls.push({ operation, body, status: e.status, answer: out });
      answer(res, e.status, out, e.type);
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    findings: () => [...held.values()].map((f) => structuredClone(f)),
    calls,
    refuse(id, code, times) {
      for (let i = 0; i < times; i++) refusals.push({ id, code });
    },
    async until(done) {
      while (!done()) await once(answered, 'answer');
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
