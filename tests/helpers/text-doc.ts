/** Yjs updates on the Y.Text "t", for store tests that only care about text and order. */
import * as Y from 'yjs';

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
