/**
 * The people a diff or an authorship answer names, each once: records' authors turned into
 * writers (author.ts: a token's user, a self-declared name, or nobody known; restored and
 * recovered text marked as such) and numbered in order of first use, so that every stretch of
 * text carries a small index instead of a name. Two entries differ by who wrote (`id`) or by
 * how the text came (`via`): a person's typing and their restores are two entries of one id.
 */
import type { Attribution } from './attribution.js';
import { writerOf } from './author.js';
import type { DiffAuthor } from '../document-schema/diff/diff-tree.js';

export class AuthorTable {
  readonly entries: DiffAuthor[] = [];
  private readonly byKey = new Map<string, number>();
  private readonly byRecordAuthor = new Map<string | null, number>();

  constructor(private readonly attribution: Attribution) {}

  /** The entry of the record at `seq`; the unknown writer for 0 and records not kept. */
  indexOfRecord(seq: number): number {
    const facts = this.attribution.record(seq);
    return this.indexOfAuthor(facts === null ? null : facts.author);
  }

  /** The record's time as an ISO string; null when unknown. */
  timeOfRecord(seq: number): string | null {
    const facts = this.attribution.record(seq);
    return facts === null ? null : new Date(facts.timeMs).toISOString();
  }

  indexOfAuthor(author: string | null): number {
    const known = this.byRecordAuthor.get(author);
    if (known !== undefined) return known;
    const writer = writerOf(author);
    const entry: DiffAuthor = { id: writer.person, name: writer.name, declared: writer.declared, via: writer.via };
    const key = JSON.stringify([entry.id, entry.via]);
    let index = this.byKey.get(key);
    if (index === undefined) {
      index = this.entries.length;
      this.entries.push(entry);
      this.byKey.set(key, index);
    }
    this.byRecordAuthor.set(author, index);
    return index;
  }
}
