/**
 * Everything the editor can be told to do, in one table: the toolbar draws its controls from
 * it, `commandKeymap` binds its keys, and the shortcut sheet lists them — so a shortcut that
 * is shown is bound, and one that is bound is shown. Keys that Tiptap's own extensions handle
 * with no toolbar control (Tab in a table…) and the Markdown-style typing shortcuts are listed
 * at the end, for the sheet.
 */
import { Extension, type Editor } from '@tiptap/core';
import type { Transaction } from '@tiptap/pm/state';
import { Icons } from './icons.js';

/** What commands need from the page around the editor. */
export interface EditorActions {
  openLinkDialog(): void;
  openShortcutSheet(): void;
  /** Starts a comment on the selected text (comments-feature.ts). */
  addComment(): void;
  /** The file picker; the chosen images are uploaded and inserted at the caret. */
  pickImage(): void;
  /** The alt text dialog of the selected image. */
  editImageAlt(): void;
}

export interface EditorCommand {
  id: string;
  label: string;
  /** Tiptap key names, e.g. `Mod-Shift-8`. */
  keys?: string;
  /** Set for toolbar buttons; a group drawn as the style picker uses none. */
  icon?: string;
  run(editor: Editor, actions: EditorActions): boolean;
  active?(editor: Editor): boolean;
  enabled?(editor: Editor): boolean;
}

export interface CommandGroup {
  id: string;
  label: string;
  /** `picker`: one select (the text style); `buttons`: one button each. */
  control: 'picker' | 'buttons';
  commands: EditorCommand[];
  /** Shown on the toolbar only while this holds (the table tools, inside a table). */
  visible?(editor: Editor): boolean;
}

const inTable = (e: Editor): boolean => e.isActive('table');
const imageSelected = (e: Editor): boolean => e.isActive('image');

/**
 * A table that ends the document gets an empty paragraph after it, so there is somewhere to
 * write below it (the document keeps no trailing paragraph of its own: every client would add
 * one). Only the person inserting the table adds it.
 */
const paragraphAfterFinalTable = ({ tr }: { tr: Transaction }): boolean => {
  const { $from } = tr.selection;
  for (let depth = $from.depth; depth > 0; depth--) {
    if ($from.node(depth).type.name !== 'table') continue;
    const after = $from.after(depth);
    const paragraph = tr.doc.type.schema.nodes['paragraph'];
    if (after === tr.doc.content.size && paragraph) tr.insert(after, paragraph.create());
    break;
  }
  return true;
};

const align = (value: 'left' | 'center' | 'right' | 'justify', label: string, keys: string, icon: string): EditorCommand => ({
  id: `align-${value}`,
  label,
  keys,
  icon,
  run: (e) => e.chain().focus().setTextAlign(value).run(),
  // A block without alignment is left-aligned.
  active: (e) => e.isActive({ textAlign: value }) || (value === 'left' && !['center', 'right', 'justify'].some((v) => e.isActive({ textAlign: v }))),
});

const heading = (level: 1 | 2 | 3): EditorCommand => ({
  id: `h${level}`,
  label: `Heading ${level}`,
  keys: `Mod-Alt-${level}`,
  run: (e) => e.chain().focus().setHeading({ level }).run(),
  active: (e) => e.isActive('heading', { level }),
});

const tableTool = (id: string, label: string, icon: string, run: (e: Editor) => boolean, can: (e: Editor) => boolean): EditorCommand => ({
  id,
  label,
  icon,
  run,
  enabled: can,
});

export const COMMAND_GROUPS: CommandGroup[] = [
  {
    id: 'style',
    label: 'Text style',
    control: 'picker',
    commands: [
      { id: 'paragraph', label: 'Normal text', keys: 'Mod-Alt-0', run: (e) => e.chain().focus().setParagraph().run(), active: (e) => e.isActive('paragraph') },
      heading(1),
      heading(2),
      heading(3),
    ],
  },
  {
    id: 'marks',
    label: 'Text',
    control: 'buttons',
    commands: [
      { id: 'bold', label: 'Bold', icon: Icons.bold, keys: 'Mod-b', run: (e) => e.chain().focus().toggleBold().run(), active: (e) => e.isActive('bold') },
      { id: 'italic', label: 'Italic', icon: Icons.italic, keys: 'Mod-i', run: (e) => e.chain().focus().toggleItalic().run(), active: (e) => e.isActive('italic') },
      { id: 'underline', label: 'Underline', icon: Icons.underline, keys: 'Mod-u', run: (e) => e.chain().focus().toggleUnderline().run(), active: (e) => e.isActive('underline') },
      { id: 'strike', label: 'Strikethrough', icon: Icons.strike, keys: 'Mod-Shift-s', run: (e) => e.chain().focus().toggleStrike().run(), active: (e) => e.isActive('strike') },
      { id: 'highlight', label: 'Highlight', icon: Icons.highlight, keys: 'Mod-Shift-h', run: (e) => e.chain().focus().toggleHighlight().run(), active: (e) => e.isActive('highlight') },
      { id: 'code', label: 'Inline code', icon: Icons.code, keys: 'Mod-e', run: (e) => e.chain().focus().toggleCode().run(), active: (e) => e.isActive('code') },
      {
        id: 'link',
        label: 'Link',
        icon: Icons.link,
        keys: 'Mod-k',
        run: (_e, actions) => {
          actions.openLinkDialog();
          return true;
        },
        active: (e) => e.isActive('link'),
      },
    ],
  },
  {
    id: 'blocks',
    label: 'Paragraphs',
    control: 'buttons',
    commands: [
      { id: 'bulletList', label: 'Bulleted list', icon: Icons.bulletList, keys: 'Mod-Shift-8', run: (e) => e.chain().focus().toggleBulletList().run(), active: (e) => e.isActive('bulletList') },
      { id: 'orderedList', label: 'Numbered list', icon: Icons.orderedList, keys: 'Mod-Shift-7', run: (e) => e.chain().focus().toggleOrderedList().run(), active: (e) => e.isActive('orderedList') },
      { id: 'taskList', label: 'Checklist', icon: Icons.taskList, keys: 'Mod-Shift-9', run: (e) => e.chain().focus().toggleTaskList().run(), active: (e) => e.isActive('taskList') },
      { id: 'blockquote', label: 'Quote', icon: Icons.quote, keys: 'Mod-Shift-b', run: (e) => e.chain().focus().toggleBlockquote().run(), active: (e) => e.isActive('blockquote') },
      { id: 'codeBlock', label: 'Code block', icon: Icons.codeBlock, keys: 'Mod-Alt-c', run: (e) => e.chain().focus().toggleCodeBlock().run(), active: (e) => e.isActive('codeBlock') },
    ],
  },
  {
    id: 'align',
    label: 'Alignment',
    control: 'buttons',
    commands: [
      align('left', 'Align left', 'Mod-Shift-l', Icons.alignLeft),
      align('center', 'Center', 'Mod-Shift-e', Icons.alignCenter),
      align('right', 'Align right', 'Mod-Shift-r', Icons.alignRight),
      align('justify', 'Justify', 'Mod-Shift-j', Icons.alignJustify),
    ],
  },
  {
    id: 'insert',
    label: 'Insert',
    control: 'buttons',
    commands: [
      {
        id: 'insertTable',
        label: 'Insert table',
        icon: Icons.table,
        run: (e) => e.chain().focus().insertTable({ rows: 3, cols: 3, withHeaderRow: true }).command(paragraphAfterFinalTable).run(),
        enabled: (e) => !inTable(e) && e.can().insertTable(),
      },
      { id: 'horizontalRule', label: 'Horizontal line', icon: Icons.horizontalRule, run: (e) => e.chain().focus().setHorizontalRule().run(), enabled: (e) => e.can().setHorizontalRule() },
      {
        id: 'image',
        label: 'Insert image',
        icon: Icons.image,
        run: (_e, actions) => {
          actions.pickImage();
          return true;
        },
      },
    ],
  },
  {
    id: 'comment',
    label: 'Comments',
    control: 'buttons',
    commands: [
      {
        id: 'comment',
        label: 'Comment',
        icon: Icons.comment,
        keys: 'Mod-Alt-m',
        run: (_e, actions) => {
          actions.addComment();
          return true;
        },
      },
    ],
  },
  {
    id: 'history',
    label: 'Undo and redo',
    control: 'buttons',
    commands: [
      { id: 'undo', label: 'Undo', icon: Icons.undo, keys: 'Mod-z', run: (e) => e.chain().focus().undo().run(), enabled: (e) => e.can().undo() },
      { id: 'redo', label: 'Redo', icon: Icons.redo, keys: 'Mod-Shift-z', run: (e) => e.chain().focus().redo().run(), enabled: (e) => e.can().redo() },
    ],
  },
  {
    id: 'help',
    label: 'Help',
    control: 'buttons',
    commands: [
      {
        id: 'shortcuts',
        label: 'Keyboard shortcuts',
        icon: Icons.keyboard,
        keys: 'Mod-/',
        run: (_e, actions) => {
          actions.openShortcutSheet();
          return true;
        },
      },
    ],
  },
  {
    id: 'table',
    label: 'Table',
    control: 'buttons',
    visible: inTable,
    commands: [
      tableTool('addRowBefore', 'Add row above', Icons.rowBefore, (e) => e.chain().focus().addRowBefore().run(), (e) => e.can().addRowBefore()),
      tableTool('addRowAfter', 'Add row below', Icons.rowAfter, (e) => e.chain().focus().addRowAfter().run(), (e) => e.can().addRowAfter()),
      tableTool('deleteRow', 'Delete row', Icons.deleteRow, (e) => e.chain().focus().deleteRow().run(), (e) => e.can().deleteRow()),
      tableTool('addColumnBefore', 'Add column left', Icons.columnBefore, (e) => e.chain().focus().addColumnBefore().run(), (e) => e.can().addColumnBefore()),
      tableTool('addColumnAfter', 'Add column right', Icons.columnAfter, (e) => e.chain().focus().addColumnAfter().run(), (e) => e.can().addColumnAfter()),
      tableTool('deleteColumn', 'Delete column', Icons.deleteColumn, (e) => e.chain().focus().deleteColumn().run(), (e) => e.can().deleteColumn()),
      {
        ...tableTool('toggleHeaderRow', 'Header row', Icons.headerRow, (e) => e.chain().focus().toggleHeaderRow().run(), (e) => e.can().toggleHeaderRow()),
        active: (e) => e.isActive('tableHeader'),
      },
      tableTool('deleteTable', 'Delete table', Icons.deleteTable, (e) => e.chain().focus().deleteTable().run(), (e) => e.can().deleteTable()),
    ],
  },
  {
    id: 'imageTools',
    label: 'Image',
    control: 'buttons',
    visible: imageSelected,
    commands: [
      {
        id: 'imageAlt',
        label: 'Alt text',
        icon: Icons.altText,
        run: (_e, actions) => {
          actions.editImageAlt();
          return true;
        },
      },
      { id: 'deleteImage', label: 'Delete image', icon: Icons.close, run: (e) => e.chain().focus().deleteSelection().run() },
    ],
  },
];

/** Keys Tiptap's own extensions handle, with no toolbar control. */
export const EDITOR_KEYS: { keys: string; label: string }[] = [
  { keys: 'Shift-Enter', label: 'Line break within a paragraph' },
  { keys: 'Tab', label: 'Next table cell (a new row after the last); indent a list item' },
  { keys: 'Shift-Tab', label: 'Previous table cell; outdent a list item' },
  { keys: 'Enter', label: 'Twice at the end of a list or code block: leave it' },
  { keys: 'Mod-Enter', label: 'Leave a code block' },
];

/** Markdown-style shortcuts that turn into formatting as you type (Tiptap's input rules). */
export const TYPING_SHORTCUTS: { type: string; label: string }[] = [
  { type: '# ', label: 'Heading 1 (## and ### for 2 and 3)' },
  { type: '- ', label: 'Bulleted list (or * )' },
  { type: '1. ', label: 'Numbered list' },
  { type: '[ ] ', label: 'Checklist ([x] for a ticked item)' },
  { type: '> ', label: 'Quote' },
  { type: '```', label: 'Code block' },
  { type: '---', label: 'Horizontal line' },
  { type: '**bold**', label: 'Bold' },
  { type: '*italic*', label: 'Italic' },
  { type: '~~strike~~', label: 'Strikethrough' },
  { type: '==highlight==', label: 'Highlight' },
  { type: '`code`', label: 'Inline code' },
];

/** The table's keys, bound in the editor ahead of Tiptap's own (they do the same). */
export function commandKeymap(actions: EditorActions): Extension {
  return Extension.create({
    name: 'tandemCommandKeys',
    priority: 1000,
    addKeyboardShortcuts() {
      const bindings: Record<string, () => boolean> = {};
      for (const group of COMMAND_GROUPS) {
        for (const command of group.commands) {
          if (command.keys) bindings[command.keys] = () => command.run(this.editor, actions);
        }
      }
      return bindings;
    },
  });
}

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

/** `Mod-Shift-8` → `Ctrl+Shift+8` (or `⌘⇧8` on a Mac), for people. */
export function shortcutLabel(keys: string, mac = isMac): string {
  const parts = keys.split('-');
  if (mac) {
    const symbols: Record<string, string> = { Mod: '⌘', Shift: '⇧', Alt: '⌥', Enter: '↩', Tab: '⇥' };
    return parts.map((p) => symbols[p] ?? p.toUpperCase()).join('');
  }
  return parts.map((p) => (p === 'Mod' ? 'Ctrl' : p.length === 1 ? p.toUpperCase() : p)).join('+');
}

/** `Mod-Shift-8` → `Control+Shift+8`, the aria-keyshortcuts syntax. */
export function ariaShortcut(keys: string, mac = isMac): string {
  return keys
    .split('-')
    .map((p) => (p === 'Mod' ? (mac ? 'Meta' : 'Control') : p.length === 1 ? p.toUpperCase() : p))
    .join('+');
}
