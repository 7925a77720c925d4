/**
 * Draws docs/alert.svg: the alert the bot posts for the rule page's example key policy, built by the bot's own
 * alertMessage and laid out as Slack shows its blocks (header, fields, sections, context, buttons). Drawn by hand so
 * the picture needs no browser: `npm run docs:alert` writes it, and test/docs checks it is up to date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { alertMessage } from '../src/bot/blocks/alert.js';
import type { Block, Element, TextObject } from '../src/bot/blocks/kit.js';
import { fingerprintOf } from '../src/core/findings/fingerprint.js';
import { judgeKey } from '../src/core/scan/evaluate-key.js';
import type { StoredFinding } from '../src/usecases/store-port.js';

export const ALERT_SVG = fileURLToPath(new URL('../docs/alert.svg', import.meta.url));
const POLICY = fileURLToPath(new URL('../test/fixtures/policies/rule-page-example.json', import.meta.url));

/** The key of the rule page's example, shared with 123412341234, as a scan of account 123456789012 records it. */
export function sampleAlert() {
  const key = {
    accountId: '123456789012',
    region: 'us-east-1',
    keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
    keyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    aliases: ['alias/payments'],
    keyState: 'Enabled',
    multiRegion: false,
    multiRegionKeyType: null,
    policy: readFileSync(POLICY, 'utf8'),
    grants: [],
  };
  const judged = judgeKey(key, []);
  if (!judged.ok) throw new Error(judged.message);
  const findings: StoredFinding[] = judged.findings.map((f) => ({
    ...f,
    fingerprint: fingerprintOf(f),
    status: 'open',
    firstSeen: '2026-11-02T09:00:00.000Z',
    lastSeen: '2026-11-02T09:00:00.000Z',
    timesSeen: 1,
    ackBy: null,
    ackReason: null,
    ackUntil: null,
    resolvedAt: null,
    resolvedCause: null,
  }));
  return alertMessage({
    key: { ...key, accountName: 'prod' },
    findings,
    roleName: 'KmsSentinelAudit',
    remediation: true,
  });
}

const WIDTH = 760;
const LEFT = 72;
const RIGHT = WIDTH - 24;
/** Slack's emoji, drawn as a glyph and colour any font has. */
const EMOJI: Readonly<Record<string, readonly [string, string]>> = {
  red_circle: ['●', '#e01e5a'],
  large_orange_circle: ['●', '#f28c28'],
  large_yellow_circle: ['●', '#ecb22e'],
  white_circle: ['○', '#616061'],
  no_entry: ['⊘', '#e01e5a'],
  white_check_mark: ['✓', '#007a5a'],
  heavy_check_mark: ['✓', '#007a5a'],
};

interface Run {
  readonly text: string;
  readonly style: 'plain' | 'bold' | 'code' | 'muted';
  readonly color?: string;
}

/** What Slack shows for a mrkdwn text: date tokens as their fallback, entities decoded. */
function shown(text: string): string {
  return text
    .replace(/<!date\^\d+\^[^|]*\|([^>]*)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** One line of mrkdwn as runs of plain, *bold* and `code` words. */
function runs(line: string, base: Run['style']): Run[] {
  const out: Run[] = [];
  for (const part of shown(line).split(/(`[^`]*`|\*[^*\s][^*]*\*|:[a-z_]+:)/)) {
    if (part === '') continue;
    const emoji = /^:([a-z_]+):$/.exec(part)?.[1];
    const glyph = emoji === undefined ? undefined : EMOJI[emoji];
    if (glyph !== undefined) {
      out.push({ text: glyph[0], style: 'bold', color: glyph[1] });
      continue;
    }
    const style = part.startsWith('`') ? 'code' : part.startsWith('*') && part.length > 1 ? 'bold' : base;
    const text = style === base ? part : part.slice(1, -1);
    for (const word of text.split(/(?<= )/)) if (word !== '') out.push({ text: word, style });
  }
  return out;
}

/** A rough width, enough to wrap: code is monospace, prose about 0.55 em a character. */
function widthOf(run: Run, size: number): number {
  return [...run.text].length * size * (run.style === 'code' ? 0.62 : 0.56);
}

/** A word wider than the line (an ARN) is cut where the line ends, as Slack wraps it. */
function split(run: Run, size: number, max: number): Run[] {
  const chars = [...run.text];
  const fit = Math.max(1, Math.floor((chars.length * max) / widthOf(run, size)));
  if (chars.length <= fit) return [run];
  const out: Run[] = [];
  for (let i = 0; i < chars.length; i += fit) out.push({ text: chars.slice(i, i + fit).join(''), style: run.style });
  return out;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const FONT = `font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"`;
const MONO = `font-family="SFMono-Regular, Menlo, Consolas, monospace"`;

class Canvas {
  readonly parts: string[] = [];
  y = 24;

  /** Writes mrkdwn (or plain) text from x to maxX, wrapping words. */
  text(text: string, x: number, maxX: number, size: number, base: Run['style'] = 'plain'): void {
    const lineHeight = Math.round(size * 1.45);
    for (const source of text.split('\n')) {
      let line: Run[] = [];
      let width = 0;
      const flush = () => {
        this.y += lineHeight;
        this.parts.push(this.line(line, x, size));
        line = [];
        width = 0;
      };
      for (const run of runs(source, base).flatMap((r) => split(r, size, maxX - x))) {
        const w = widthOf(run, size);
        if (width + w > maxX - x && line.length > 0) flush();
        line.push(run);
        width += w;
      }
      flush();
    }
  }

  private line(line: readonly Run[], x: number, size: number): string {
    const merged: Run[] = [];
    for (const run of line) {
      const last = merged[merged.length - 1];
      if (last?.style === run.style && last.color === run.color)
        merged[merged.length - 1] = { ...run, text: last.text + run.text };
      else merged.push(run);
    }
    const spans = merged.map((run) => {
      const text = escapeXml(run.text);
      if (run.color !== undefined) return `<tspan fill="${run.color}">${text}</tspan>`;
      if (run.style === 'bold') return `<tspan font-weight="700">${text}</tspan>`;
      if (run.style === 'code') return `<tspan ${MONO} fill="#c01343" font-size="${size - 1}">${text}</tspan>`;
      if (run.style === 'muted') return `<tspan fill="#616061">${text}</tspan>`;
      return `<tspan>${text}</tspan>`;
    });
    return `<text x="${x}" y="${this.y}" font-size="${size}" xml:space="preserve">${spans.join('')}</text>`;
  }

  block(block: Block): void {
    switch (block.type) {
      case 'header':
        this.y += 6;
        this.text(`*${block.text.text}*`, LEFT, RIGHT, 18);
        break;
      case 'section':
        this.y += 8;
        if (block.text !== undefined) this.text(block.text.text, LEFT, RIGHT, 14);
        if (block.fields !== undefined) this.fields(block.fields);
        break;
      case 'context':
        this.y += 6;
        this.text(block.elements.map((e) => e.text).join('  '), LEFT, RIGHT, 12, 'muted');
        break;
      case 'actions':
        this.y += 12;
        this.buttons(block.elements);
        break;
      default:
        break;
    }
  }

  /** Fields go two to a row, as Slack lays them out. */
  private fields(fields: readonly TextObject[]): void {
    const column = (RIGHT - LEFT) / 2;
    for (let i = 0; i < fields.length; i += 2) {
      const top = this.y;
      let bottom = top;
      for (const [j, field] of fields.slice(i, i + 2).entries()) {
        this.y = top;
        const x = LEFT + j * column;
        this.text(field.text, x, x + column - 12, 14);
        bottom = Math.max(bottom, this.y);
      }
      this.y = bottom + 4;
    }
  }

  private buttons(elements: readonly Element[]): void {
    let x = LEFT;
    for (const element of elements) {
      const label = element.type === 'button' ? element.text.text : '⋯';
      const width = Math.round([...label].length * 8 + 28);
      const style = element.type === 'button' ? element.style : undefined;
      const fill = style === 'primary' ? '#007a5a' : style === 'danger' ? '#e01e5a' : '#ffffff';
      const ink = style === undefined ? '#1d1c1d' : '#ffffff';
      this.parts.push(
        `<rect x="${x}" y="${this.y}" width="${width}" height="30" rx="4" fill="${fill}" stroke="${style === undefined ? '#bbbbbb' : fill}"/>`,
        `<text x="${x + width / 2}" y="${this.y + 20}" font-size="14" font-weight="700" text-anchor="middle" fill="${ink}">${escapeXml(label)}</text>`,
      );
      x += width + 8;
    }
    this.y += 30;
  }
}

/** The alert as an SVG picture of a Slack message. */
export function alertSvg(): string {
  const message = sampleAlert();
  const canvas = new Canvas();
  canvas.parts.push(
    `<rect x="16" y="${canvas.y}" width="40" height="40" rx="6" fill="#4a154b"/>`,
    `<text x="36" y="${canvas.y + 26}" font-size="15" font-weight="700" fill="#ffffff" text-anchor="middle">KS</text>`,
  );
  canvas.text('*kms-sentinel* APP  9:00 AM', LEFT, RIGHT, 15);
  for (const block of message.blocks) canvas.block(block);
  const height = canvas.y + 24;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${FONT} fill="#1d1c1d">`,
    `<title>${escapeXml(message.text)}</title>`,
    `<rect width="${WIDTH}" height="${height}" rx="8" fill="#ffffff" stroke="#dddddd"/>`,
    ...canvas.parts,
    '</svg>',
    '',
  ].join('\n');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(ALERT_SVG, alertSvg());
  console.log(`wrote ${ALERT_SVG}`);
}
