/**
 * A document's state at a point of a simulated history (writers.ts), as the diff and timeline
 * tests compare against: exported the way `tandem export` does, or read by Yjs itself.
 */
import type { JSONContent } from '@tiptap/core';
import * as Y from 'yjs';
import type { DocHistory } from '../../persistence/archive.js';
import { proseMirrorDoc } from '../../persistence/export-format.js';
import { docAt } from '../../persistence/replay.js';
import { withoutRefusedLinks } from '../../document-schema/link-policy.js';
import { declaredAuthor } from '../../persistence/author.js';
import { randomInt } from './random.js';
import { randomRichEdit, schema } from './rich-edits.js';
import { HistoryServer, Writer } from './writers.js';

export function historyOf(server: HistoryServer): DocHistory {
  return { name: 'doc', compacted: null, records: server.records, checkpoints: [], problems: [] };
}

/**
 * A history of `edits` random rich edits and deliveries by three writers (a user, a
 * self-declared name, nobody known) editing concurrently, drawn from `rand`.
 */
export function randomHistory(rand: () => number, edits: number): DocHistory {
  const ids = (): number => 1 + randomInt(rand, 2 ** 31);
  const writers = [new Writer('ada', 'abcde', ids()), new Writer(declaredAuthor('Bob'), 'fghij', ids()), new Writer(null, 'klmno', ids())];
  const server = new HistoryServer(writers);
  for (let step = 0; step < edits; step++) {
    const writer = writers[randomInt(rand, writers.length)] as Writer;
    if (rand() < 0.6) randomRichEdit(writer, rand);
    else server.deliverOne(writer);
  }
  server.deliverAll();
  return historyOf(server);
}

/** A document as ProseMirror reads it, in one spelling (joined text, marks in schema order, default attributes). */
export function normal(json: JSONContent): unknown {
  return schema.nodeFromJSON(withoutRefusedLinks(json)).toJSON();
}

/** The document at `seq` as the editor's binding draws it (it leaves out nodes the schema refuses). */
export async function exported(history: DocHistory, seq: number): Promise<unknown> {
  const doc = await docAt(history, seq);
  const rich = normal(proseMirrorDoc(doc).toJSON() as JSONContent);
  doc.destroy();
  return rich;
}

const HASHED_MARK = /--[a-zA-Z0-9+/=]{8}$/;

/** A Yjs tree read with Yjs' own accessors (`toDelta`, `getAttributes`), whatever the schema allows. */
function treeJson(type: Y.XmlFragment | Y.XmlElement): JSONContent[] {
  const out: JSONContent[] = [];
  for (const child of type.toArray()) {
    if (child instanceof Y.XmlText) {
      for (const op of child.toDelta() as { insert: string; attributes?: Record<string, unknown> }[]) {
        const marks = Object.entries(op.attributes ?? {}).map(([key, attrs]) => ({ type: key.replace(HASHED_MARK, ''), attrs: attrs as Record<string, unknown> }));
        out.push(marks.length > 0 ? { type: 'text', text: op.insert, marks } : { type: 'text', text: op.insert });
      }
    } else if (child instanceof Y.XmlElement) out.push({ type: child.nodeName, attrs: child.getAttributes(), content: treeJson(child) });
  }
  return out;
}

/**
 * The document at `seq` as the server had it: its records applied one by one, as a room
 * applies them (Yjs tidies formatting after each remote change, so applying them all in one
 * transaction can format differently after concurrent formatting), read by Yjs itself.
 */
export function stateAt(history: DocHistory, seq: number): { rich: unknown; notes: string } {
  const doc = new Y.Doc();
  for (const record of history.records) if (record.seq <= seq) Y.applyUpdate(doc, record.update);
  const rich = normal({ type: 'doc', content: treeJson(doc.getXmlFragment('default')) });
  const notes = doc.getText('notes').toString();
  doc.destroy();
  return { rich, notes };
}
