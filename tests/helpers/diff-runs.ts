/** A diff's text runs as `[text, change, author's name]`, for reading test cases at a glance. */
import { isDiffText, type DiffNode, type DocDiff } from '../../document-schema/diff/diff-tree.js';

export function diffRuns(diff: DocDiff): [string, string, string][] {
  const out: [string, string, string][] = [];
  const visit = (nodes: readonly DiffNode[]): void => {
    for (const node of nodes) {
      if (isDiffText(node)) out.push([node.text, node.change, diff.authors[node.by]?.name ?? '?']);
      else visit(node.content ?? []);
    }
  };
  visit(diff.doc.content);
  return out;
}
