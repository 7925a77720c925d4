import { isSentinelError, messageOf } from '../../core/errors.js';
import { cloudFormationKeys } from '../../core/iac/cloudformation-keys.js';
import { judgeIacKey } from '../../core/iac/judge.js';
import { terraformPlanKeys } from '../../core/iac/terraform-plan.js';
import type {
  IacContext,
  IacFileError,
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
}

/**
 * Judges every key the given CloudFormation templates and Terraform plans declare, with check-policy's engine. A
 * file found in a folder that is neither is skipped; one that looks like a template but cannot be read is an error.
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
  for (const source of sources) {
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
    let found: IacKey[];
    try {
      found =
        kind === 'cloudformation'
          ? cloudFormationKeys(document, options.context)
          : terraformPlanKeys(source.file, document.root, options.context);
    } catch (error) {
      errors.push(fileError(source.file, error));
      continue;
    }
    for (const key of found) {
      for (const invalid of key.notices.filter((n) => n.code === 'invalid-policy')) {
        errors.push({ file: source.file, code: 'invalid-policy', message: invalid.message, line: invalid.line });
      }
      try {
        keys.push(judgeIacKey(key, options.trust));
      } catch (error) {
        errors.push({ ...fileError(source.file, error), message: `${key.resource}: ${messageOf(error)}` });
      }
    }
  }
  return { checked, skipped, keys, errors };
}

/** A file in a folder that fails to parse is reported only when it looks like a template or a plan. */
function looksLikeTemplate(text: string): boolean {
  return /AWSTemplateFormatVersion|AWS::KMS::|"format_version"\s*:|"planned_values"/.test(text);
}

function fileError(file: string, error: unknown): IacFileError {
  if (!isSentinelError(error)) return { file, code: 'internal', message: messageOf(error), line: undefined };
  return { file, code: error.code, message: error.message, line: error.position?.line };
}

/** The exit status a pipeline gates on: 2 for any file that could not be judged, else 1 for any finding, else 0. */
export function iacExitStatus(report: IacReport): 0 | 1 | 2 {
  if (report.errors.length > 0) return 2;
  return report.keys.some((k) => k.findings.length > 0) ? 1 : 0;
}
