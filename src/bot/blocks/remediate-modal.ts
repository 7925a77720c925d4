import type { RemediationPlan } from '../../core/remediation/plan.js';
import { planLines } from '../../core/remediation/render.js';
import { VIEWS } from '../../usecases/slack-surface.js';
import { type Block, LIMITS, type ModalView, plainText, section } from './kit.js';
import { code, outside, preformattedText, truncate } from './mrkdwn.js';

/** Where the modal came from: the alert (its findings are read again at every step). */
export interface RemediateMetadata {
  readonly channel: string;
  readonly ts: string;
  readonly keyArn: string;
  /** The digest of the plan the modal shows: Apply applies that plan or nothing. */
  readonly plan?: string;
}

export const FORCE_BLOCK = { block: 'remediate_force', action: 'force' } as const;

const view = (metadata: RemediateMetadata, blocks: readonly Block[], submit?: string): ModalView => ({
  type: 'modal',
  callback_id: VIEWS.remediate,
  private_metadata: JSON.stringify(metadata).slice(0, LIMITS.privateMetadata),
  title: plainText('Remediate'),
  ...(submit === undefined ? {} : { submit: plainText(submit) }),
  close: plainText(submit === undefined ? 'Close' : 'Cancel'),
  blocks: blocks.slice(0, LIMITS.blocksPerView),
});

/** Lines in a preformatted block: a line break inside one (in a Sid, say) is shown as `\n`, never a line of its own. */
const preformatted = (lines: readonly string[]) =>
  section(`\`\`\`${truncate(preformattedText(lines), LIMITS.sectionText - 10)}\`\`\``);

export function checkingView(metadata: RemediateMetadata): ModalView {
  return view(metadata, [
    section(`:hourglass_flowing_sand: Reading ${code(metadata.keyArn)} as it is now, and planning…`),
  ]);
}

/** What Apply would do: the plan as a diff, the API calls, and what stands in its way. */
export function planView(
  metadata: RemediateMetadata,
  plan: RemediationPlan,
  live: { drift: boolean; managedBy: string | undefined } | { error: string },
): ModalView {
  const blocks: Block[] = [preformatted(planLines(plan))];
  if ('error' in live) {
    blocks.push(
      section(`:x: The key cannot be read now (${truncate(outside(live.error), 2000)}): nothing can be applied.`),
    );
    return view(metadata, blocks);
  }
  if (live.drift) {
    blocks.push(
      section(
        ':x: *The key policy changed since the last scan.* Nothing will be written over it: scan the key again, then plan again.',
      ),
    );
    return view(metadata, blocks);
  }
  if (!plan.ok) {
    blocks.push(section(':no_entry: *This plan is refused*: nothing will be changed.'));
    return view(metadata, blocks);
  }
  // The document's own layout: JSON keeps every line break inside a string escaped.
  if (plan.after !== null) {
    blocks.push(section('The policy as it will be written:'), preformatted(plan.after.split('\n')));
  }
  if (live.managedBy !== undefined) {
    blocks.push(
      section(
        `:warning: The key is managed as code (tag ${code(live.managedBy)}): its next deployment will put the exposure back. Put the corrected policy above into the template too.`,
      ),
      {
        type: 'input',
        block_id: FORCE_BLOCK.block,
        label: plainText('Apply anyway'),
        optional: true,
        element: {
          type: 'checkboxes',
          action_id: FORCE_BLOCK.action,
          options: [{ text: plainText('Apply to AWS even though the template would undo it'), value: 'force' }],
        },
      },
    );
  }
  blocks.push(section("The policy as read is backed up first; the remediation can be undone from the alert's thread."));
  return view(metadata, blocks, 'Apply');
}

export function applyingView(metadata: RemediateMetadata): ModalView {
  return view(metadata, [section(':hourglass_flowing_sand: Applying…')]);
}

export function resultView(metadata: RemediateMetadata, message: string, ok: boolean): ModalView {
  return view(metadata, [
    section(`${ok ? ':white_check_mark:' : ':x:'} ${truncate(outside(message), LIMITS.sectionText - 20)}`),
  ]);
}
