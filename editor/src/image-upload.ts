/**
 * Adding images: pasted, dropped or picked files are uploaded to the document's server and
 * inserted as image nodes where they were put. Meanwhile a placeholder shows there — on this
 * page only (a decoration, never part of the shared document), kept on its place while others
 * edit by a Yjs relative position (tracked-range.ts). The server decides what it accepts
 * (PNG, JPEG, GIF, WebP, by their bytes); a refusal is shown with the server's reason and
 * leaves the document as it was.
 *
 * A paste that also carries text (Word and spreadsheets put a picture of the copied cells on
 * the clipboard besides the cells themselves) pastes the text, not the picture.
 *
 * Images copied from another document are copied into this one once pasted: each document
 * keeps its own files (its readers may not read the other document, which may also go away).
 * One whose bytes the document holds already (an image naming the name it had before a
 * restore under another name) is only pointed at the document's own file.
 */
import { Extension, type Editor } from '@tiptap/core';
import type { Slice } from '@tiptap/pm/model';
import { Plugin, PluginKey, type EditorState, type Transaction } from '@tiptap/pm/state';
import { Decoration, DecorationSet, type EditorView } from '@tiptap/pm/view';
import type { UploadedFile } from './api-client.js';
import { fileSha256 } from '../../document-schema/image-policy.js';
import { h } from './dom.js';
import { trackRange } from './tracked-range.js';

export interface ImageUploader {
  upload(file: File): Promise<UploadedFile>;
  onError(message: string): void;
  /** Where this document's files are: `/api/docs/<document>/files/`. */
  ownFiles: string;
  /** Another document's file, read with this page's access. */
  fetchFile(stored: string): Promise<Blob>;
}

interface Placeholder {
  id: number;
  label: string;
  /** Where it is now; null once its place is gone. */
  where(): number | null;
}

type PlaceholderChange = { add: Placeholder } | { remove: number };

const placeholders = new PluginKey<readonly Placeholder[]>('tandemImageUploads');
let nextId = 0;

function placeholderDecorations(state: EditorState): DecorationSet | null {
  const list = placeholders.getState(state) ?? [];
  if (list.length === 0) return null;
  const decorations = list.flatMap((p) => {
    const pos = p.where();
    if (pos === null || pos > state.doc.content.size) return [];
    const widget = (): HTMLElement => h('span', { class: 'image-uploading', role: 'status', 'data-testid': 'image-uploading' }, p.label);
    return [Decoration.widget(pos, widget, { key: `upload-${p.id}`, side: -1 })];
  });
  return DecorationSet.create(state.doc, decorations);
}

function change(editor: Editor, meta: PlaceholderChange): void {
  if (!editor.isDestroyed) editor.view.dispatch(editor.state.tr.setMeta(placeholders, meta));
}

/**
 * An image that ends the document gets an empty paragraph after it, so there is somewhere to
 * write below it (the document keeps no trailing paragraph of its own: every client would add
 * one). Only the person inserting the image adds it.
 */
function paragraphAfterFinalImage({ tr }: { tr: Transaction }): boolean {
  const paragraph = tr.doc.type.schema.nodes['paragraph'];
  if (tr.doc.lastChild?.type.name === 'image' && paragraph) tr.insert(tr.doc.content.size, paragraph.create());
  return true;
}

/** Uploads `files` one after the other and inserts each, in order, at `at` as it stands then. */
export async function addImages(editor: Editor, uploader: ImageUploader, files: readonly File[], at: number): Promise<void> {
  const pending = files.map((file) => {
    const track = trackRange(editor, { from: at, to: at });
    const placeholder: Placeholder = { id: (nextId += 1), label: `Uploading ${file.name || 'image'}…`, where: () => track()?.from ?? null };
    change(editor, { add: placeholder });
    return { file, placeholder };
  });
  for (const { file, placeholder } of pending) {
    let stored: UploadedFile;
    try {
      stored = await uploader.upload(file);
    } catch (error) {
      change(editor, { remove: placeholder.id });
      uploader.onError(`Could not add “${file.name || 'the image'}”: ${(error as Error).message}`);
      continue;
    }
    const pos = placeholder.where();
    change(editor, { remove: placeholder.id });
    if (editor.isDestroyed) return;
    if (pos === null) {
      uploader.onError(`“${file.name || 'The image'}” was not added: the text where it was to go was deleted meanwhile.`);
      continue;
    }
    editor.chain().insertContentAt(pos, { type: 'image', attrs: { src: stored.url, alt: '' } }).command(paragraphAfterFinalImage).run();
  }
}

/** The addresses of images in `slice` that are another document's files. */
function foreignImages(slice: Slice, ownFiles: string): string[] {
  const found = new Set<string>();
  slice.content.descendants((node) => {
    const src: unknown = node.attrs['src'];
    if (node.type.name === 'image' && typeof src === 'string' && !src.startsWith(ownFiles)) found.add(src);
  });
  return [...found];
}

/** This document's address of the file `src` names, when this document holds it; else null. */
async function heldCopy(uploader: ImageUploader, src: string): Promise<string | null> {
  const sha256 = fileSha256(src);
  if (sha256 === null) return null;
  const own = `${uploader.ownFiles}${sha256}`;
  return uploader.fetchFile(own).then(
    () => own,
    () => null,
  );
}

/** Copies other documents' files into this one and points the images at the copies. */
async function adoptImages(editor: Editor, uploader: ImageUploader, sources: readonly string[]): Promise<void> {
  for (const src of sources) {
    let url: string;
    try {
      const held = await heldCopy(uploader, src);
      if (held !== null) url = held;
      else {
        const blob = await uploader.fetchFile(src);
        url = (await uploader.upload(new File([blob], 'pasted image', { type: blob.type }))).url;
      }
    } catch (error) {
      uploader.onError(`A pasted image could not be copied into this document: ${(error as Error).message}`);
      continue;
    }
    if (editor.isDestroyed) return;
    const { tr } = editor.state;
    editor.state.doc.descendants((node, pos) => {
      if (node.type.name === 'image' && node.attrs['src'] === src) tr.setNodeMarkup(pos, undefined, { ...node.attrs, src: url });
    });
    if (tr.docChanged) editor.view.dispatch(tr);
  }
}

/** Whether pasted HTML holds text (and not only pictures). */
function hasText(html: string): boolean {
  if (html.trim() === '') return false;
  return (new DOMParser().parseFromString(html, 'text/html').body.textContent ?? '').trim() !== '';
}

export function imageUploads(uploader: ImageUploader): Extension {
  return Extension.create({
    name: 'tandemImageUploads',
    addProseMirrorPlugins() {
      const editor = this.editor;
      const start = (view: EditorView, files: File[], at: number): boolean => {
        if (files.length === 0 || !view.editable) return false;
        void addImages(editor, uploader, files, at);
        return true;
      };
      return [
        new Plugin<readonly Placeholder[]>({
          key: placeholders,
          state: {
            init: () => [],
            apply(tr, list) {
              const meta = tr.getMeta(placeholders) as PlaceholderChange | undefined;
              if (!meta) return list;
              return 'add' in meta ? [...list, meta.add] : list.filter((p) => p.id !== meta.remove);
            },
          },
          props: {
            decorations: placeholderDecorations,
            handlePaste(view, event, slice) {
              const files = [...(event.clipboardData?.files ?? [])];
              if (files.length > 0 && !hasText(event.clipboardData?.getData('text/html') ?? '')) return start(view, files, view.state.selection.from);
              const foreign = view.editable ? foreignImages(slice, uploader.ownFiles) : [];
              // After the paste itself, which this leaves to the editor.
              if (foreign.length > 0) setTimeout(() => void adoptImages(editor, uploader, foreign));
              return false;
            },
            handleDrop(view, event, _slice, moved) {
              const files = [...(event.dataTransfer?.files ?? [])];
              if (moved || files.length === 0) return false;
              event.preventDefault();
              const at = view.posAtCoords({ left: event.clientX, top: event.clientY })?.pos ?? view.state.selection.from;
              return start(view, files, at);
            },
          },
        }),
      ];
    },
  });
}

/** The toolbar's Image button: the system file picker, then `addImages` at the caret. */
export function pickImages(editor: Editor, uploader: ImageUploader): void {
  if (!editor.isEditable) return;
  const input = h('input', { type: 'file', accept: 'image/png,image/jpeg,image/gif,image/webp', multiple: true, hidden: true, 'data-testid': 'image-file-input' });
  input.addEventListener('change', () => {
    const files = [...(input.files ?? [])];
    input.remove();
    if (files.length > 0) void addImages(editor, uploader, files, editor.state.selection.from);
  });
  input.addEventListener('cancel', () => input.remove());
  document.body.append(input);
  input.click();
}
