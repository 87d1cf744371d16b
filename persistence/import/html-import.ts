/**
 * HTML into the document's schema, read by the schema's own parse rules — the ones the editor
 * uses for pasted HTML, so an import keeps what a paste keeps: links other than http(s) and
 * mailto lose their address, unknown elements keep their text, styles and scripts are dropped.
 *
 * Parsed on happy-dom with scripts, external files, frames and computed styles off: nothing in
 * an imported file runs or is fetched. Before the schema reads it, the DOM is tidied for what
 * Word converters and other editors write differently (checklists as checkbox inputs; see
 * `taskListsFromCheckboxes`), and images, which documents do not hold, are counted and left out.
 */
import type { JSONContent } from '@tiptap/core';
import { DOMParser as SchemaParser, type Schema } from '@tiptap/pm/model';
import { Window, type Element, type HTMLElement, type HTMLInputElement, type Node } from 'happy-dom';

export interface ParsedHtml {
  json: JSONContent;
  /** Images in the source, which the document cannot hold (left out). */
  images: number;
}

/** Parses `html` (a whole page or a fragment) into the schema's JSON. */
export function parseHtml(html: string, schema: Schema): ParsedHtml {
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
    const images = dropImages(body);
    taskListsFromCheckboxes(body);
    // happy-dom implements the DOM ProseMirror reads (this module is compiled without DOM types).
    const json = SchemaParser.fromSchema(schema).parse(body as unknown as Parameters<SchemaParser['parse']>[0]).toJSON() as JSONContent;
    return { json, images };
  } finally {
    void window.happyDOM.abort();
    void window.happyDOM.close();
  }
}

/** Removes the images (and paragraphs that held nothing else); returns how many there were. */
function dropImages(root: HTMLElement): number {
  const images = [...root.querySelectorAll('picture, img, svg')].filter((image) => !image.parentElement?.closest('picture, svg'));
  for (const image of images) {
    const parent = image.parentElement;
    image.remove();
    if (parent && parent !== root && ['P', 'FIGURE', 'A'].includes(parent.tagName) && parent.children.length === 0 && (parent.textContent ?? '').trim() === '') parent.remove();
  }
  return images.length;
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
