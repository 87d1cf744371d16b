/**
 * Whether applying an update changed a document. A client that reconnects answers the server's
 * sync step 1 with everything the server lacks plus its whole delete set, which is usually all
 * already known: such an update must not become a stored record (it would grow the history on
 * every reconnect and name that client as the document's last author) nor be relayed.
 */
import * as Y from 'yjs';

/**
 * Applies `update` to `doc` and tells whether it integrated new items, deleted items, or left
 * parts waiting for what they build on (Yjs's pending structs and deletes: those are new to the
 * document too and must be stored, or a restart would lose them). Pending parts that Yjs merely
 * re-read count as a change: storing a no-op is harmless, dropping a change is not.
 */
export function applyUpdateChanged(doc: Y.Doc, update: Uint8Array, origin: unknown): boolean {
  const { pendingStructs, pendingDs } = doc.store;
  let changed = false;
  const onTransaction = (transaction: Y.Transaction): void => {
    changed ||= transaction.deleteSet.clients.size > 0 || stateMoved(transaction.beforeState, transaction.afterState);
  };
  doc.on('afterTransaction', onTransaction);
  try {
    Y.applyUpdate(doc, update, origin);
  } finally {
    doc.off('afterTransaction', onTransaction);
  }
  return changed || doc.store.pendingStructs !== pendingStructs || doc.store.pendingDs !== pendingDs;
}

function stateMoved(before: Map<number, number>, after: Map<number, number>): boolean {
  if (before.size !== after.size) return true;
  for (const [client, clock] of after) if (before.get(client) !== clock) return true;
  return false;
}
