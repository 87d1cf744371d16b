/**
 * The document page's images: loaded with the page's access token, and added — pasted,
 * dropped or picked — only by people who may edit the text (the `write` role). Each is loaded
 * as the document's own file of its bytes (a document restored under another name still names
 * the old one: image-policy.ts), and from the address it names when the document has no such
 * file (an image just pasted from another document, before its copy is made).
 */
import type { AnyExtension } from '@tiptap/core';
import { documentFileUrl, ownFileUrl } from '../../document-schema/image-policy.js';
import type { ApiClient } from './api-client.js';
import { imageUploads, type ImageUploader } from './image-upload.js';
import { imageViews } from './image-view.js';
import { showToast } from './toast.js';

export interface DocumentImages {
  uploader: ImageUploader;
  /** For the editor, besides the document's schema. */
  extensions: AnyExtension[];
}

/** `editAlt` opens the selected image's alt text dialog (for those who may add images). */
export function documentImages(api: ApiClient, name: string, canAdd: boolean, editAlt: () => void): DocumentImages {
  const uploader: ImageUploader = {
    upload: (file) => api.uploadFile(name, file),
    onError: (message) => showToast(message, 'error', 10_000),
    ownFiles: documentFileUrl(name, ''),
    fetchFile: (src) => api.fetchFile(src),
  };
  const views = imageViews({ source: (src) => api.fileSrc(ownFileUrl(name, src) ?? src), fallback: (src) => api.fileSrc(src), editAlt: canAdd ? editAlt : null });
  return { uploader, extensions: [views, ...(canAdd ? [imageUploads(uploader)] : [])] };
}
