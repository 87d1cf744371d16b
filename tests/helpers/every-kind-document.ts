/** A document holding every node and mark of the document schema, with every rendering attribute. */
import type { JSONContent } from '@tiptap/core';

const text = (value: string, ...marks: JSONContent['marks'] & object): JSONContent => (marks.length > 0 ? { type: 'text', text: value, marks } : { type: 'text', text: value });
const paragraph = (...content: JSONContent[]): JSONContent => ({ type: 'paragraph', content });
const cell = (type: 'tableHeader' | 'tableCell', value: string, align?: string): JSONContent => ({ type, ...(align ? { attrs: { align } } : {}), content: [paragraph(text(value))] });

export const everyKindJson: JSONContent = {
  type: 'doc',
  content: [
    { type: 'heading', attrs: { level: 1, textAlign: 'center' }, content: [text('Offsite plan')] },
    {
      type: 'paragraph',
      attrs: { textAlign: 'right' },
      content: [
        text('Please '),
        text('read', { type: 'underline' }),
        text(' the '),
        text('key', { type: 'highlight' }),
        text(' parts, '),
        text('all', { type: 'bold' }, { type: 'italic' }),
        text(', not '),
        text('some', { type: 'strike' }),
        text(' of '),
        text('them', { type: 'code' }),
        text('.'),
        { type: 'hardBreak' },
        text('Docs', { type: 'link', attrs: { href: 'https://example.com/docs?a=1' } }),
        text(', '),
        text('mail us', { type: 'link', attrs: { href: 'mailto:team@example.com' } }),
        text(', '),
        text('not this', { type: 'link', attrs: { href: 'javascript:alert(1)' } }),
        text('.'),
      ],
    },
    { type: 'horizontalRule' },
    { type: 'image', attrs: { src: `/api/docs/Offsite%20plan/files/${'ab'.repeat(32)}`, alt: 'Venue map', title: 'The venue' } },
    // Written by some other client with an address that is no file of the server: its alt text shows.
    { type: 'image', attrs: { src: 'https://tracker.example/pixel.png', alt: 'Old logo' } },
    {
      type: 'taskList',
      content: [
        { type: 'taskItem', attrs: { checked: true }, content: [paragraph(text('Book the venue'))] },
        { type: 'taskItem', attrs: { checked: false }, content: [paragraph(text('Send the invitations'))] },
      ],
    },
    {
      type: 'table',
      content: [
        { type: 'tableRow', content: [cell('tableHeader', 'Item'), cell('tableHeader', 'Cost', 'right')] },
        { type: 'tableRow', content: [cell('tableCell', 'Venue'), cell('tableCell', '1200', 'right')] },
      ],
    },
    { type: 'bulletList', content: [{ type: 'listItem', content: [paragraph(text('one'))] }] },
    { type: 'orderedList', attrs: { start: 1 }, content: [{ type: 'listItem', content: [paragraph(text('first'))] }] },
    { type: 'blockquote', content: [paragraph(text('Quoted.'))] },
    { type: 'codeBlock', attrs: { language: null }, content: [text('x = 1')] },
  ],
};
