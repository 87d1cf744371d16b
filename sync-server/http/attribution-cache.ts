/**
 * Attribution indexes (persistence/attribution.ts) of the documents asked about lately, kept
 * between API calls: an index takes only the records added since it was last used, so the
 * editor refreshing its author colours while people type costs the new records, not the
 * whole history. A history that no longer continues the index (compacted: its first record
 * moved) gets a new one. At most `maxDocs` indexes are kept, the least recently used dropped.
 */
import { Attribution } from '../../persistence/attribution.js';
import type { DocHistory } from '../../persistence/archive.js';

export class AttributionCache {
  private readonly indexes = new Map<string, Attribution>();

  constructor(private readonly maxDocs = 16) {}

  /** An index holding every record of `history`. */
  of(history: DocHistory): Attribution {
    const { records } = history;
    const first = records[0]?.seq ?? 0;
    const last = records.at(-1)?.seq ?? 0;
    let index = this.indexes.get(history.name);
    if (index && (index.firstSeq !== first || index.lastSeq > last)) index = undefined;
    index ??= new Attribution();
    // Records are in order: the new ones are a tail.
    let start = records.length;
    while (start > 0 && (records[start - 1]?.seq ?? 0) > index.lastSeq) start -= 1;
    for (let i = start; i < records.length; i++) index.add(records[i] as DocHistory['records'][number]);
    this.indexes.delete(history.name);
    this.indexes.set(history.name, index);
    for (const name of this.indexes.keys()) {
      if (this.indexes.size <= this.maxDocs) break;
      this.indexes.delete(name);
    }
    return index;
  }
}
