/**
 * What each update changes in a document's text, for `tandem replay` — in time proportional
 * to the change, not to the document: it remembers the plain text of every Y.Text (and
 * Y.XmlText: a paragraph, a heading…) and, after each update, looks only at the texts the
 * update touched, created or deleted.
 *
 * Invariant: `known` holds the current plain text of every live text seen so far.
 */
import * as Y from 'yjs';
import { sharedKinds, sharedType } from './shared-types.js';
import { textChange, type TextChange } from './text-diff.js';

export interface TrackedChange extends TextChange {
  /** The text before the change (one paragraph, or a whole plain Y.Text). */
  before: string;
}

/** Plain text of a text type: XmlText's toString() would add formatting tags. */
function plain(text: Y.Text): string {
  let out = '';
  for (const op of text.toDelta() as { insert?: unknown }[]) if (typeof op.insert === 'string') out += op.insert;
  return out;
}

/** Every text type inside `type`, itself included. */
function textsIn(type: Y.AbstractType<Y.YEvent<Y.Text>> | Y.Text, out: Y.Text[]): void {
  if (type instanceof Y.Text) out.push(type);
  for (let item = type._start; item !== null; item = item.right) {
    if (!item.deleted && item.content instanceof Y.ContentType) textsIn(item.content.type, out);
  }
  for (const item of type._map.values()) {
    if (!item.deleted && item.content instanceof Y.ContentType) textsIn(item.content.type, out);
  }
}

export class TextTracker {
  private readonly known = new Map<Y.Text, string>();
  private touched: Y.Text[] = [];
  private untypedRoots = false;

  constructor(private readonly doc: Y.Doc) {
    this.typeRoots();
    for (const root of doc.share.values()) {
      const texts: Y.Text[] = [];
      textsIn(root, texts);
      for (const text of texts) this.known.set(text, plain(text));
    }
    doc.on('afterTransaction', this.onTransaction);
  }

  /** Applies an update and returns what it changed in the text, in document order of discovery. */
  apply(update: Uint8Array): TrackedChange[] {
    this.touched = [];
    this.untypedRoots = false;
    Y.applyUpdate(this.doc, update);
    if (this.untypedRoots) {
      // A root seen for the first time: give it its class, then all of its texts are new.
      this.typeRoots();
      for (const root of this.doc.share.values()) {
        const texts: Y.Text[] = [];
        textsIn(root, texts);
        for (const text of texts) if (!this.known.has(text)) this.touched.push(text);
      }
    }
    const changes: TrackedChange[] = [];
    for (const text of new Set(this.touched)) {
      const before = this.known.get(text) ?? '';
      const after = text._item?.deleted ? '' : plain(text);
      if (after === '' && text._item?.deleted) this.known.delete(text);
      else this.known.set(text, after);
      const change = textChange(before, after);
      if (change) changes.push({ ...change, before });
    }
    return changes;
  }

  /** The non-empty texts it knows, sorted (for checking it against the document). */
  knownTexts(): string[] {
    return [...this.known.values()].filter((t) => t.length > 0).sort();
  }

  destroy(): void {
    this.doc.off('afterTransaction', this.onTransaction);
  }

  private typeRoots(): void {
    for (const [name, kind] of sharedKinds(this.doc)) sharedType(this.doc, name, kind);
  }

  private readonly onTransaction = (transaction: Y.Transaction): void => {
    const isNew = (item: Y.Item): boolean => item.id.clock >= (transaction.beforeState.get(item.id.client) ?? 0);
    for (const type of transaction.changed.keys()) {
      if (type instanceof Y.Text) this.touched.push(type);
      if (type._item === null && !(type instanceof Y.Text || type instanceof Y.XmlFragment || type instanceof Y.Map || type instanceof Y.Array)) {
        this.untypedRoots = true;
        continue;
      }
      // Texts created by this transaction are not in `changed`: find them under their parents.
      for (let item = type._start; item !== null; item = item.right) {
        if (!item.deleted && isNew(item) && item.content instanceof Y.ContentType) textsIn(item.content.type, this.touched);
      }
      for (const item of type._map.values()) {
        if (!item.deleted && isNew(item) && item.content instanceof Y.ContentType) textsIn(item.content.type, this.touched);
      }
    }
    // Texts deleted with their paragraph are not in `changed` either (their parent is gone).
    Y.iterateDeletedStructs(transaction, transaction.deleteSet, (struct) => {
      if (struct instanceof Y.Item && struct.content instanceof Y.ContentType && struct.content.type instanceof Y.Text) this.touched.push(struct.content.type);
    });
  };
}
