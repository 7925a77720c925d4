import { type Block, context, LIMITS, section } from './kit.js';
import { truncate } from './mrkdwn.js';

/** Lines under a heading (a heading alone is never shown: it comes with its first line). */
export interface LineGroup {
  readonly heading?: string;
  readonly lines: readonly string[];
}

/** Room a section keeps below Slack's 3,000 characters. */
const SECTION_ROOM = LIMITS.sectionText - 20;

/**
 * Packs groups of lines into sections within Block Kit's limits: at most `maxBlocks` sections of at most 3,000
 * characters. What does not fit is left out and counted: `left` says how many lines, for a "+N more" line.
 */
export function lineSections(groups: readonly LineGroup[], maxBlocks: number): { blocks: Block[]; left: number } {
  const blocks: Block[] = [];
  let chunk = '';
  let left = 0;
  let full = false;
  const push = (line: string): boolean => {
    if (chunk !== '' && chunk.length + line.length + 1 > SECTION_ROOM) {
      if (blocks.length + 1 >= maxBlocks) return false;
      blocks.push(section(chunk));
      chunk = '';
    }
    chunk = chunk === '' ? line : `${chunk}\n${line}`;
    return true;
  };
  for (const group of groups) {
    group.lines.forEach((whole, i) => {
      // One line longer than a section (a principal pattern thousands of characters long) is cut, never sent whole.
      const line = truncate(whole, SECTION_ROOM - (group.heading?.length ?? 0) - 1);
      const text = i === 0 && group.heading !== undefined ? `${group.heading}\n${line}` : line;
      if (full || !push(text)) {
        full = true;
        left++;
      }
    });
  }
  if (chunk !== '') blocks.push(section(chunk));
  return { blocks, left };
}

/** The "+N more" line, naming the CLI command that lists everything. */
export function moreLine(left: number, command: string, code: (text: string) => string): Block {
  return context(`+${left} more — ${code(command)} lists them all`);
}
