/**
 * Builders for Slack's Block Kit, and its limits (docs.slack.dev/reference/block-kit); the shapes are the Slack
 * port's (usecases/slack-kit.ts).
 */
import type { Block, Mrkdwn, PlainText } from '../../usecases/slack-kit.js';

export type {
  Block,
  Confirm,
  Element,
  HomeView,
  InputElement,
  Message,
  ModalView,
  Mrkdwn,
  Option,
  PlainText,
  TextObject,
} from '../../usecases/slack-kit.js';

export const LIMITS = {
  blocksPerMessage: 50,
  blocksPerView: 100,
  sectionText: 3000,
  headerText: 150,
  buttonText: 75,
  overflowOptions: 5,
  selectOptions: 100,
  optionText: 75,
  confirmText: 300,
  confirmTitle: 100,
  fallbackText: 3000,
  privateMetadata: 3000,
} as const;

export const plainText = (text: string): PlainText => ({ type: 'plain_text', text, emoji: true });
export const mrkdwn = (text: string): Mrkdwn => ({ type: 'mrkdwn', text, verbatim: true });
export const section = (text: string, block_id?: string): Block => ({
  type: 'section',
  ...(block_id === undefined ? {} : { block_id }),
  text: mrkdwn(text),
});
export const context = (...texts: string[]): Block => ({ type: 'context', elements: texts.map(mrkdwn) });
