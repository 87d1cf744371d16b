/**
 * Where a thread sits in the text: two Yjs relative positions into the `default` fragment,
 * kept together in one field, so the anchor follows the text through everyone's concurrent
 * edits without any mark in the text (the schema stays as it is, a stock client editing the
 * text cannot strip it, and someone who may only comment never writes into the text).
 *
 * - `start` sticks to the first character commented on (association to the right) and `end`
 *   to the last one (association to the left): text typed just before or just after the
 *   anchor stays outside it, text typed inside it is part of it.
 * - Deleting characters shrinks the anchor; deleting all of them (or the blocks holding them)
 *   leaves it empty: the thread is then "orphaned", its text gone (until an undo brings the
 *   same characters back — Yjs follows restored items).
 * - The editor's Yjs binding writes some edits of whole blocks (splitting or joining
 *   paragraphs, turning one into a heading or a list item) as new text replacing the old one;
 *   the editor that makes such an edit moves the anchors on that text (editor/src/comments/).
 *   Block edits by other editors can leave an anchor shorter, or orphaned.
 *
 * ProseMirror positions come from a mapping of Yjs types to ProseMirror nodes: the live
 * editor's sync binding, or `initProseMirrorDoc` for a document rendered on the server.
 *
 *   anchor := varUint8Array(encodeRelativePosition(start)) • varUint8Array(… end)
 */
import type { Node as PmNode } from '@tiptap/pm/model';
import { absolutePositionToRelativePosition } from '@tiptap/y-tiptap';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

/** Yjs types to the ProseMirror nodes they render as (y-tiptap's binding mapping). */
export type ProsemirrorMapping = Parameters<typeof absolutePositionToRelativePosition>[2];

export interface AnchorRange {
  from: number;
  to: number;
}

/** Re-associates a position inside a text to the character on its right (`0`) or left (`-1`). */
function associated(doc: Y.Doc, relative: Y.RelativePosition, assoc: 0 | -1): Y.RelativePosition {
  const absolute = Y.createAbsolutePositionFromRelativePosition(relative, doc);
  if (!absolute || !(absolute.type instanceof Y.XmlText)) return relative;
  return Y.createRelativePositionFromTypeIndex(absolute.type, absolute.index, assoc);
}

/** The anchor of the text between ProseMirror positions `from` < `to`. */
export function anchorForRange(fragment: Y.XmlFragment, mapping: ProsemirrorMapping, range: AnchorRange): Uint8Array {
  const doc = fragment.doc;
  if (!doc) throw new Error('the fragment is not part of a document');
  const start = associated(doc, absolutePositionToRelativePosition(range.from, fragment, mapping) as Y.RelativePosition, 0);
  const end = associated(doc, absolutePositionToRelativePosition(range.to, fragment, mapping) as Y.RelativePosition, -1);
  return encodeAnchor(start, end);
}

function encodeAnchor(start: Y.RelativePosition, end: Y.RelativePosition): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint8Array(encoder, Y.encodeRelativePosition(start));
  encoding.writeVarUint8Array(encoder, Y.encodeRelativePosition(end));
  return encoding.toUint8Array(encoder);
}

/** The two positions of an anchor; null when the bytes are not an anchor. */
export function decodeAnchor(anchor: Uint8Array): [Y.RelativePosition, Y.RelativePosition] | null {
  try {
    const decoder = decoding.createDecoder(anchor);
    const start = Y.decodeRelativePosition(decoding.readVarUint8Array(decoder));
    const end = Y.decodeRelativePosition(decoding.readVarUint8Array(decoder));
    return decoding.hasContent(decoder) ? null : [start, end];
  } catch {
    return null;
  }
}

/** The size of a block or inline node in ProseMirror terms; null when the mapping lacks it. */
function sizeOf(item: Y.Item, mapping: ProsemirrorMapping): number | null {
  const type = item.content instanceof Y.ContentType ? item.content.type : null;
  if (type instanceof Y.XmlText) return type.length;
  const node = type ? mapping.get(type) : undefined;
  return node && !Array.isArray(node) ? node.nodeSize : null;
}

/**
 * The ProseMirror position of a relative one; null when it is not in the fragment. A position
 * in deleted content is where that content was (just before a deleted block).
 */
function resolvePosition(fragment: Y.XmlFragment, mapping: ProsemirrorMapping, relative: Y.RelativePosition): number | null {
  const doc = fragment.doc;
  const absolute = doc ? Y.createAbsolutePositionFromRelativePosition(relative, doc) : null;
  if (!absolute) return null;
  let type = absolute.type as Y.AbstractType<unknown>;
  // Within the type: characters of a text, or whole children of an element.
  let position = 0;
  if (type instanceof Y.XmlText) position = absolute.index;
  else {
    let index = 0;
    for (let n = type._start; n !== null && index < absolute.index; n = n.right) {
      if (n.deleted) continue;
      const size = sizeOf(n, mapping);
      if (size === null) return null;
      position += size;
      index += 1;
    }
  }
  // Up to the fragment: each level adds what precedes it in its parent, and its opening tag.
  while (type !== (fragment as Y.AbstractType<unknown>)) {
    const item = type._item;
    if (!item || !(item.parent instanceof Y.AbstractType)) return null;
    let before = 0;
    for (let n = item.parent._start; n !== null && n !== item; n = n.right) {
      if (n.deleted) continue;
      const size = sizeOf(n, mapping);
      if (size === null) return null;
      before += size;
    }
    if (item.deleted) position = before;
    else position = before + (type instanceof Y.XmlText ? 0 : 1) + position;
    type = item.parent as Y.AbstractType<unknown>;
  }
  return position;
}

/**
 * The anchored text's range in the ProseMirror document `doc`; null when all of it was deleted
 * (or the bytes are no anchor).
 *
 * Yjs collects the content of deleted blocks: an end in a deleted block cannot be placed any
 * more. What is left of the anchor is then taken to be in the block of its other end (from the
 * start of that block, or to its end): an anchor over two blocks keeps its part in the one that
 * is left.
 */
export function resolveAnchor(fragment: Y.XmlFragment, mapping: ProsemirrorMapping, anchor: Uint8Array, doc: PmNode): AnchorRange | null {
  const positions = decodeAnchor(anchor);
  if (!positions) return null;
  const size = doc.content.size;
  const clamp = (position: number | null): number | null => (position === null ? null : Math.max(0, Math.min(position, size)));
  let from = clamp(resolvePosition(fragment, mapping, positions[0]));
  let to = clamp(resolvePosition(fragment, mapping, positions[1]));
  if (from === null && to !== null) from = doc.resolve(to).start();
  if (to === null && from !== null) to = doc.resolve(from).end();
  return from !== null && to !== null && to > from ? { from, to } : null;
}

/** The position `relative` now stands for when its character was deleted and restored (by an undo). */
function followRestored(doc: Y.Doc, relative: Y.RelativePosition): Y.RelativePosition {
  if (!relative.item) return relative;
  let id = relative.item;
  for (;;) {
    const struct = doc.store.clients.has(id.client) && id.clock < Y.getState(doc.store, id.client) ? Y.getItem(doc.store, id) : null;
    if (!(struct instanceof Y.Item) || struct.redone === null) break;
    id = Y.createID(struct.redone.client, struct.redone.clock + (id.clock - struct.id.clock));
  }
  return id === relative.item ? relative : new Y.RelativePosition(relative.type, relative.tname, id, relative.assoc);
}

/**
 * The anchor re-pointed at the characters an undo (or a restore) brought back in `doc`; null
 * when it needs no change. Yjs links deleted characters to their restored copies only in the
 * document that restored them: every other replica needs the anchor written anew.
 */
export function restoredAnchor(doc: Y.Doc, anchor: Uint8Array): Uint8Array | null {
  const positions = decodeAnchor(anchor);
  if (!positions) return null;
  const [start, end] = positions.map((p) => followRestored(doc, p)) as [Y.RelativePosition, Y.RelativePosition];
  return start === positions[0] && end === positions[1] ? null : encodeAnchor(start, end);
}
