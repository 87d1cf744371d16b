/**
 * The names of the Word styles Tandem writes for what Word has no element of its own for. The
 * exporter defines them (docx-styles.ts) and the importer maps them back (import/docx-import.ts),
 * so a document exported and imported again keeps its quotes, code and lines. Word shows the
 * names in its style list.
 */
export const WORD_STYLES = {
  quote: 'Quote',
  codeBlock: 'Code Block',
  inlineCode: 'Inline Code',
  horizontalRule: 'Horizontal Line',
} as const;

/** A style's id: its name without spaces (`Inline Code` → `InlineCode`). */
export function wordStyleId(name: string): string {
  return name.replace(/\s+/g, '');
}
