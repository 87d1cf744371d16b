/**
 * A range of the document that stays on the same text while others edit. Positions in a
 * collaborative editor are not stable: a remote change redraws the document (the Yjs binding
 * replaces its content), so a dialog that remembers `from`/`to` numbers could apply its
 * change somewhere else. Yjs relative positions follow the text itself.
 */
import type { Editor } from '@tiptap/core';
import { absolutePositionToRelativePosition, relativePositionToAbsolutePosition, ySyncPluginKey } from '@tiptap/y-tiptap';
import { createRelativePositionFromJSON } from 'yjs';
import type * as Y from 'yjs';

export interface Range {
  from: number;
  to: number;
}

interface SyncState {
  doc: Y.Doc;
  type: Y.XmlFragment;
  binding: { mapping: Map<Y.AbstractType<unknown>, unknown> } | null;
}

function syncState(editor: Editor): SyncState | null {
  const state = ySyncPluginKey.getState(editor.state) as Partial<SyncState> | undefined;
  return state?.doc && state.type && state.binding ? (state as SyncState) : null;
}

/**
 * Where a Yjs relative position (as awareness carries carets: `Y.relativePositionToJSON`
 * form) is in the editor's document now, or null when its text is gone or not yet here.
 */
export function absolutePosition(editor: Editor, relative: unknown): number | null {
  const now = syncState(editor);
  if (!now?.binding || now.binding.mapping.size === 0) return null;
  try {
    return relativePositionToAbsolutePosition(now.doc, now.type, createRelativePositionFromJSON(relative), now.binding.mapping as never);
  } catch {
    // Not a relative position (another client's malformed awareness state).
    return null;
  }
}

/** Returns the range's current position, or null once its text is gone. */
export function trackRange(editor: Editor, range: Range): () => Range | null {
  const start = syncState(editor);
  if (!start?.binding) return () => range;
  const { mapping } = start.binding as { mapping: never };
  const anchors = [absolutePositionToRelativePosition(range.from, start.type, mapping), absolutePositionToRelativePosition(range.to, start.type, mapping)] as const;
  return () => {
    const now = syncState(editor);
    if (!now?.binding) return null;
    const [from, to] = anchors.map((relative: unknown) => relativePositionToAbsolutePosition(now.doc, now.type, relative, now.binding?.mapping as never));
    if (from === null || to === null || from === undefined || to === undefined || from > to) return null;
    return { from, to };
  };
}
