import { z } from 'zod';
import { parseTrustEntry, TRUST_ENTRY_FORMS } from '../core/trust.js';
import { KMS_OPERATIONS } from '../usecases/kms-operations.js';
import { cronProblem, isTimeZone } from './cron-syntax.js';

const quoted = (what: string) =>
  z.string({
    error: (issue) =>
      issue.input === undefined
        ? `${what} is required`
        : typeof issue.input === 'number'
          ? `${what} must be a quoted string in YAML (write "${String(issue.input).padStart(12, '0')}"): an unquoted number loses leading zeros`
          : `${what} must be a string`,
  });

const accountId = quoted('an account ID').regex(/^\d{12}$/, 'must be a 12-digit AWS account ID');
const roleArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
    'must be an IAM role ARN such as arn:aws:iam::111111111111:role/Name',
  );
/** An AWS region name: us-east-1, ap-southeast-2, us-gov-west-1, ... */
export const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const region = z.string().regex(REGION_NAME, 'must be an AWS region name such as us-east-1');
const positive = (max: number) => z.number().int().positive().max(max);
/** Slack channel IDs, as a channel's details show them (names change; IDs do not). */
const channelId = z
  .string()
  .regex(
    /^[CG][A-Z0-9]{2,}$/,
    "must be a Slack channel ID such as C0123ALERTS (in the channel's details), not its name",
  );

/** A cron expression node-cron runs (checked at start), `fallback` when absent. */
const cron = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .superRefine((expression, ctx) => {
      const problem = cronProblem(expression);
      if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
    });

/** IAM's rules for a role name and for sts:AssumeRole's external ID (also used to check the command line). */
export const roleNameSchema = z
  .string()
  .regex(/^[\w+=,.@-]{1,64}$/, 'must be an IAM role name (up to 64 of A-Z a-z 0-9 +=,.@_-)');
export const externalIdSchema = z
  .string()
  .regex(/^[\w+=,.@:/-]{2,1224}$/, 'must be 2 to 1224 of A-Z a-z 0-9 +=,.@:/_- (the form sts:AssumeRole accepts)');

export const configSchema = z
  .strictObject({
    accounts: z
      .array(
        z.strictObject({
          id: accountId,
          name: z.string().min(1).optional(),
          roleArn: roleArn.optional(),
          channel: channelId.optional(),
        }),
      )
      .min(1, "list at least one account, or leave accounts out to scan the credentials' own account")
      .optional(),
    roleName: roleNameSchema.default('KmsSentinelAudit'),
    externalId: externalIdSchema.optional(),
    organization: z
      .strictObject({ discover: z.boolean().default(false), trustMembers: z.boolean().default(false) })
      // prefault, not default: an absent section is parsed as {}, so that the fields' own defaults fill it.
      .prefault({}),
    regions: z
      .union([z.literal('all'), z.array(region).min(1)], { error: 'must be "all" or a list of region names' })
      .default('all'),
    trusted: z
      .array(quoted('a trust entry'))
      .default([])
      .superRefine((entries, ctx) => {
        entries.forEach((entry, index) => {
          try {
            parseTrustEntry(entry);
          } catch {
            ctx.addIssue({
              code: 'custom',
              path: [index],
              message: `${JSON.stringify(entry)} is not ${TRUST_ENTRY_FORMS}`,
            });
          }
        });
      }),
    schedule: cron('0 */6 * * *'),
    timezone: z
      .string()
      .default('UTC')
      .refine(isTimeZone, 'must be an IANA time zone such as UTC, Europe/Paris or America/New_York'),
    scanOnStart: z.boolean().default(false),
    slack: z
      .strictObject({
        channel: channelId.optional(),
        admins: z
          .array(
            z
              .string()
              .regex(
                /^[UWS][A-Z0-9]{2,}$/,
                'must be a Slack user ID (U…, W…) or user-group ID (S…), as shown in the profile or the group',
              ),
          )
          .default([]),
        digestThreshold: positive(1000).default(10),
      })
      .prefault({}),
    summary: z
      .strictObject({
        schedule: cron('0 9 * * MON'),
        channel: channelId.optional(),
      })
      .optional(),
    remediation: z
      .strictObject({
        enabled: z.boolean().default(false),
        iacTags: z.array(z.string().min(1).max(128)).default([]),
      })
      .prefault({}),
    events: z
      .strictObject({
        queueUrl: z
          .string({ error: 'missing: give the URL of the SQS queue the KMS events arrive on' })
          .regex(
            /^https?:\/\/[^\s/]+\/\d{12}\/[\w-]{1,80}$/,
            'must be an SQS queue URL such as https://sqs.us-east-1.amazonaws.com/111111111111/kms-sentinel-events',
          ),
        coalesceSeconds: z.number().min(0).max(60).default(3),
        maxKeysPerBurst: positive(10_000).default(200),
      })
      .optional(),
    securityHub: z
      .strictObject({
        enabled: z.boolean().default(false),
        /** The hub's region (with cross-Region aggregation, the aggregation Region); default the SDK's own. */
        region: region.optional(),
      })
      .prefault({}),
    database: z
      .string()
      .min(1)
      .refine((path) => path !== ':memory:', 'must name a file (":memory:" would keep nothing)')
      .default('./data/kms-sentinel.db'),
    scan: z
      .strictObject({
        regionConcurrency: positive(256).default(32),
        keyConcurrency: positive(256).default(8),
        maxAttempts: positive(30).default(10),
        requestTimeoutSeconds: z.number().positive().max(300).default(15),
        regionTimeoutSeconds: z.number().positive().max(86_400).default(1800),
        rateLimits: z.partialRecord(z.enum(KMS_OPERATIONS), z.number().positive().max(100_000)).default({}),
        rateHeadroom: z.number().gt(0).max(1).default(0.9),
      })
      .prefault({}),
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.accounts?.forEach((account, index) => {
      if (seen.has(account.id))
        ctx.addIssue({
          code: 'custom',
          path: ['accounts', index, 'id'],
          message: `account ${account.id} is listed twice`,
        });
      seen.add(account.id);
      const roleAccount = account.roleArn?.split(':')[4];
      if (roleAccount !== undefined && roleAccount !== account.id) {
        ctx.addIssue({
          code: 'custom',
          path: ['accounts', index, 'roleArn'],
          message: `the role is in account ${roleAccount}, not ${account.id}`,
        });
      }
    });
  });

export type Config = z.infer<typeof configSchema>;
