/**
 * Word (.docx) into HTML, by mammoth, for `parseHtml` to read into the schema.
 *
 * mammoth reads the document's structure, not its looks: headings by their styles, lists by
 * their numbering, tables, links, bold/italic/underline/strike, highlights, line breaks and
 * checkbox controls. The style map below adds what Tandem's own .docx export writes (docx-export:
 * quotes, code blocks, inline code, horizontal lines) and the usual names Word gives them, so
 * an exported document comes back with the same structure.
 *
 * Images come out as data: URLs, which the HTML reader makes files of the new document when
 * they are of a type documents show. External files (linked images, included text) are never
 * read.
 */
import { WORD_STYLES } from '../docx/word-styles.js';

const STYLE_MAP = [
  'u => u',
  'strike => s',
  'highlight => mark',
  `p[style-name='${WORD_STYLES.quote}'] => blockquote > p:fresh`,
  "p[style-name='Intense Quote'] => blockquote > p:fresh",
  `p[style-name='${WORD_STYLES.codeBlock}'] => pre:separator('\\n')`,
  "p[style-name='Code'] => pre:separator('\\n')",
  "p[style-name='HTML Preformatted'] => pre:separator('\\n')",
  `r[style-name='${WORD_STYLES.inlineCode}'] => code`,
  "r[style-name='HTML Code'] => code",
  `p[style-name='${WORD_STYLES.horizontalRule}'] => hr`,
  "p[style-name='Title'] => h1:fresh",
  "p[style-name='Subtitle'] => h2:fresh",
];

/**
 * mammoth reads a checkbox control as a checkbox and says it skipped the ☐/☒ glyph the control
 * shows: that is no loss.
 */
const BALLOT_BOX_SYMBOL = /^A w:sym element with an unsupported character was ignored: char 261[0-2] /;

export interface DocxHtml {
  html: string;
  /** mammoth's warnings (styles it did not know, things it skipped), without repeats. */
  warnings: string[];
}

/** Rejects with mammoth's error for a file that is not a Word document. */
export async function docxToHtml(bytes: Uint8Array): Promise<DocxHtml> {
  const { default: mammoth } = await import('mammoth');
  const result = await mammoth.convertToHtml(
    { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
    {
      styleMap: STYLE_MAP,
      externalFileAccess: false,
      // An empty paragraph in the Horizontal Line style is the line itself.
      ignoreEmptyParagraphs: false,
      // Images come as data: URLs, which the HTML reader makes files of (html-import.ts).
      convertImage: mammoth.images.dataUri,
    },
  );
  const warnings = [...new Set(result.messages.filter((m) => m.type === 'warning' && !BALLOT_BOX_SYMBOL.test(m.message)).map((m) => m.message))];
  // Empty paragraphs, which Word keeps for spacing, are not content. The Horizontal Line's own
  // element stays (written `<hr></hr>` when empty paragraphs are kept, which an HTML parser
  // does not read as one element).
  const html = result.value.replace(/<p><\/p>/g, '').replace(/<hr><\/hr>/g, '<hr>');
  return { html, warnings };
}
