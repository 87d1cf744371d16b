/**
 * The diff of a document between two sequence numbers (0: the empty document), as the API and
 * `tandem diff` give it (document-schema/diff/diff-tree.ts): the history span rebuilt, every
 * item placed by the two snapshots (diff-walk.ts), each change stamped with its author and
 * time from the server's record (attribution.ts), and the words each person changed.
 */
import type { DocHistory } from '../archive.js';
import { attributionOf, type Attribution } from '../attribution.js';
import { AuthorTable } from '../author-table.js';
import { sharedKinds } from '../shared-types.js';
import { isDiffText, type DiffNode, type DiffPoint, type DiffText, type DocDiff } from '../../document-schema/diff/diff-tree.js';
import { summarize } from './diff-summary.js';
import { DiffWalk } from './diff-walk.js';
import { historySpan } from './history-span.js';
import { PointView } from './point-view.js';

/**
 * Fills in each node's author and time, and joins neighbouring text of one author and one kind
 * of change: typing makes a record every few keystrokes, and people read "Bob added this
 * sentence", not one change per record. A joined run keeps its latest record and time.
 */
function stamp(nodes: DiffNode[], authors: AuthorTable): DiffNode[] {
  const out: DiffNode[] = [];
  for (const node of nodes) {
    node.by = authors.indexOfRecord(node.seq);
    node.time = authors.timeOfRecord(node.seq);
    if (!isDiffText(node)) {
      if (node.content) node.content = stamp(node.content, authors);
      out.push(node);
      continue;
    }
    const last = out.at(-1);
    if (last && isDiffText(last) && last.change === node.change && last.by === node.by && JSON.stringify([last.marks, last.marksBefore]) === JSON.stringify([node.marks, node.marksBefore])) {
      last.text += node.text;
      if (node.seq > last.seq) {
        last.seq = node.seq;
        last.time = node.time;
      }
      continue;
    }
    out.push(node);
  }
  return out;
}

function pointOf(history: DocHistory, seq: number): DiffPoint {
  const record = seq === 0 ? undefined : history.records.find((r) => r.seq === seq);
  return { seq, time: record ? new Date(record.timeMs).toISOString() : null };
}

/**
 * `attribution` may be an index kept from earlier calls: it must hold the records up to `to`
 * at least (records after it change nothing here: the first claim of an item wins).
 */
export async function diffHistory(history: DocHistory, from: number, to: number, attribution: Attribution = attributionOf(history.records.filter((r) => r.seq <= to))): Promise<DocDiff> {
  const span = await historySpan(history, from, to);
  try {
    const walk = new DiffWalk(new PointView(span.before), new PointView(span.after), attribution, { from, to });
    const kinds = sharedKinds(span.doc);
    const content = kinds.get('default') === 'xml' ? walk.children(span.doc.getXmlFragment('default'), true, true) : [];
    const texts: DocDiff['texts'] = [];
    for (const [root, kind] of [...kinds].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (kind !== 'text') continue;
      const runs: DiffNode[] = [];
      walk.text(span.doc.getText(root), true, true, runs);
      if (runs.length > 0) texts.push({ root, content: runs as DiffText[] });
    }
    const authors = new AuthorTable(attribution);
    const doc: DocDiff['doc'] = { type: 'doc', content: stamp(content, authors) };
    for (const text of texts) text.content = stamp(text.content, authors) as DiffText[];
    return {
      name: history.name,
      from: pointOf(history, from),
      to: pointOf(history, to),
      authors: authors.entries,
      summary: summarize({ doc, texts }, authors.entries),
      doc,
      texts,
    };
  } finally {
    span.doc.destroy();
  }
}
