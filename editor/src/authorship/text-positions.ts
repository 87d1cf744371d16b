/**
 * Where the text of the Yjs document sits in the editor's ProseMirror document. The binding
 * (y-tiptap) draws one from the other node for node: an element is a node, a text's
 * characters are its block's inline content, an inline element (a hard break) one position.
 * This walks both together; a node where they do not line up (the binding left out something
 * it could not draw) is skipped rather than mispainted.
 */
import type { Node as PmNode } from '@tiptap/pm/model';
import * as Y from 'yjs';

export type TextItemVisitor = (pos: number, client: number, clock: number, length: number) => void;

function* children(type: Y.XmlFragment | Y.XmlElement): Generator<Y.XmlElement | Y.XmlText> {
  for (let item = type._start; item !== null; item = item.right) {
    if (item.deleted || !(item.content instanceof Y.ContentType)) continue;
    const child = item.content.type;
    if (child instanceof Y.XmlElement || child instanceof Y.XmlText) yield child;
  }
}

function textblock(type: Y.XmlFragment | Y.XmlElement, node: PmNode, start: number, each: TextItemVisitor): void {
  const found: [number, number, number, number][] = [];
  let offset = 0;
  for (const child of children(type)) {
    if (child instanceof Y.XmlElement) {
      offset += 1;
      continue;
    }
    for (let item = child._start; item !== null; item = item.right) {
      // Format items are not countable: they take no position.
      if (item.deleted || !item.countable) continue;
      if (item.content instanceof Y.ContentString) found.push([start + offset, item.id.client, item.id.clock, item.length]);
      offset += item.length;
    }
  }
  if (offset !== node.content.size) return;
  for (const [pos, client, clock, length] of found) each(pos, client, clock, length);
}

function walk(type: Y.XmlFragment | Y.XmlElement, node: PmNode, contentStart: number, each: TextItemVisitor): void {
  if (node.inlineContent) {
    textblock(type, node, contentStart, each);
    return;
  }
  let index = 0;
  let pos = contentStart;
  for (const child of children(type)) {
    const pmChild = node.maybeChild(index);
    if (!(child instanceof Y.XmlElement) || !pmChild || pmChild.type.name !== child.nodeName) return;
    walk(child, pmChild, pos + 1, each);
    pos += pmChild.nodeSize;
    index += 1;
  }
}

/** Calls `each` for every visible string item: its position in `doc`, its Yjs id and length. */
export function forEachTextItem(fragment: Y.XmlFragment, doc: PmNode, each: TextItemVisitor): void {
  walk(fragment, doc, 0, each);
}
