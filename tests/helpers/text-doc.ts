/** Yjs updates on the Y.Text "t", for store tests that only care about text and order. */
import * as Y from 'yjs';
import type { DocArchive } from '../../persistence/archive.js';
import { docAt, resolveHistoryPoint } from '../../persistence/replay.js';

/** Appends `text` to `doc`'s text and returns exactly that change as an update. */
export function appendTextUpdate(doc: Y.Doc, text: string): Uint8Array {
  const before = Y.encodeStateVector(doc);
  doc.getText('t').insert(doc.getText('t').length, text);
  return Y.encodeStateAsUpdate(doc, before);
}

/** The text "t" of a document state. */
export function textOf(state: Uint8Array): string {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc.getText('t').toString();
}

/** The text "t" of document `name` as it was at `seq`, rebuilt from `archive`'s history. */
export async function textAtSeq(archive: DocArchive, name: string, seq: number): Promise<string> {
  const history = await archive.readHistory(name);
  if (!history) throw new Error(`no history of ${JSON.stringify(name)}`);
  const doc = await docAt(history, resolveHistoryPoint(history, { seq }));
  try {
    return doc.getText('t').toString();
  } finally {
    doc.destroy();
  }
}
