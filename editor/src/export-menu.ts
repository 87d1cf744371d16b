/** "Export" in the document header: the server renders the file, the browser downloads it. */
import type { ApiClient, ExportFormat } from './api-client.js';
import { createMenuButton } from './menu-button.js';
import { Icons } from './icons.js';

const formats: { format: ExportFormat; label: string; extension: string }[] = [
  { format: 'markdown', label: 'Markdown', extension: 'md' },
  { format: 'html', label: 'HTML', extension: 'html' },
  { format: 'docx', label: 'Word', extension: 'docx' },
  { format: 'json', label: 'JSON (Tiptap)', extension: 'json' },
  { format: 'text', label: 'Plain text', extension: 'txt' },
];

/** A file name from a document name: path separators and other troublemakers become dashes. */
export function fileNameFor(docName: string, extension: string): string {
  const base = docName.replace(/[\u0000-\u001f\u007f/\\:*?"<>|]+/g, '-').replace(/^[.\s-]+|[.\s-]+$/g, '') || 'document';
  return `${base.slice(0, 120)}.${extension}`;
}

export interface ExportMenuOptions {
  api: ApiClient;
  docName: string;
  /** The version being previewed, if any: then that version is exported. */
  at(): number | null;
  onError(message: string): void;
}

export function createExportMenu(options: ExportMenuOptions): HTMLElement {
  return createMenuButton(
    'Export',
    Icons.download,
    formats.map(({ format, label, extension }) => ({
      label,
      hint: `.${extension}`,
      run: () => {
        download(options, format, extension).catch((error: unknown) => options.onError(`Export failed: ${(error as Error).message}`));
      },
    })),
    'export-menu',
  );
}

async function download(options: ExportMenuOptions, format: ExportFormat, extension: string): Promise<void> {
  const at = options.at();
  const response = await options.api.export(options.docName, format, at);
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileNameFor(at === null ? options.docName : `${options.docName} (version ${at})`, extension);
  document.body.append(link);
  link.click();
  link.remove();
  // Revoke later: some browsers start reading the blob only after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
