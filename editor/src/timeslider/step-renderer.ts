/**
 * The document at a position of its timeline as ProseMirror nodes, with what changed since an
 * earlier position marked — text and nodes added, deleted (struck through) or reformatted, each
 * change with who made it and when — as the compare view shows a diff (document-schema/diff/).
 *
 * Stepping must cost what the step changed, not what the document holds: the document is
 * walked top-level node by top-level node (persistence/diff/diff-walk.ts), and a node nothing
 * changed in is rendered once and kept (the same object, so ProseMirror keeps its DOM too).
 * Moving from one view to the next renders again only the nodes touched by the steps between
 * the two positions and by the steps either view marks.
 */
import type { Node as PmNode, Schema } from '@tiptap/pm/model';
import * as Y from 'yjs';
import { DiffWalk } from '../../../persistence/diff/diff-walk.js';
import { isDiffText, mergedDiffDoc, type DiffNode } from '../../../document-schema/diff/diff-tree.js';
import { StepPoint, type TimelineModel } from './timeline-model.js';
import { ViewClaims } from './view-claims.js';

/** Beyond this many steps between two views, working out what they touched costs more than rendering everything. */
const MAX_STEPS_TO_COMPARE = 20_000;

export interface RenderedView {
  /** The document's top-level nodes. */
  nodes: PmNode[];
  /** Indexes into `nodes` of those with a change marked. */
  changed: number[];
}

function unchanged(node: DiffNode): boolean {
  return node.change === 'unchanged' && (isDiffText(node) || (node.content ?? []).every(unchanged));
}

export class StepRenderer {
  /** Top-level nodes with nothing marked, as rendered for the content at `shown.to`. */
  private readonly plain = new Map<Y.Item, PmNode[]>();
  private shown: { from: number; to: number } | null = null;

  constructor(
    private readonly model: TimelineModel,
    private readonly schema: Schema,
    /** Hover text of a change (its `by` and `time` are filled in). */
    private readonly describe: (node: DiffNode) => string,
  ) {}

  /** The document at position `to`, with the changes of the steps after `from` marked (`from` ≤ `to`). */
  render(from: number, to: number): RenderedView {
    this.forgetTouched(from, to);
    this.shown = { from, to };
    const claims = new ViewClaims(this.model.claims, from, to);
    const walk = new DiffWalk(new StepPoint(claims, from), new StepPoint(claims, to), claims, { from, to });
    const nodes: PmNode[] = [];
    const changed: number[] = [];
    // Marked nodes are joined as the walk joins siblings (a block retyped is one change).
    let marked: DiffNode[] = [];
    const flush = (): void => {
      if (marked.length === 0) return;
      for (const node of this.toProseMirror(walk.joinRetyped(marked))) {
        changed.push(nodes.length);
        nodes.push(node);
      }
      marked = [];
    };
    for (let item = this.model.fragment._start; item !== null; item = item.right) {
      if (!(item.content instanceof Y.ContentType)) continue;
      let kept = this.plain.get(item);
      if (!kept) {
        const out: DiffNode[] = [];
        walk.child(item, true, true, out);
        if (!out.every(unchanged)) {
          marked.push(...out);
          continue;
        }
        kept = this.toProseMirror(out);
        this.plain.set(item, kept);
      }
      flush();
      nodes.push(...kept);
    }
    flush();
    return { nodes, changed };
  }

  /** Drops the kept nodes that the move from the view shown to (from, to) may change. */
  private forgetTouched(from: number, to: number): void {
    const shown = this.shown;
    if (!shown) return;
    const spans: [number, number][] = [[shown.from, shown.to], [from, to], [Math.min(shown.to, to), Math.max(shown.to, to)]];
    if (spans.reduce((sum, [a, b]) => sum + b - a, 0) > MAX_STEPS_TO_COMPARE) {
      this.plain.clear();
      return;
    }
    for (const [a, b] of spans) {
      for (let step = a + 1; step <= b; step++) for (const block of this.model.touchedBy(step)) this.plain.delete(block);
    }
  }

  /** Stamps changes with their author and time, and makes the nodes the schema accepts. */
  private toProseMirror(nodes: DiffNode[]): PmNode[] {
    if (nodes.length === 0) return [];
    this.stamp(nodes);
    const json = mergedDiffDoc({ doc: { type: 'doc', content: nodes } }, this.describe);
    const out: PmNode[] = [];
    for (const child of json.content ?? []) {
      // Shown as it is, as the compare view and exports show it, even in a shape the schema
      // would not make (concurrent edits can leave one); only what it does not know is left out.
      try {
        const node = this.schema.nodeFromJSON(child);
        // Only blocks belong at the top (text straight in the fragment is not the editor's).
        if (node.isBlock) out.push(node);
      } catch {
        // A node or mark type this editor does not have.
      }
    }
    return out;
  }

  private stamp(nodes: readonly DiffNode[]): void {
    for (const node of nodes) {
      if (node.change !== 'unchanged') {
        node.by = this.model.authorIndexAt(node.seq);
        const time = this.model.timeAt(node.seq);
        node.time = time === null ? null : new Date(time).toISOString();
      }
      if (!isDiffText(node) && node.content) this.stamp(node.content);
    }
  }
}
