import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { documentFileAddresses, documentFileReader } from '../../persistence/blobs.js';
import { EXPORT_FORMATS, exportDoc, isExportFormat } from '../../persistence/export-format.js';
import { docAt, lastSeq } from '../../persistence/replay.js';
import { UsageError, type Command } from '../command.js';
import { docNameArgument } from '../doc-name-argument.js';
import { POINT_FORMS, pointFlag, resolvePointFlag } from '../history-point-flag.js';
import { STORE_HELP, STORE_OPTIONS, storeFrom, withDocHistory } from '../data-dir-option.js';

function help(): string {
  return [
    `Usage: tandem export <doc> [--format ${EXPORT_FORMATS.join('|')}] [--at ${POINT_FORMS}] [--out <file>] [--data-dir ./data | --database-url <url>]`,
    '',
    'Prints a document as it is now, or as it was at a sequence number, a time or a named',
    'version (see `tandem history` and `tandem versions`). Rendered with the editor\'s own schema (document-schema/); links',
    'other than http(s) and mailto are left out (docs/document-format.md):',
    '  json      ProseMirror/Tiptap JSON of the "default" fragment, with a "comments" list (default)',
    '  html      HTML (alignment as inline styles)',
    '  markdown  Markdown: GFM tables and task lists, <u> and <mark> for underline and highlight',
    '  text      plain text, a blank line between blocks, table rows as tab-separated lines',
    '  yjs       the Yjs state as one binary update (for Y.applyUpdate)',
    '  docx      Word: headings, lists, checklists, tables, links, quotes, code; comment threads',
    '            as Word comments (use --out: it is a binary file)',
    'HTML and Markdown carry comment threads as notes at the end, marked in the text.',
    '',
    'Options:',
    '  --at <point>       A sequence number, an ISO time (the last update at or before it), or',
    '                     name:<version name> (a named version, e.g. "name:Sent to legal")',
    '  --out <file>       Write to a file instead of standard output',
    STORE_HELP,
  ].join('\n');
}

export const exportCommand: Command = {
  name: 'export',
  summary: 'Export a document (now or at a point in its history) as JSON, HTML, Markdown, text, Yjs or Word',
  help,
  async run(argv, env) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...STORE_OPTIONS, format: { type: 'string', default: 'json' }, at: { type: 'string' }, out: { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
    const name = docNameArgument(positionals);
    const { format } = values;
    if (!isExportFormat(format)) throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}, got "${format}"`);
    const at = values.at === undefined ? null : pointFlag(values.at, '--at');
    return withDocHistory('export', name, storeFrom(values, env), async (history, opened) => {
      const seq = at === null ? lastSeq(history) : await resolvePointFlag(history, at, opened.archive, '--at');
      const doc = await docAt(history, seq);
      const body = await exportDoc(doc, format, { title: name, readFile: documentFileReader(opened.blobs, name), fileAddress: await documentFileAddresses(opened.blobs, name) });
      doc.destroy();
      if (values.out) {
        await writeFile(values.out, body);
        process.stderr.write(`wrote ${JSON.stringify(name)} at seq ${seq} as ${format} to ${values.out}\n`);
      } else {
        await new Promise<void>((resolve, reject) => process.stdout.write(body, (error) => (error ? reject(error) : resolve())));
      }
      return 0;
    });
  },
};
