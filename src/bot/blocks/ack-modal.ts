import { VIEWS } from '../../usecases/slack-surface.js';
import { LIMITS, type ModalView, type Option, plainText, section } from './kit.js';
import { code, truncate } from './mrkdwn.js';

/** What the modal carries to its submission: where the alert is. Only a pointer: findings are read again then. */
export interface AckMetadata {
  readonly channel: string;
  readonly ts: string;
  /** A digest of the open findings and their severities the form was opened for: it acknowledges those or none. */
  readonly shown?: string;
}

export const ACK_BLOCKS = {
  reason: { block: 'ack_reason', action: 'reason' },
  period: { block: 'ack_period', action: 'period' },
  date: { block: 'ack_date', action: 'date' },
} as const;

export const PERIODS: readonly Option[] = [
  { text: plainText('Until it is resolved'), value: 'resolved' },
  { text: plainText('7 days'), value: '7' },
  { text: plainText('30 days'), value: '30' },
  { text: plainText('90 days'), value: '90' },
  { text: plainText('Until the date below'), value: 'date' },
];

/** Acknowledge: a reason (required) and for how long. */
export function ackModal(keyLabel: string, openFindings: number, metadata: AckMetadata): ModalView {
  return {
    type: 'modal',
    callback_id: VIEWS.acknowledge,
    private_metadata: JSON.stringify(metadata).slice(0, LIMITS.privateMetadata),
    title: plainText('Acknowledge'),
    submit: plainText('Acknowledge'),
    close: plainText('Cancel'),
    blocks: [
      section(
        `Acknowledge the ${openFindings} open finding${openFindings === 1 ? '' : 's'} of ${code(truncate(keyLabel, 200))}: ` +
          'they stay on record but are not alerted again until the period ends or they get worse.',
      ),
      {
        type: 'input',
        block_id: ACK_BLOCKS.reason.block,
        label: plainText('Why is this access accepted?'),
        element: {
          type: 'plain_text_input',
          action_id: ACK_BLOCKS.reason.action,
          multiline: true,
          min_length: 3,
          max_length: 1000,
        },
      },
      {
        type: 'input',
        block_id: ACK_BLOCKS.period.block,
        label: plainText('For how long'),
        element: {
          type: 'static_select',
          action_id: ACK_BLOCKS.period.action,
          options: PERIODS,
          initial_option: PERIODS[2] as Option,
        },
      },
      {
        type: 'input',
        block_id: ACK_BLOCKS.date.block,
        label: plainText('Until (with "Until the date below")'),
        optional: true,
        element: { type: 'datepicker', action_id: ACK_BLOCKS.date.action },
      },
    ],
  };
}
