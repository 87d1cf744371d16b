/**
 * The diff of a document between two points, found by identity, not by comparing text: every
 * Yjs item of the history span (history-span.ts) is looked up in the two snapshots, so text
 * that existed at both is unchanged whatever happened around it, and text removed and typed
 * again — cut and pasted elsewhere, say — is a deletion and an insertion. Formatting is told
 * apart from content: marks are Yjs format items and node attributes are map entries, so
 * text whose marks or node whose attributes differ between the points is `formatted`.
 *
 * The editor's binding changes a node's type (paragraph → heading) by replacing the node with
 * a new one holding the same content, in one change; such a pair — a node deleted and one
 * inserted next to it by the same record, with the same content — is reported as the
 * formatting change it is (`typeBefore`), its text still its writers'.
 *
 * Nodes carry record numbers here (`by` is filled in by diff-json.ts).
 */
import * as Y from 'yjs';
import type { ClockClaims } from '../attribution.js';
import { diffSide, isDiffText, type DiffChange, type DiffElement, type DiffMark, type DiffNode, type DiffText } from '../../document-schema/diff/diff-tree.js';
import { isAllowedLinkUrl } from '../../document-schema/link-policy.js';
import type { PointReader } from './point-view.js';

type Attrs = Record<string, unknown>;

/** y-tiptap keeps overlapping marks under `<mark>--<hash>` keys. */
const HASHED_MARK = /(.*)(--[a-zA-Z0-9+/=]{8})$/;

/** Yjs format attributes as ProseMirror marks, as y-tiptap reads them. */
export function marksOf(attrs: Attrs): DiffMark[] | undefined {
  const marks: DiffMark[] = [];
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'ychange') continue;
    const type = HASHED_MARK.exec(key)?.[1] ?? key;
    // As in exports: a link to an address the schema refuses is text without a link.
    if (type === 'link' && !isAllowedLinkUrl((value as Attrs | null)?.['href'])) continue;
    const isAttrs = typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0;
    marks.push(isAttrs ? { type, attrs: { ...(value as Attrs) } } : { type });
  }
  return marks.length > 0 ? marks : undefined;
}

function sameAttrs(a: Attrs, b: Attrs): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => key in b && JSON.stringify(a[key]) === JSON.stringify(b[key]));
}

function setAttr(attrs: Attrs, key: string, value: unknown): void {
  if (value === null) delete attrs[key];
  else attrs[key] = value;
}

export class DiffWalk {
  /** The record that wrote each node's content (for deleted text: who had written it). */
  private readonly origins = new WeakMap<DiffNode, number>();

  constructor(
    private readonly before: PointReader,
    private readonly after: PointReader,
    private readonly attribution: ClockClaims,
    /** The two points: deletions are looked for between them. */
    private readonly span: { from: number; to: number },
  ) {}

  /**
   * The record that deleted (client, clock) between the points. Deleting a node deletes what it
   * holds, including what others had just put in it and the deleter had not seen yet: that
   * deletion is in no record of its own, and is the node's (`inherited`).
   */
  private deletion(client: number, clock: number, inherited: number): number {
    const own = this.attribution.deletedBy(client, clock);
    return own > this.span.from && own <= this.span.to ? own : inherited || own;
  }

  /** The children of a fragment or element, shown at either point; `deletedWith`: the record deleting their node. */
  children(type: Y.XmlFragment | Y.XmlElement, inBefore: boolean, inAfter: boolean, deletedWith = 0): DiffNode[] {
    const out: DiffNode[] = [];
    for (let item = type._start; item !== null; item = item.right) this.child(item, inBefore, inAfter, out, deletedWith);
    return this.joinRetyped(out);
  }

  /**
   * One child of a fragment or element — a node, or the runs of a text — appended to `out` when
   * it exists at either point. The timeslider walks a document block by block with it, and
   * joins the blocks with `joinRetyped` as `children` does.
   */
  child(item: Y.Item, inBefore: boolean, inAfter: boolean, out: DiffNode[], deletedWith = 0): void {
    if (!(item.content instanceof Y.ContentType)) return;
    const { client, clock } = item.id;
    const b = inBefore && this.before.has(client, clock);
    const a = inAfter && this.after.has(client, clock);
    if (!b && !a) return;
    const child = item.content.type;
    const deleted = b && !a ? this.deletion(client, clock, deletedWith) : 0;
    if (child instanceof Y.XmlText) this.text(child, b, a, out, deleted);
    else if (child instanceof Y.XmlElement) out.push(this.element(child, item, b, a, deleted));
  }

  /** The runs of a text (an XmlText in a block, or a plain Y.Text root), appended to `out`. */
  text(text: Y.Text, inBefore: boolean, inAfter: boolean, out: DiffNode[], deletedWith = 0): void {
    const marksBefore: Attrs = {};
    const marksAfter: Attrs = {};
    // Per mark: the record that last changed it between the points, for formatted text.
    const changedBy = new Map<string, number>();
    for (let item = text._start; item !== null; item = item.right) {
      const { client, clock } = item.id;
      if (item.content instanceof Y.ContentFormat) {
        const b = inBefore && this.before.has(client, clock);
        const a = inAfter && this.after.has(client, clock);
        const { key, value } = item.content;
        if (b) setAttr(marksBefore, key, value);
        if (a) setAttr(marksAfter, key, value);
        if (b !== a) changedBy.set(key, a ? this.attribution.insertedBy(client, clock) : this.attribution.deletedBy(client, clock));
        continue;
      }
      if (!(item.content instanceof Y.ContentString)) continue;
      const { str } = item.content;
      this.segments(client, clock, item.length, (from, to) => {
        const b = inBefore && this.before.has(client, from);
        const a = inAfter && this.after.has(client, from);
        if (!b && !a) return;
        const origin = this.attribution.insertedBy(client, from);
        const piece = str.slice(from - clock, to - clock);
        if (b && a) {
          if (sameAttrs(marksBefore, marksAfter)) this.pushText(out, piece, 'unchanged', origin, origin, marksAfter);
          else this.pushText(out, piece, 'formatted', formattedBy(changedBy, marksBefore, marksAfter) ?? origin, origin, marksAfter, marksBefore);
        } else if (a) this.pushText(out, piece, 'inserted', origin, origin, marksAfter);
        else this.pushText(out, piece, 'deleted', this.deletion(client, from, deletedWith), origin, marksBefore);
      });
    }
  }

  private element(element: Y.XmlElement, item: Y.Item, b: boolean, a: boolean, deleted: number): DiffElement {
    const { client, clock } = item.id;
    const origin = this.attribution.insertedBy(client, clock);
    const attrsBefore = b ? this.before.attributes(element) : {};
    const attrsAfter = a ? this.after.attributes(element) : {};
    let change: DiffChange;
    let seq = origin;
    if (b && a) {
      change = sameAttrs(attrsBefore, attrsAfter) ? 'unchanged' : 'formatted';
      if (change === 'formatted') seq = this.attributeChangedBy(element, attrsBefore, attrsAfter) ?? origin;
    } else if (a) change = 'inserted';
    else {
      change = 'deleted';
      seq = deleted;
    }
    const attrs = a ? attrsAfter : attrsBefore;
    const node: DiffElement = { type: element.nodeName, change, by: -1, seq, time: null };
    if (Object.keys(attrs).length > 0) node.attrs = attrs;
    if (change === 'formatted') node.attrsBefore = attrsBefore;
    const content = this.children(element, b, a, change === 'deleted' ? seq : 0);
    if (content.length > 0) node.content = content;
    this.origins.set(node, origin);
    return node;
  }

  /** The newest record that set or removed one of the attributes that differ. */
  private attributeChangedBy(element: Y.XmlElement, before: Attrs, after: Attrs): number | null {
    let newest: number | null = null;
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      if (JSON.stringify(before[key]) === JSON.stringify(after[key])) continue;
      // The entry in force after the change was set by it; with none, the change removed the one before.
      const last = element._map.get(key) ?? null;
      const set = this.after.entryAt(last);
      const removed = set ? null : this.before.entryAt(last);
      const seq = set ? this.attribution.insertedBy(set.client, set.clock) : removed ? this.attribution.deletedBy(removed.client, removed.clock) : 0;
      if (seq > 0) newest = Math.max(newest ?? 0, seq);
    }
    return newest;
  }

  /** `[clock, clock + length)` cut wherever existence at either point, writer or deleter changes. */
  private segments(client: number, clock: number, length: number, each: (from: number, to: number) => void): void {
    const end = clock + length;
    const cuts: number[] = [];
    this.before.cuts(client, clock, end, cuts);
    this.after.cuts(client, clock, end, cuts);
    const record = (from: number): void => {
      if (from > clock) cuts.push(from);
    };
    this.attribution.insertSegments(client, clock, length, record);
    this.attribution.deleteSegments(client, clock, length, record);
    const points = [...new Set(cuts)].sort((x, y) => x - y);
    let from = clock;
    for (const point of points) {
      each(from, point);
      from = point;
    }
    each(from, end);
  }

  private pushText(out: DiffNode[], text: string, change: DiffChange, seq: number, origin: number, marks: Attrs, marksBefore?: Attrs): void {
    const node: DiffText = { text, change, by: -1, seq, time: null };
    const markList = marksOf(marks);
    if (markList) node.marks = markList;
    if (marksBefore) node.marksBefore = marksOf(marksBefore) ?? [];
    const last = out.at(-1);
    if (last && isDiffText(last) && last.change === change && last.seq === seq && this.origins.get(last) === origin && JSON.stringify([last.marks, last.marksBefore]) === JSON.stringify([node.marks, node.marksBefore])) {
      last.text += text;
      return;
    }
    this.origins.set(node, origin);
    out.push(node);
  }

  /** A node deleted and one inserted beside it by the same record, holding the same content, was retyped. */
  joinRetyped(nodes: DiffNode[]): DiffNode[] {
    const out: DiffNode[] = [];
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i] as DiffNode;
      const next = nodes[i + 1];
      const pair = next && !isDiffText(node) && !isDiffText(next) ? retypedPair(node, next) : null;
      if (!pair) {
        out.push(node);
        continue;
      }
      const { old, made } = pair;
      const joined: DiffElement = { type: made.type, change: 'formatted', by: -1, seq: made.seq, time: null, attrs: made.attrs ?? {}, attrsBefore: old.attrs ?? {} };
      if (old.type !== made.type) joined.typeBefore = old.type;
      if (!made.attrs) delete joined.attrs;
      if (old.content) joined.content = old.content.map((child) => this.unchanged(child));
      this.origins.set(joined, this.origins.get(old) ?? 0);
      out.push(joined);
      i += 1;
    }
    return out;
  }

  /** A deleted subtree as it stands when its deletion is undone: unchanged, its writers' again. */
  private unchanged(node: DiffNode): DiffNode {
    const origin = this.origins.get(node) ?? 0;
    const copy: DiffNode = isDiffText(node) ? { ...node, change: 'unchanged', seq: origin } : { ...node, change: 'unchanged', seq: origin, content: node.content?.map((child) => this.unchanged(child)) };
    if (!isDiffText(copy) && copy.content === undefined) delete copy.content;
    this.origins.set(copy, origin);
    return copy;
  }
}

function formattedBy(changedBy: Map<string, number>, before: Attrs, after: Attrs): number | null {
  let newest: number | null = null;
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[key]) === JSON.stringify(after[key])) continue;
    const seq = changedBy.get(key);
    if (seq !== undefined && seq > 0) newest = Math.max(newest ?? 0, seq);
  }
  return newest;
}

function retypedPair(a: DiffElement, b: DiffElement): { old: DiffElement; made: DiffElement } | null {
  const pair = a.change === 'deleted' && b.change === 'inserted' ? { old: a, made: b } : a.change === 'inserted' && b.change === 'deleted' ? { old: b, made: a } : null;
  if (!pair || pair.old.seq !== pair.made.seq || pair.old.seq === 0) return null;
  const { old, made } = pair;
  if (old.type === made.type && sameAttrs(old.attrs ?? {}, made.attrs ?? {})) return null;
  const content = (node: DiffElement, side: 'before' | 'after'): string => JSON.stringify(diffSide(node.content ?? [], side));
  return content(old, 'before') === content(made, 'after') ? pair : null;
}
