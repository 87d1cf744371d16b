/**
 * Who wrote the text a document holds now, for the editor's author colours
 * (`GET /api/docs/<doc>/authorship`): every stretch of visible text of the rich-text fragment
 * as `[client, clock, length, author, timeMs]` — the Yjs ids of its characters, an index into
 * `authors` and the time of the (latest) record that brought it (0 when unknown). The browser holds
 * the same items (it is in the same document), so it finds the runs by id in its own copy,
 * whatever it has typed since.
 */
import * as Y from 'yjs';
import type { DocHistory } from './archive.js';
import type { Attribution } from './attribution.js';
import { AuthorTable } from './author-table.js';
import { docAt } from './replay.js';
import { sharedKinds } from './shared-types.js';
import type { Authorship, AuthorshipRun } from '../document-schema/diff/authorship-json.js';

export type { Authorship, AuthorshipRun };

function collect(type: Y.XmlFragment | Y.XmlElement | Y.XmlText, attribution: Attribution, authors: AuthorTable, runs: AuthorshipRun[]): void {
  for (let item = type._start; item !== null; item = item.right) {
    if (item.deleted) continue;
    if (item.content instanceof Y.ContentType) {
      const child = item.content.type;
      if (child instanceof Y.XmlElement || child instanceof Y.XmlText) collect(child, attribution, authors, runs);
      continue;
    }
    if (!(item.content instanceof Y.ContentString)) continue;
    const { client } = item.id;
    attribution.insertSegments(client, item.id.clock, item.length, (from, to, seq) => {
      const author = authors.indexOfRecord(seq);
      const timeMs = attribution.record(seq)?.timeMs ?? 0;
      const last = runs.at(-1);
      // One run for what one person typed in one go, though it came in many records and
      // Yjs keeps it as several items; it keeps the latest time.
      if (last && last[0] === client && last[1] + last[2] === from && last[3] === author) {
        last[2] += to - from;
        last[4] = Math.max(last[4], timeMs);
      } else runs.push([client, from, to - from, author, timeMs]);
    });
  }
}

/** `attribution` must hold every record of `history`. */
export async function authorshipOf(history: DocHistory, attribution: Attribution): Promise<Authorship> {
  const seq = history.records.at(-1)?.seq ?? 0;
  const doc = await docAt(history, seq);
  try {
    const authors = new AuthorTable(attribution);
    const runs: AuthorshipRun[] = [];
    if (sharedKinds(doc).get('default') === 'xml') collect(doc.getXmlFragment('default'), attribution, authors, runs);
    return { name: history.name, seq, authors: authors.entries, runs };
  } finally {
    doc.destroy();
  }
}
