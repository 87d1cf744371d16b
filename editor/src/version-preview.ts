/**
 * A read-only rendering of an old version, from the server's JSON export. It is a plain
 * (non-collaborative) editor, so setting its content touches no shared document.
 */
import { Editor, type JSONContent } from '@tiptap/core';
import { documentExtensions } from '../../document-schema/document-extensions.js';
import { imageViews, type ImageSource } from './image-view.js';

// A document needs at least one block; an empty version is shown as one empty paragraph.
const EMPTY_DOC: JSONContent = { type: 'doc', content: [{ type: 'paragraph' }] };

/** The live editor's schema and rendering; links open with a plain click (it is read-only). */
export const previewExtensions = documentExtensions({ presentation: 'class' });

export function createVersionPreview(element: HTMLElement, content: unknown, images: ImageSource): Editor {
  return new Editor({
    element,
    editable: false,
    injectCSS: false, // see collaborative-editor.ts
    extensions: [...previewExtensions, imageViews({ source: images, editAlt: null })],
    content: isDocJson(content) && (content.content?.length ?? 0) > 0 ? content : EMPTY_DOC,
    editorProps: {
      attributes: { class: 'prose', 'aria-label': 'Preview of an earlier version', 'aria-readonly': 'true', role: 'document' },
    },
  });
}

function isDocJson(value: unknown): value is JSONContent {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'doc';
}
