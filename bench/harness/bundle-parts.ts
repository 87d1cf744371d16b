/**
 * The parts of the editor's bundle that `bench/bundle-size.ts` prices, each a set of modules
 * (by their path in the repository or in node_modules). A module belongs to the first part
 * that names it; what no part names is "other".
 */
export interface BundlePart {
  name: string;
  /** Matched against the module's id with `/` separators, from the repository root. */
  modules: RegExp;
}

const pkg = (names: string): RegExp => new RegExp(`node_modules/(?:${names})/`);

export const BUNDLE_PARTS: readonly BundlePart[] = [
  { name: 'ProseMirror core (model, state, transform, view)', modules: pkg('prosemirror-model|prosemirror-state|prosemirror-transform|prosemirror-view|orderedmap') },
  { name: 'Tiptap core (with ProseMirror commands and keymaps)', modules: pkg('@tiptap/core|prosemirror-commands|prosemirror-keymap|prosemirror-schema-list|w3c-keyname') },
  {
    name: 'Text: paragraphs, headings, quotes, code, marks, alignment, undo, cursors',
    modules: new RegExp(
      `${pkg('@tiptap/starter-kit|@tiptap/extensions|prosemirror-dropcursor|prosemirror-gapcursor|prosemirror-history|rope-sequence').source}` +
        `|node_modules/@tiptap/extension-(?:paragraph|heading|blockquote|bold|code|code-block|document|hard-break|horizontal-rule|italic|strike|text|underline|highlight|text-align)/` +
        '|document-schema/(?:alignment|inline-marks|document-extensions)\\.ts',
    ),
  },
  { name: 'Lists and checklists', modules: /node_modules\/@tiptap\/extension-list\/|document-schema\/task-items\.ts/ },
  { name: 'Links (with linkifyjs)', modules: /node_modules\/(?:@tiptap\/extension-link|linkifyjs)\/|document-schema\/(?:link-policy|safe-link)\.ts|editor\/src\/link-[a-z-]+\.ts/ },
  { name: 'Tables (with prosemirror-tables)', modules: /node_modules\/(?:@tiptap\/extension-table|prosemirror-tables)\/|document-schema\/tables\.ts|editor\/src\/remote-table-fix-guard\.ts/ },
  { name: 'Images (view, upload, alt text)', modules: /node_modules\/@tiptap\/extension-image\/|document-schema\/(?:document-image|image-policy)\.ts|editor\/src\/(?:image-[a-z-]+|document-images)\.ts/ },
  { name: 'Comments (threads, panel, highlights)', modules: /document-schema\/comments\/|editor\/src\/comments\// },
  { name: 'Yjs and lib0', modules: pkg('yjs|lib0') },
  { name: 'Collaboration binding (y-tiptap, Collaboration, carets)', modules: pkg('@tiptap/y-tiptap|@tiptap/extension-collaboration|@tiptap/extension-collaboration-caret') },
  {
    name: 'Sync and offline (y-websocket, y-protocols, y-indexeddb, saving)',
    modules: new RegExp(`${pkg('y-websocket|y-protocols|y-indexeddb').source}|editor/src/(?:collab-session|local-write-stash|save-tracker|selection-guard|connection-indicator)\\.ts`),
  },
  { name: 'History, versions and authorship', modules: /editor\/src\/(?:history-panel|version-[a-z-]+|word-count)\.ts|editor\/src\/(?:authorship|timeslider)\/|document-schema\/diff\// },
  { name: "Tandem's page: toolbar, menus, dialogs, presence, follow", modules: /editor\/src\// },
  { name: 'Shared with the server (document names)', modules: /sync-server\// },
];

export const OTHER_PART = 'Other (Vite runtime helpers)';

/** The part a module belongs to; `id` is its path from the repository root. */
export function partOf(id: string): string {
  return BUNDLE_PARTS.find((part) => part.modules.test(id))?.name ?? OTHER_PART;
}
