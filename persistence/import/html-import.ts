/**
 * HTML into the document's schema, read by the schema's own parse rules — the ones the editor
 * uses for pasted HTML, so an import keeps what a paste keeps: links other than http(s) and
 * mailto lose their address, unknown elements keep their text, styles and scripts are dropped.
 * Images whose bytes the source holds become files of the new document (`takeImages`).
 *
 * Parsed on happy-dom with scripts, external files, frames and computed styles off: nothing in
 * an imported file runs or is fetched. Before the schema reads it, the DOM is tidied for what
 * Word converters and other editors write differently (checklists as checkbox inputs; see
 * `taskListsFromCheckboxes`).
 */
import type { JSONContent } from '@tiptap/core';
import { DOMParser as SchemaParser, type Schema } from '@tiptap/pm/model';
import { Window, type Element, type HTMLElement, type HTMLInputElement, type Node } from 'happy-dom';
import { sha256Hex } from '../blobs.js';
import { imageTypeOf } from '../image-type.js';

export interface ParsedHtml {
  json: JSONContent;
  /** Images kept: their files are to be stored with the document. */
  images: ImportedImage[];
  /** Images left out (elsewhere on the web, of a type documents do not show, or none kept). */
  imagesLeft: number;
}

/** Parses `html` (a whole page or a fragment) into the schema's JSON. */
export function parseHtml(html: string, schema: Schema, address: ImageAddress): ParsedHtml {
  const window = new Window({
    settings: {
      disableJavaScriptEvaluation: true,
      disableJavaScriptFileLoading: true,
      disableCSSFileLoading: true,
      disableIframePageLoading: true,
      disableComputedStyleRendering: true,
    },
  });
  try {
    const parsed = new window.DOMParser().parseFromString(html, 'text/html');
    const body = parsed.body;
    for (const dropped of body.querySelectorAll('script, style, template, noscript, iframe, object, embed')) dropped.remove();
    const { kept, left } = takeImages(body, address);
    taskListsFromCheckboxes(body);
    // happy-dom implements the DOM ProseMirror reads (this module is compiled without DOM types).
    const json = SchemaParser.fromSchema(schema).parse(body as unknown as Parameters<SchemaParser['parse']>[0]).toJSON() as JSONContent;
    return { json, images: kept, imagesLeft: left };
  } finally {
    void window.happyDOM.abort();
    void window.happyDOM.close();
  }
}

/** An image an import brings in: stored as a file of the new document, shown by its address. */
export interface ImportedImage {
  sha256: string;
  data: Uint8Array;
}

/** Where an image's file will be: null leaves every image out. */
export type ImageAddress = ((sha256: string) => string) | null;

/** The bytes of a `data:` URL holding a base64 image, or null. */
function dataUrlBytes(src: string | null): Uint8Array | null {
  const match = /^data:image\/[a-z0-9.+-]+;base64,([a-z0-9+/=\s]*)$/i.exec(src?.trim() ?? '');
  return match?.[1] === undefined ? null : new Uint8Array(Buffer.from(match[1], 'base64'));
}

/**
 * Images whose bytes the source holds (`data:` URLs: Word files, pasted pages) and that are of
 * a type documents show (PNG, JPEG, GIF, WebP, judged by the bytes) point to where their file
 * will be, when `address` is given; every other image (elsewhere on the web, another type) is
 * removed, with a paragraph that held nothing else. Returns the images kept and the count left out.
 */
function takeImages(root: HTMLElement, address: ImageAddress): { kept: ImportedImage[]; left: number } {
  const images = [...root.querySelectorAll('picture, img, svg')].filter((image) => !image.parentElement?.closest('picture, svg'));
  const kept = new Map<string, ImportedImage>();
  let left = 0;
  for (const image of images) {
    const data = image.tagName === 'IMG' ? dataUrlBytes(image.getAttribute('src')) : null;
    const parent = image.parentElement;
    const alone = parent !== null && parent !== root && ['P', 'FIGURE', 'A'].includes(parent.tagName) && parent.children.length === 1 && (parent.textContent ?? '').trim() === '';
    if (address && data && imageTypeOf(data)) {
      const sha256 = sha256Hex(data);
      kept.set(sha256, { sha256, data });
      image.setAttribute('src', address(sha256));
      // Images are blocks: one alone in a paragraph takes the paragraph's place.
      if (alone) parent.replaceWith(image);
      continue;
    }
    left += 1;
    image.remove();
    if (alone) parent.remove();
  }
  return { kept: [...kept.values()], left };
}

/** The checkbox an element starts with, if it starts with one (ignoring blank text). */
function leadingCheckbox(element: Element): HTMLInputElement | null {
  for (let node: Node | null = element.firstChild; node; ) {
    if (node.nodeType === 3 /* text */) {
      if ((node.textContent ?? '').trim() !== '') return null;
      node = node.nextSibling;
      continue;
    }
    if (node.nodeType !== 1 /* element */) {
      node = node.nextSibling;
      continue;
    }
    const child = node as Element;
    if (child.tagName === 'INPUT') return (child as HTMLInputElement).type === 'checkbox' ? (child as HTMLInputElement) : null;
    // Word converters put the box inside the item's first paragraph or a label.
    if (['P', 'LABEL', 'SPAN', 'STRONG', 'EM'].includes(child.tagName)) return leadingCheckbox(child);
    return null;
  }
  return null;
}

function isChecked(box: HTMLInputElement): boolean {
  return box.checked || box.hasAttribute('checked');
}

/** Turns `li` into a task item and drops its box. */
function markTaskItem(li: Element, box: HTMLInputElement): void {
  li.setAttribute('data-type', 'taskItem');
  li.setAttribute('data-checked', String(isChecked(box)));
  box.remove();
}

/**
 * Checklists as other tools write them — a list whose items each start with a checkbox
 * (mammoth's reading of Word's checkbox controls, GitHub's HTML), or a run of paragraphs that
 * each start with one — become the schema's task lists. A list mixing items with and without
 * boxes stays a list; its boxes are dropped.
 */
export function taskListsFromCheckboxes(root: HTMLElement): void {
  for (const list of [...root.querySelectorAll('ul, ol')]) {
    if (list.getAttribute('data-type') === 'taskList') continue;
    const items = [...list.children].filter((child) => child.tagName === 'LI');
    const boxes = items.map(leadingCheckbox);
    if (items.length === 0 || boxes.some((box) => box === null)) {
      for (const box of boxes) box?.remove();
      continue;
    }
    items.forEach((li, i) => markTaskItem(li, boxes[i] as HTMLInputElement));
    // The schema reads checklists from `ul` only; numbering checkboxes means nothing.
    const taskList = root.ownerDocument.createElement('ul');
    taskList.setAttribute('data-type', 'taskList');
    taskList.append(...list.childNodes);
    list.replaceWith(taskList);
  }
  // Paragraphs that start with a box, outside lists: each run of them is one task list.
  const document = root.ownerDocument;
  for (const paragraph of [...root.querySelectorAll('p')]) {
    if (!paragraph.isConnected || paragraph.closest('li')) continue;
    const box = leadingCheckbox(paragraph);
    if (!box) continue;
    const list = document.createElement('ul');
    list.setAttribute('data-type', 'taskList');
    paragraph.before(list);
    for (let next: Element | null = paragraph; next && next.tagName === 'P'; ) {
      const nextBox = leadingCheckbox(next);
      if (!nextBox) break;
      const following: Element | null = next.nextElementSibling;
      const li = document.createElement('li');
      markTaskItem(li, nextBox);
      li.append(next);
      list.append(li);
      next = following;
    }
  }
}
