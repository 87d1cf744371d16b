/**
 * Tables are repaired by the client that broke them, never by everyone who receives them.
 *
 * ProseMirror's table plugin "fixes" a table whose rows have different lengths after every
 * transaction, by adding cells. Two people changing one table at once (one adds a column,
 * the other a row) merge into such a table on every client; if each client then added the
 * missing cells, the fixes would merge too and the table would end up with duplicates. So a
 * fix that follows a remote change is dropped: the table stays ragged until someone edits it
 * (then that one client fixes it, the fix syncs like any edit). The user's own undo and redo
 * arrive through Yjs too but are local, so they are still fixed at once.
 */
import { Extension } from '@tiptap/core';
import { Plugin, PluginKey, type Transaction } from '@tiptap/pm/state';
import { fixTablesKey } from '@tiptap/pm/tables';
import { ySyncPluginKey } from '@tiptap/y-tiptap';

const key = new PluginKey<boolean>('tandemRemoteTableFixGuard');

/** A change someone else made (the user's own undo and redo arrive through Yjs too, but are not). */
export function isRemoteChange(tr: Transaction): boolean {
  const meta = tr.getMeta(ySyncPluginKey) as { isChangeOrigin?: boolean; isUndoRedoOperation?: boolean } | undefined;
  return meta?.isChangeOrigin === true && meta.isUndoRedoOperation !== true;
}

export const remoteTableFixGuard = Extension.create({
  name: 'remoteTableFixGuard',
  addProseMirrorPlugins() {
    return [
      new Plugin<boolean>({
        key,
        // Whether the transaction just applied came from someone else. An appended
        // transaction is filtered against the state its root transaction produced.
        state: { init: () => false, apply: (tr) => isRemoteChange(tr) },
        filterTransaction: (tr, state) => !(tr.getMeta(fixTablesKey) !== undefined && key.getState(state) === true),
      }),
    ];
  },
});
