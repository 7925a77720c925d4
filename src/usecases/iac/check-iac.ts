import { isSentinelError, messageOf, SentinelError } from '../../core/errors.js';
import { checkCloudFormation } from '../../core/iac/cloudformation-keys.js';
import { isRecord } from '../../core/iac/json-values.js';
import { judgeIacKey, keyJudged } from '../../core/iac/judge.js';
import { terraformPlanKeys } from '../../core/iac/terraform-plan.js';
import type {
  IacContext,
  IacFileError,
  IacFileNotice,
  IacKey,
  IacKeyReport,
  IacReport,
  TemplateDocument,
  TemplateKind,
} from '../../core/iac/types.js';
import type { TrustEntry } from '../../core/trust.js';

/** Reads a template's text into plain values with lines (CloudFormation's short tags in their long form). */
export interface TemplateReader {
  readTemplate(file: string, text: string): TemplateDocument;
  templateKind(root: unknown): TemplateKind | undefined;
}

export interface IacSource {
  readonly file: string;
  readonly text: string;
  /** Named on the command line (not found in a folder): a file that is no template is then an error, not skipped. */
  readonly named: boolean;
  /** Why the file could not be read (a file found in a folder): an error for it alone, the others still checked. */
  readonly unreadable?: { readonly code: string; readonly message: string } | undefined;
}

/**
 * Judges every key the given CloudFormation templates and Terraform plans declare, with check-policy's engine. A
 * file found in a folder that is neither is skipped; one that looks like a template but cannot be read is an error.
 * Throws a usage error for a `--parameter` no template checked declares (names are case-sensitive, as in
 * CloudFormation): a misspelt name would otherwise leave the Default in its place, unsaid.
 */
export function checkIac(
  sources: readonly IacSource[],
  options: { readonly trust: readonly TrustEntry[]; readonly context: IacContext },
  reader: TemplateReader,
): IacReport {
  const checked: { file: string; kind: TemplateKind }[] = [];
  const skipped: string[] = [];
  const keys: IacKeyReport[] = [];
  const errors: IacFileError[] = [];
  const notices: IacFileNotice[] = [];
  const read: { file: string; document: TemplateDocument; kind: TemplateKind }[] = [];
  for (const source of sources) {
    if (source.unreadable !== undefined) {
      errors.push({ file: source.file, ...source.unreadable, line: undefined });
      continue;
    }
    let document: TemplateDocument;
    try {
      document = reader.readTemplate(source.file, source.text);
    } catch (error) {
      if (!source.named && !looksLikeTemplate(source.text)) skipped.push(source.file);
      else errors.push(fileError(source.file, error));
      continue;
    }
    const kind = reader.templateKind(document.root);
    if (kind === undefined) {
      if (source.named) {
        errors.push({
          file: source.file,
          code: 'not-a-template',
          message: `${source.file} is neither a CloudFormation template (no "Resources") nor a Terraform plan (terraform show -json)`,
          line: undefined,
        });
      } else {
        skipped.push(source.file);
      }
      continue;
    }
    checked.push({ file: source.file, kind });
    read.push({ file: source.file, document, kind });
  }
  // A template that could not be read may declare the name: that file already fails the check.
  if (errors.length === 0) assertParametersDeclared(read, options.context);
  for (const { file, document, kind } of read) {
    let found: IacKey[];
    try {
      if (kind === 'cloudformation') {
        const template = checkCloudFormation(document, options.context);
        errors.push(...template.errors.map((e) => ({ file, ...e })));
        notices.push(...template.notices.map((n) => ({ file, ...n })));
        found = template.keys;
      } else {
        found = terraformPlanKeys(file, document.root, options.context);
      }
    } catch (error) {
      errors.push(fileError(file, error));
      continue;
    }
    for (const key of found) {
      for (const invalid of key.notices.filter((n) => n.code === 'invalid-policy')) {
        errors.push({ file, code: 'invalid-policy', message: invalid.message, line: invalid.line });
      }
      try {
        keys.push(judgeIacKey(key, options.trust));
      } catch (error) {
        errors.push({ ...fileError(file, error), message: `${key.resource}: ${messageOf(error)}` });
      }
    }
  }
  return { checked, skipped, keys, errors, notices };
}

function assertParametersDeclared(
  read: readonly { file: string; document: TemplateDocument; kind: TemplateKind }[],
  context: IacContext,
): void {
  const templates = read.filter((r) => r.kind === 'cloudformation');
  const declared = new Set(
    templates.flatMap((t) => (isRecord(t.document.root) ? Object.keys(recordOf(t.document.root.Parameters)) : [])),
  );
  const unknown = [...context.parameters.keys()].filter((name) => !declared.has(name));
  if (unknown.length === 0) return;
  const names = unknown.map((n) => JSON.stringify(n)).join(', ');
  const which = templates.length === 1 ? (templates[0]?.file ?? '') : 'the templates checked';
  const has =
    templates.length === 0
      ? 'no CloudFormation template was checked'
      : declared.size === 0
        ? `${which} declare${templates.length === 1 ? 's' : ''} no parameters`
        : `${which} declare${templates.length === 1 ? 's' : ''}: ${[...declared].sort().join(', ')}`;
  throw new SentinelError(
    'usage',
    `--parameter ${names}: no template checked declares ${unknown.length === 1 ? 'a parameter' : 'parameters'} of that name (names are case-sensitive); ${has}`,
  );
}

function recordOf(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

/** A file in a folder that fails to parse is reported only when it looks like a template or a plan. */
function looksLikeTemplate(text: string): boolean {
  return /AWSTemplateFormatVersion|AWS::KMS::|"format_version"\s*:|"planned_values"/.test(text);
}

function fileError(file: string, error: unknown): IacFileError {
  if (!isSentinelError(error)) return { file, code: 'internal', message: messageOf(error), line: undefined };
  return { file, code: error.code, message: error.message, line: error.position?.line };
}

/**
 * The exit status a pipeline gates on: 2 for any file that could not be judged, else 1 for any finding, else 0.
 * `strict`: 2 as well when a key, or anything in a key policy that may let a principal in, could not be judged.
 */
export function iacExitStatus(report: IacReport, strict = false): 0 | 1 | 2 {
  if (report.errors.length > 0) return 2;
  if (strict && unjudged(report) > 0) return 2;
  return report.keys.some((k) => k.findings.length > 0) ? 1 : 0;
}

/** How many keys and template notices say something that may let a principal in was not judged. */
export function unjudged(report: IacReport): number {
  const keys = report.keys.filter(({ key }) => !keyJudged(key) || key.notices.some((n) => n.unjudged));
  return keys.length + report.notices.filter((n) => n.unjudged).length;
}
