/**
 * A diff (document-schema/diff/diff-tree.ts) for people:
 *
 *   html  a page: who changed what (words per person), then the document with insertions as
 *         <ins>, deletions as <del> and reformatted text as <span class="diff--formatted">,
 *         each titled with its author and time; rendered through the editor's own schema,
 *         as `tandem export --format html` renders documents
 *   text  the text blocks, one paragraph each, in wdiff's notation — [-deleted-] {+inserted+}
 *         and {~reformatted~} — then one line per person
 */
import { getSchema } from '@tiptap/core';
import { withoutRefusedLinks } from '../../document-schema/link-policy.js';
import { diffExtensions } from '../../document-schema/diff/diff-marks.js';
import { isDiffText, mergedDiffDoc, type DiffElement, type DiffNode, type DocDiff } from '../../document-schema/diff/diff-tree.js';
import { authorName, changeTitle, summaryLine } from '../../document-schema/diff/diff-words.js';
import { escapeHtml } from '../comment-export.js';
import { exportExtensions } from '../export-format.js';

export const DIFF_FORMATS = ['json', 'html', 'text'] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];

export const DIFF_CONTENT_TYPES: Record<DiffFormat, string> = {
  json: 'application/json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  text: 'text/plain; charset=utf-8',
};

export function isDiffFormat(value: unknown): value is DiffFormat {
  return typeof value === 'string' && (DIFF_FORMATS as readonly string[]).includes(value);
}

const schema = getSchema(exportExtensions);
const renderExtensions = [...exportExtensions, ...diffExtensions(Object.keys(schema.nodes))];

function utc(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function pointLabel(point: DocDiff['from']): string {
  if (point.seq === 0) return 'the empty document';
  return point.time ? `seq ${point.seq} (${utc(point.time)})` : `seq ${point.seq}`;
}

/** "Changes to "notes" from seq 3 (…) to seq 9 (…)". */
function heading(diff: DocDiff): string {
  return `Changes to ${JSON.stringify(diff.name)} from ${pointLabel(diff.from)} to ${pointLabel(diff.to)}`;
}

function summaryLines(diff: DocDiff): string[] {
  return diff.summary.map((s) => `${authorName(s)}: ${summaryLine(s)}`);
}

const STYLE = [
  'body{font:16px/1.6 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1f2328}',
  'ins{background:#dafbe1;text-decoration:underline}',
  'del{background:#ffebe9;text-decoration:line-through}',
  '.diff--formatted{background:#fff8c5}',
  '.diff-block{box-shadow:-6px 0 0 -2px #d0d7de}',
  '.diff-block--inserted{box-shadow:-6px 0 0 -2px #1a7f37}',
  '.diff-block--deleted{box-shadow:-6px 0 0 -2px #cf222e}',
].join('');

export async function diffHtml(diff: DocDiff): Promise<string> {
  const { generateHTML } = await import('@tiptap/html');
  const merged = withoutRefusedLinks(mergedDiffDoc(diff, (node) => changeTitle(node, diff.authors, utc)));
  const body = generateHTML(merged, renderExtensions);
  const summary = diff.summary.length > 0 ? `<ul class="diff-summary">${summaryLines(diff).map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>` : '<p>No changes.</p>';
  const texts = diff.texts.map((t) => `<section class="diff-text"><h2>${escapeHtml(t.root)}</h2><p>${t.content.map((n) => inlineHtml(n, diff)).join('')}</p></section>`).join('');
  return [
    '<!doctype html>',
    `<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(heading(diff))}</title><style>${STYLE}</style></head>`,
    `<body><header><h1>${escapeHtml(heading(diff))}</h1>${summary}</header>`,
    `<article class="diff-document">${body}</article>${texts}</body></html>`,
    '',
  ].join('\n');
}

/** A plain text root's run (no schema to render it through). */
function inlineHtml(node: DiffNode, diff: DocDiff): string {
  const text = escapeHtml(isDiffText(node) ? node.text : '').replace(/\n/g, '<br>');
  if (node.change === 'unchanged') return text;
  const tag = node.change === 'inserted' ? 'ins' : node.change === 'deleted' ? 'del' : 'span';
  return `<${tag} class="diff diff--${node.change}" data-by="${node.by}" title="${escapeHtml(changeTitle(node, diff.authors, utc))}">${text}</${tag}>`;
}

const NOTATION = { unchanged: ['', ''], inserted: ['{+', '+}'], deleted: ['[-', '-]'], formatted: ['{~', '~}'] } as const;

function isTextblock(node: DiffElement): boolean {
  return schema.nodes[node.type]?.isTextblock ?? (node.content ?? []).some(isDiffText);
}

/** "paragraph → heading", "heading: level 1 → 2". */
function blockChange(node: DiffElement): string {
  if (node.typeBefore) return `${node.typeBefore} → ${node.type}`;
  const before = node.attrsBefore ?? {};
  const after = node.attrs ?? {};
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  return `${node.type}: ${keys.map((k) => `${k} ${JSON.stringify(before[k] ?? null)} → ${JSON.stringify(after[k] ?? null)}`).join(', ')}`;
}

/** Text blocks in document order, each as one line of notation. */
function textBlocks(nodes: readonly DiffNode[], out: string[]): void {
  for (const node of nodes) {
    if (isDiffText(node)) continue;
    if (!isTextblock(node)) {
      textBlocks(node.content ?? [], out);
      continue;
    }
    let line = '';
    for (const child of node.content ?? []) {
      const text = isDiffText(child) ? child.text : '\n';
      const [open, close] = NOTATION[child.change];
      line += `${open}${text}${close}`;
    }
    if (node.change === 'formatted') line += `  {~${blockChange(node)}~}`;
    if (line.trim() !== '') out.push(line);
  }
}

export function diffText(diff: DocDiff): string {
  const blocks: string[] = [];
  textBlocks(diff.doc.content, blocks);
  for (const text of diff.texts) textBlocks([{ type: text.root, change: 'unchanged', by: -1, seq: 0, time: null, content: text.content }], blocks);
  const summary = summaryLines(diff);
  return `${heading(diff)}\n\n${blocks.join('\n\n')}${blocks.length > 0 ? '\n\n' : ''}${summary.length > 0 ? summary.join('\n') : 'No changes.'}\n`;
}

export async function renderDiff(diff: DocDiff, format: DiffFormat): Promise<string> {
  switch (format) {
    case 'json':
      return `${JSON.stringify(diff, null, 2)}\n`;
    case 'html':
      return diffHtml(diff);
    case 'text':
      return diffText(diff);
  }
}
