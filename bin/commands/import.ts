import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import * as Y from 'yjs';
import { IMPORT_FORMAT_NAMES, ImportError, importDocument, importFormatOf, type ImportFormat, type ImportLimits } from '../../persistence/import/import-format.js';
import { DEFAULT_CONFIG, SERVER_OPTIONS } from '../../sync-server/config.js';
import { hasContent } from '../../persistence/shared-types.js';
import { CommandError, UsageError, type Command } from '../command.js';
import { docNameArgument } from '../doc-name-argument.js';
import { STORE_HELP, STORE_OPTIONS, storeFrom } from '../data-dir-option.js';
import { documentFileUrl } from '../../document-schema/image-policy.js';
import { TOKEN_HELP, callServer, serverRefusal, tokenFrom, writeTarget, type WriteTarget } from '../write-target.js';

function help(): string {
  return [
    'Usage: tandem import <file> [--doc <name>] [--format markdown|html|docx] [--data-dir ./data | --database-url <url>] [--token <jwt>]',
    '',
    'Makes a new document from a Markdown (.md), HTML (.html) or Word (.docx) file, converted',
    "to the editor's own schema (docs/document-format.md): headings, lists, checklists, tables,",
    'links, quotes, code, emphasis, and the images the file holds (PNG, JPEG, GIF, WebP, stored',
    'as the document\'s files). What a document cannot hold is left out, and said so.',
    'The document must be new or empty: an import never merges into existing content.',
    'A Word file may unpack to at most four times --max-import-bytes (TANDEM_MAX_IMPORT_BYTES,',
    '20 MiB by default), in at most 10,000 parts; a larger one is refused before it is read.',
    '',
    'When a server is running on the data dir (or the database), the import goes through its',
    'HTTP API (POST /api/docs/<doc>/import), so anyone with the document open sees it at once;',
    'otherwise it is written to the data dir (or the database) directly.',
    '',
    'Options:',
    '  --doc <name>       The new document\'s name (default: the file name without its extension)',
    '  --format <format>  markdown, html or docx (default: from the file name\'s extension)',
    STORE_HELP,
    TOKEN_HELP,
  ].join('\n');
}

function printNotes(notes: readonly unknown[]): void {
  for (const note of notes) process.stderr.write(`note: ${String(note)}\n`);
}

async function throughServer(serverUrl: string, name: string, format: ImportFormat, bytes: Uint8Array, token: string | null): Promise<number> {
  const path = `/api/docs/${encodeURIComponent(name)}/import?format=${format}`;
  const answer = await callServer(serverUrl, 'POST', path, { token, type: 'application/octet-stream', body: bytes });
  if (!answer.ok) {
    process.stderr.write(serverRefusal('import', serverUrl, answer));
    return 1;
  }
  printNotes(Array.isArray(answer.body['notes']) ? answer.body['notes'] : []);
  process.stdout.write(`Imported ${JSON.stringify(name)} as seq ${String(answer.body['seq'])} (through the server at ${serverUrl}).\n`);
  return 0;
}

/** The limits `tandem serve` would import with here: --max-import-bytes as its environment sets it. */
function importLimits(env: NodeJS.ProcessEnv): ImportLimits {
  const option = SERVER_OPTIONS.find((o) => o.flag === 'max-import-bytes');
  const raw = option ? env[option.env] : undefined;
  return { maxImportBytes: option && raw ? Number(option.parse(raw, option.env)) : DEFAULT_CONFIG.maxImportBytes };
}

/** Writes the import into a store no server is using: its images as files, then its content. */
async function importInto(target: Extract<WriteTarget, { kind: 'store' }>, name: string, format: ImportFormat, bytes: Uint8Array, limits: ImportLimits): Promise<number> {
  const { store, blobs, where } = target;
  const existing = await store.load(name);
  const doc = new Y.Doc();
  Y.applyUpdate(doc, existing.state);
  const empty = !hasContent(doc);
  doc.destroy();
  if (!empty) throw new CommandError(`document ${JSON.stringify(name)} in ${where} already has content: import into a new document (an import never merges)`);
  let imported: Awaited<ReturnType<typeof importDocument>>;
  try {
    imported = await importDocument(bytes, format, (sha256) => documentFileUrl(name, sha256), limits);
  } catch (error) {
    if (error instanceof ImportError) throw new CommandError(error.message);
    throw error;
  }
  for (const image of imported.images) await blobs.putBlob(name, image.sha256, image.data);
  const seq = await store.append(name, imported.update, { author: null });
  printNotes(imported.notes);
  process.stdout.write(`Imported ${JSON.stringify(name)} as seq ${seq} into ${where}.\n`);
  return 0;
}

export const importCommand: Command = {
  name: 'import',
  summary: 'Make a new document from a Markdown, HTML or Word file',
  help,
  async run(argv, env) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...STORE_OPTIONS, doc: { type: 'string' }, format: { type: 'string' }, token: { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
    const [file, ...extra] = positionals;
    if (file === undefined || extra.length > 0) throw new UsageError('give exactly one file to import');
    const format = importFormatOf(values.format ?? file);
    if (format === null) throw new UsageError(`cannot tell the format of ${JSON.stringify(values.format ?? file)}: give a ${IMPORT_FORMAT_NAMES} file, or --format`);
    const name = docNameArgument([values.doc ?? basename(file, extname(file))]);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (error) {
      throw new CommandError(`cannot read ${file}: ${(error as Error).message}`);
    }
    const target = await writeTarget('import', storeFrom(values, env));
    if (target.kind === 'server') return throughServer(target.url, name, format, bytes, tokenFrom(values.token, env));
    try {
      return await importInto(target, name, format, bytes, importLimits(env));
    } finally {
      await target.close();
    }
  },
};
