/**
 * Tables (Tiptap's: a header row of `tableHeader` cells, body rows of `tableCell`s). Rendered
 * without the inline widths Tiptap writes on `<table>` and `<col>` — columns are not resizable
 * here, and style attributes are refused by the app's Content-Security-Policy. The live
 * editor draws tables through Tiptap's TableView, which sets what it needs through the CSSOM.
 */
import type { AnyExtension } from '@tiptap/core';
import { Table, TableCell, TableHeader, TableRow, renderTableToMarkdown } from '@tiptap/extension-table';
import { cellAlignmentAttribute, type Presentation } from './alignment.js';

export function tableExtensions(presentation: Presentation): AnyExtension[] {
  const align = cellAlignmentAttribute(presentation);
  return [
    Table.extend({
      renderHTML({ HTMLAttributes }) {
        return ['table', HTMLAttributes, ['tbody', 0]];
      },
      // Tiptap's own pads the GFM table with blank lines of its own, on top of the ones
      // between blocks.
      renderMarkdown: (node, helpers) => renderTableToMarkdown(node, helpers).trim(),
    }).configure({ resizable: false }),
    TableRow,
    TableHeader.extend({
      addAttributes() {
        return { ...this.parent?.(), align };
      },
    }),
    TableCell.extend({
      addAttributes() {
        return { ...this.parent?.(), align };
      },
    }),
  ];
}
