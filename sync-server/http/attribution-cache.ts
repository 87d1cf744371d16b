/**
 * Attribution indexes (persistence/attribution.ts) of the documents asked about lately, kept
 * between API calls: an index takes only the records added since it was last used, so the
 * editor refreshing its author colours while people type costs the new records, not the
 * whole history. A history that no longer continues the index gets a new one: compacted (its
 * first record moved), or another document under the same name (deleted and created again,
 * with as many records or more): its first record, or the last one the index took, is not the
 * one the index saw. At most `maxDocs` indexes are kept, the least recently used dropped.
 */
import { Attribution } from '../../persistence/attribution.js';
import type { DocHistory } from '../../persistence/archive.js';
import type { LogRecord } from '../../persistence/record.js';

interface Entry {
  index: Attribution;
  /** The history's first record and the last one the index took, as they were. */
  first: LogRecord | undefined;
  last: LogRecord | undefined;
}

const sameRecord = (a: LogRecord | undefined, b: LogRecord | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.seq === b.seq && a.timeMs === b.timeMs && a.author === b.author && Buffer.from(a.update).equals(b.update));

/** A copy of `record`: its update may be a view of a whole log's bytes, which it would keep. */
const keep = (record: LogRecord | undefined): LogRecord | undefined => record && { ...record, update: Uint8Array.from(record.update) };

/** The record of `seq` in `records` (in order, with gaps only where a log is damaged). */
function recordOf(records: readonly LogRecord[], seq: number): LogRecord | undefined {
  const guess = records[seq - (records[0]?.seq ?? 0)];
  return guess?.seq === seq ? guess : records.find((r) => r.seq === seq);
}

export class AttributionCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxDocs = 16) {}

  /** An index holding every record of `history`. */
  of(history: DocHistory): Attribution {
    const { records } = history;
    const last = records.at(-1)?.seq ?? 0;
    let entry = this.entries.get(history.name);
    if (entry && !this.continues(entry, records, last)) entry = undefined;
    entry ??= { index: new Attribution(), first: keep(records[0]), last: undefined };
    const { index } = entry;
    // Records are in order: the new ones are a tail.
    let start = records.length;
    while (start > 0 && (records[start - 1]?.seq ?? 0) > index.lastSeq) start -= 1;
    for (let i = start; i < records.length; i++) index.add(records[i] as LogRecord);
    if (entry.last?.seq !== index.lastSeq) entry.last = keep(recordOf(records, index.lastSeq));
    this.entries.delete(history.name);
    this.entries.set(history.name, entry);
    for (const name of this.entries.keys()) {
      if (this.entries.size <= this.maxDocs) break;
      this.entries.delete(name);
    }
    return index;
  }

  /** Whether `records` are the records `entry` indexed, perhaps with more after them. */
  private continues(entry: Entry, records: readonly LogRecord[], last: number): boolean {
    const { index } = entry;
    if (index.firstSeq !== (records[0]?.seq ?? 0) || index.lastSeq > last) return false;
    return sameRecord(entry.first, records[0]) && sameRecord(entry.last, recordOf(records, index.lastSeq));
  }
}
