/**
 * The styles and numbering a .docx export defines (their names: word-styles.ts).
 */
import { AlignmentType, BorderStyle, LevelFormat, type ILevelsOptions, type INumberingOptions, type IStylesOptions } from 'docx';
import { WORD_STYLES, wordStyleId } from './word-styles.js';

const MONOSPACE = 'Consolas';
const CODE_SHADING = { type: 'clear', color: 'auto', fill: 'F3F4F6' } as const;

export const DOCX_STYLES: IStylesOptions = {
  paragraphStyles: [
    {
      id: wordStyleId(WORD_STYLES.quote),
      name: WORD_STYLES.quote,
      basedOn: 'Normal',
      next: 'Normal',
      quickFormat: true,
      run: { italics: true, color: '4B5563' },
      paragraph: { indent: { left: 720 }, border: { left: { style: BorderStyle.SINGLE, size: 12, color: 'D1D5DB', space: 8 } } },
    },
    {
      id: wordStyleId(WORD_STYLES.codeBlock),
      name: WORD_STYLES.codeBlock,
      basedOn: 'Normal',
      quickFormat: true,
      run: { font: MONOSPACE, size: 20 },
      paragraph: { spacing: { before: 0, after: 0 }, shading: CODE_SHADING },
    },
    {
      id: wordStyleId(WORD_STYLES.horizontalRule),
      name: WORD_STYLES.horizontalRule,
      basedOn: 'Normal',
      next: 'Normal',
      paragraph: { border: { bottom: { style: BorderStyle.SINGLE, size: 6, color: '9CA3AF', space: 1 } } },
    },
  ],
  characterStyles: [
    {
      id: wordStyleId(WORD_STYLES.inlineCode),
      name: WORD_STYLES.inlineCode,
      basedOn: 'DefaultParagraphFont',
      quickFormat: true,
      run: { font: MONOSPACE, shading: CODE_SHADING },
    },
  ],
};

/** Numbering references: bullets, checklists (no symbol: the checkbox is the marker), numbers from `start`. */
export const BULLETS = 'tandem-bullets';
export const CHECKLIST = 'tandem-checklist';
export const numbered = (start: number): string => `tandem-numbers-${start}`;

const BULLET_SYMBOLS = ['•', '◦', '▪'];

function levels(format: 'bullet' | 'none' | 'decimal', start = 1): ILevelsOptions[] {
  return Array.from({ length: 9 }, (_, level) => ({
    level,
    format: format === 'bullet' ? LevelFormat.BULLET : format === 'none' ? LevelFormat.NONE : LevelFormat.DECIMAL,
    text: format === 'bullet' ? (BULLET_SYMBOLS[level % BULLET_SYMBOLS.length] ?? '•') : format === 'none' ? '' : `%${level + 1}.`,
    start: level === 0 ? start : 1,
    alignment: AlignmentType.LEFT,
    style: { paragraph: { indent: { left: 720 * (level + 1), hanging: 360 } } },
  }));
}

/** The numbering definitions for the lists a document uses (`starts`: its numbered lists' first numbers). */
export function docxNumbering(starts: ReadonlySet<number>): INumberingOptions {
  return {
    config: [
      { reference: BULLETS, levels: levels('bullet') },
      { reference: CHECKLIST, levels: levels('none') },
      ...[...starts].map((start) => ({ reference: numbered(start), levels: levels('decimal', start) })),
    ],
  };
}
