/**
 * A document's state from what `openDocFiles` found: the base checkpoint and the records
 * after it, applied to one garbage-collecting Y.Doc and encoded once. (Y.mergeUpdates is far
 * slower for thousands of small updates, and keeps deleted content.)
 */
import * as Y from 'yjs';
import type { DocFiles } from './doc-files.js';

function docOf(files: DocFiles, more: readonly Uint8Array[] = []): Y.Doc {
  const doc = new Y.Doc({ gc: true });
  if (files.base) Y.applyUpdate(doc, files.base.state);
  Y.transact(doc, () => {
    for (const record of files.records) Y.applyUpdate(doc, record.update);
    for (const update of more) Y.applyUpdate(doc, update);
  });
  return doc;
}

/**
 * The document after the base checkpoint, the records that follow it and `more` (records
 * durable elsewhere, e.g. still only in the journal), as one update.
 */
export function stateOf(files: DocFiles, more: readonly Uint8Array[] = []): Uint8Array {
  if (files.base && files.records.length === 0 && more.length === 0) return files.base.state;
  const doc = docOf(files, more);
  try {
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}

/** What orphaned checkpoints hold that the log does not, as one update; null if nothing. */
export function orphanContent(files: DocFiles): Uint8Array | null {
  const fromLog = docOf(files);
  const merged = docOf(files);
  try {
    for (const orphan of files.orphans) Y.applyUpdate(merged, orphan.state);
    if (Y.equalSnapshots(Y.snapshot(fromLog), Y.snapshot(merged))) return null;
    return Y.encodeStateAsUpdate(merged, Y.encodeStateVector(fromLog));
  } finally {
    fromLog.destroy();
    merged.destroy();
  }
}
