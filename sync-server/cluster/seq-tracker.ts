/**
 * Which of a document's committed records this node has applied, by sequence number.
 *
 * The database gives every committed update of a document the next seq, with no holes. A node
 * learns of records three ways: its own commits (already applied when they resolve), records
 * other nodes publish on the bus (at most once, and from several publishers not always in
 * order), and records it reads from the database when it catches up.
 *
 * Invariants:
 * - every record with seq ≤ `contiguous` has been applied here;
 * - `applied` holds the seqs above `contiguous` applied here (own commits, mostly);
 * - `held` keeps bus records that arrived after a hole, until the hole is filled (then they are
 *   handed out in order) or a catch-up reads past them;
 * - `highest` is the newest seq heard of; `contiguous < highest` means something is missing.
 */

/** Bus records kept waiting for a hole at most; past this, the database serves them. */
const MAX_HELD = 1024;

export class SeqTracker {
  private contiguousSeq: number;
  private highestSeq: number;
  private readonly applied = new Set<number>();
  private readonly held = new Map<number, Uint8Array>();

  constructor(loadedSeq: number) {
    this.contiguousSeq = loadedSeq;
    this.highestSeq = loadedSeq;
  }

  /** Every record up to here is applied. */
  get contiguous(): number {
    return this.contiguousSeq;
  }

  get highest(): number {
    return this.highestSeq;
  }

  /** Some record at or below `highest` is not applied here yet. */
  get behind(): boolean {
    return this.highestSeq > this.contiguousSeq;
  }

  /**
   * This node committed `seq` (its update is in the document already): returns the held bus
   * records it unblocks, to apply now in seq order.
   */
  own(seq: number): Uint8Array[] {
    this.heard(seq);
    if (seq <= this.contiguousSeq) return [];
    this.applied.add(seq);
    const ready: Uint8Array[] = [];
    this.advance(ready);
    return ready;
  }

  /** Records exist up to `seq` (a bus message or the database said so). */
  heard(seq: number): void {
    if (seq > this.highestSeq) this.highestSeq = seq;
  }

  /**
   * A record from the bus: returns the updates to apply now, in seq order — none when it is a
   * duplicate or comes after a hole (then it is held), several when it filled a hole.
   */
  offer(seq: number, update: Uint8Array): Uint8Array[] {
    this.heard(seq);
    if (seq <= this.contiguousSeq || this.applied.has(seq) || this.held.has(seq)) return [];
    if (seq !== this.contiguousSeq + 1) {
      if (this.held.size < MAX_HELD) this.held.set(seq, update);
      return [];
    }
    this.contiguousSeq = seq;
    const ready = [update];
    this.advance(ready);
    return ready;
  }

  /**
   * Records read from the database, consecutive from `contiguous + 1`: returns the updates not
   * applied here yet, in seq order (held bus records they unblock included).
   */
  fill(records: readonly { seq: number; update: Uint8Array; base?: true }[]): Uint8Array[] {
    const ready: Uint8Array[] = [];
    for (const record of records) {
      // Applied from the bus while the query ran.
      if (record.seq <= this.contiguousSeq) continue;
      if (record.base) {
        // The state at a compaction's cut: it holds every record up to it, applied here or not.
        this.skipTo(record.seq);
        ready.push(record.update);
        this.advance(ready);
        continue;
      }
      // A hole in what the database returned: never expected (seqs are allocated in the
      // committing transaction, so a visible record has every earlier one visible too).
      if (record.seq !== this.contiguousSeq + 1) break;
      this.heard(record.seq);
      this.contiguousSeq = record.seq;
      this.held.delete(record.seq);
      if (!this.applied.delete(record.seq)) ready.push(record.update);
      this.advance(ready);
    }
    return ready;
  }

  /** Every record up to `seq` is applied (with the state that stands for them). */
  private skipTo(seq: number): void {
    this.heard(seq);
    this.contiguousSeq = seq;
    for (const held of this.held.keys()) if (held <= seq) this.held.delete(held);
    for (const applied of this.applied) if (applied <= seq) this.applied.delete(applied);
  }

  /** Moves `contiguous` past applied and held seqs that now follow it. */
  private advance(ready: Uint8Array[]): void {
    for (;;) {
      const next = this.contiguousSeq + 1;
      const heldUpdate = this.held.get(next);
      if (heldUpdate) {
        this.held.delete(next);
        ready.push(heldUpdate);
      } else if (!this.applied.delete(next)) {
        return;
      }
      this.contiguousSeq = next;
    }
  }
}
