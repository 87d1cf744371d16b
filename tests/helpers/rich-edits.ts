/**
 * Edits of rich text as the editor's binding makes them, for diff tests: through y-tiptap's
 * own `updateYFragment` (the change from one ProseMirror document to the next, as typing,
 * formatting or retyping a block writes it into Yjs), or random edits made straight on the
 * Yjs tree — blocks and list items added, deleted and retyped, text typed and deleted, marks
 * and attributes set and removed, hard breaks, a plain Y.Text beside the rich text.
 */
import { getSchema, type JSONContent } from '@tiptap/core';
import { updateYFragment } from '@tiptap/y-tiptap';
import * as Y from 'yjs';
import { exportExtensions } from '../../persistence/export-format.js';
import { randomInt } from './random.js';
import type { Writer } from './writers.js';

export const schema = getSchema(exportExtensions);

/** The editor's binding state of one writer: which Yjs types stand for which nodes. */
type BindingMeta = Parameters<typeof updateYFragment>[3];
const metas = new WeakMap<Y.Doc, BindingMeta>();

/** Makes a writer's document `content`, as the editor writes a change of its document. */
export function writeDoc(writer: Writer, content: JSONContent[]): void {
  let meta = metas.get(writer.doc);
  if (!meta) {
    meta = { mapping: new Map(), isOMark: new Map() } as BindingMeta;
    metas.set(writer.doc, meta);
  }
  const node = schema.nodeFromJSON({ type: 'doc', content });
  const binding = meta;
  writer.edit((doc) => updateYFragment(doc, doc.getXmlFragment('default'), node, binding));
}

export const p = (...content: JSONContent[]): JSONContent => ({ type: 'paragraph', ...(content.length > 0 ? { content } : {}) });
export const h = (level: number, ...content: JSONContent[]): JSONContent => ({ type: 'heading', attrs: { level }, content });
export const t = (text: string, ...marks: string[]): JSONContent => (marks.length > 0 ? { type: 'text', text, marks: marks.map((type) => ({ type })) } : { type: 'text', text });

function pick(rand: () => number, alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(rand, alphabet.length)];
  return out;
}

function walk(node: Y.XmlFragment | Y.XmlElement, elements: Y.XmlElement[], texts: Y.XmlText[]): void {
  for (const child of node.toArray()) {
    if (child instanceof Y.XmlText) texts.push(child);
    else if (child instanceof Y.XmlElement) {
      elements.push(child);
      walk(child, elements, texts);
    }
  }
}

function block(rand: () => number, text: string): Y.XmlElement {
  const roll = rand();
  const type = roll < 0.6 ? 'paragraph' : roll < 0.8 ? 'heading' : roll < 0.9 ? 'bulletList' : 'blockquote';
  const paragraph = (): Y.XmlElement => {
    const element = new Y.XmlElement('paragraph');
    element.insert(0, [new Y.XmlText(text)]);
    return element;
  };
  if (type === 'paragraph') return paragraph();
  const element = new Y.XmlElement(type);
  if (type === 'heading') {
    // The binding writes attribute values as they are (a number here).
    element.setAttribute('level', (1 + randomInt(rand, 3)) as unknown as string);
    element.insert(0, [new Y.XmlText(text)]);
  } else if (type === 'bulletList') {
    const item = new Y.XmlElement('listItem');
    item.insert(0, [paragraph()]);
    element.insert(0, [item]);
  } else element.insert(0, [paragraph()]);
  return element;
}

const MARKS: Record<string, unknown>[] = [
  { bold: {} },
  { italic: {} },
  { bold: null },
  { link: { href: 'https://example.com/a', target: '_blank', rel: 'noopener noreferrer nofollow', class: null } },
  // Refused by the link policy: text without a link, in exports and diffs alike.
  { link: { href: 'javascript:alert(1)', target: '_blank', rel: null, class: null } },
];

/** One random edit by `writer`, typing only letters of its alphabet. */
export function randomRichEdit(writer: Writer, rand: () => number): void {
  writer.edit((doc) => {
    const fragment = doc.getXmlFragment('default');
    const elements: Y.XmlElement[] = [];
    const texts: Y.XmlText[] = [];
    walk(fragment, elements, texts);
    const text = texts[randomInt(rand, texts.length)];
    const element = elements[randomInt(rand, elements.length)];
    const roll = rand();
    if (!text || roll < 0.1) {
      fragment.insert(randomInt(rand, fragment.length + 1), [block(rand, pick(rand, writer.alphabet, 1 + randomInt(rand, 6)))]);
    } else if (roll < 0.14 && element && element.nodeName !== 'hardBreak') {
      // A block inside another one (a list item's second paragraph, a quote's).
      element.insert(randomInt(rand, element.length + 1), [block(rand, pick(rand, writer.alphabet, 3))]);
    } else if (roll < 0.19 && element?.parent) {
      const parent = element.parent as Y.XmlElement | Y.XmlFragment;
      parent.delete(parent.toArray().indexOf(element), 1);
    } else if (roll < 0.23 && element?.parent && element.nodeName !== 'hardBreak') {
      // Retyped as the binding does it: the node replaced by one of another type, same content.
      const parent = element.parent as Y.XmlElement | Y.XmlFragment;
      const at = parent.toArray().indexOf(element);
      const retyped = new Y.XmlElement(element.nodeName === 'paragraph' ? 'heading' : 'paragraph');
      if (retyped.nodeName === 'heading') retyped.setAttribute('level', 2 as unknown as string);
      const content = element.toArray().filter((child): child is Y.XmlElement | Y.XmlText => child instanceof Y.XmlElement || child instanceof Y.XmlText);
      retyped.insert(0, content.map((child) => child.clone()));
      parent.delete(at, 1);
      parent.insert(at, [retyped]);
    } else if (roll < 0.28 && element) {
      if (element.nodeName === 'heading') element.setAttribute('level', (1 + randomInt(rand, 3)) as unknown as string);
      else if (rand() < 0.5) element.setAttribute('textAlign', rand() < 0.5 ? 'center' : 'right');
      else element.removeAttribute('textAlign');
    } else if (roll < 0.3 && text.parent instanceof Y.XmlElement) {
      const parent = text.parent;
      parent.insert(parent.toArray().indexOf(text) + 1, [new Y.XmlElement('hardBreak'), new Y.XmlText(pick(rand, writer.alphabet, 2))]);
    } else if (roll < 0.42 && text.length > 0) {
      const at = randomInt(rand, text.length);
      text.format(at, 1 + randomInt(rand, text.length - at), MARKS[randomInt(rand, MARKS.length)] as Record<string, unknown>);
    } else if (roll < 0.62 && text.length > 0) {
      const at = randomInt(rand, text.length);
      text.delete(at, Math.min(text.length - at, 1 + randomInt(rand, 4)));
    } else if (roll < 0.7) {
      const notes = doc.getText('notes');
      if (notes.length > 0 && rand() < 0.4) notes.delete(randomInt(rand, notes.length), 1);
      else notes.insert(randomInt(rand, notes.length + 1), pick(rand, writer.alphabet, 1 + randomInt(rand, 3)));
    } else {
      text.insert(randomInt(rand, text.length + 1), pick(rand, writer.alphabet, 1 + randomInt(rand, 5)), rand() < 0.2 ? { italic: {} } : undefined);
    }
  });
}
