/**
 * Carrying a data dir's document names over to the names the server now gives documents.
 * Which name a stored one becomes is the caller's rule (`NameRule`; for Tandem, the readable
 * name of sync-server/doc-name.ts); this module finds the documents it changes, decides
 * whether each can move, and moves them (doc-rename.ts) — all or nothing is decided up front:
 *
 * - a rename goes ahead when nothing else has, or will get, the new name (or the document
 *   there is this rename's own copy, left by an interrupted run);
 * - it is refused — with both directories and the reason — when another document has or
 *   would get the name, or when the rule gives the stored name none. Documents are never
 *   merged: resolving a refusal is left to a person, and nothing moves until then.
 *
 * A document's log, checkpoints, named versions and images all move. The old directories are
 * kept in `<data-dir>/renamed/` (safe to delete once checked).
 */
import { join } from 'node:path';
import { DataDirArchive } from './data-dir.js';
import { copyDocFiles, isCopyOf, moveAside, writeRenamedCopy } from './doc-rename.js';
import { FileStore, type StoreLogger } from './file-store.js';
import { isNotFound, nodeFs, type StoreFs } from './store-fs.js';

export const RENAMED_DIR = 'renamed';

/** The name a stored name should have now: itself, another, or none at all (and why). */
export type NameRule = (stored: string) => { ok: true; name: string } | { ok: false; reason: string };

export interface NameChange {
  from: string;
  to: string;
  /** The document's directory now. */
  dir: string;
  /** The new directory already holds this rename's copy (an earlier run was interrupted). */
  copied: boolean;
}

export interface NameRefusal {
  name: string;
  dir: string;
  reason: string;
}

export interface CarryOverPlan {
  changes: NameChange[];
  refusals: NameRefusal[];
}

/** The renames a data dir needs and those that cannot be made. Reads only. */
export async function planNameCarryOver(archive: DataDirArchive, rule: NameRule, fs: StoreFs = nodeFs): Promise<CarryOverPlan> {
  const stored = new Set((await archive.listDocDirs()).docs.map((d) => d.name));
  // Documents so new that all their records are still in the journal have names too.
  for (const name of (await archive.journalRecords()).keys()) stored.add(name);
  const wanted = new Map<string, string[]>();
  const plan: CarryOverPlan = { changes: [], refusals: [] };
  for (const name of stored) {
    const target = rule(name);
    if (!target.ok) {
      plan.refusals.push({ name, dir: archive.docDir(name), reason: `no client can reach this name (${target.reason})` });
      continue;
    }
    if (target.name === name) continue;
    wanted.set(target.name, [...(wanted.get(target.name) ?? []), name]);
  }
  for (const [to, froms] of wanted) {
    for (const from of froms) {
      const dir = archive.docDir(from);
      const others = froms.filter((f) => f !== from).map((f) => JSON.stringify(f));
      if (others.length > 0) {
        plan.refusals.push({ name: from, dir, reason: `it should be renamed to ${JSON.stringify(to)}, and so should ${others.join(', ')}` });
        continue;
      }
      const toDir = archive.docDir(to);
      const occupied = stored.has(to) || (await entriesOf(fs, toDir)).length > 0;
      const copied = occupied && (await isCopyOf(fs, dir, from, toDir, to));
      if (occupied && !copied) {
        plan.refusals.push({ name: from, dir, reason: `it should be renamed to ${JSON.stringify(to)}, but ${toDir} already holds a document by that name` });
        continue;
      }
      plan.changes.push({ from, to, dir, copied });
    }
  }
  return plan;
}

async function entriesOf(fs: StoreFs, dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

export interface CarryOverResult {
  renamed: (NameChange & { keptIn: string })[];
  refusals: NameRefusal[];
}

/**
 * Makes the renames `planNameCarryOver` finds, unless any is refused (then nothing changes).
 * Run with the data dir locked and before a store opens it. Records still in the journal are
 * first copied into their logs, by opening and closing a store, so every name is in `docs/`.
 */
export async function carryOverNames(dataDir: string, rule: NameRule, logger: StoreLogger, fs: StoreFs = nodeFs): Promise<CarryOverResult> {
  const archive = new DataDirArchive(dataDir, fs);
  let plan = await planNameCarryOver(archive, rule, fs);
  if (plan.refusals.length > 0 || plan.changes.length === 0) return { renamed: [], refusals: plan.refusals };
  if ((await archive.journalRecords()).size > 0) {
    const store = new FileStore(dataDir, { fs, logger });
    await store.ready();
    await store.close();
    plan = await planNameCarryOver(archive, rule, fs);
    if (plan.refusals.length > 0) return { renamed: [], refusals: plan.refusals };
  }
  const aside = join(archive.dataDir, RENAMED_DIR);
  const renamed: CarryOverResult['renamed'] = [];
  for (const change of plan.changes) {
    // A copy an interrupted run put in place may lack images (earlier releases left them behind).
    const skipped = change.copied
      ? await copyDocFiles(fs, change.dir, archive.docDir(change.to))
      : await writeRenamedCopy(fs, archive, aside, change.from, change.to);
    for (const path of skipped) logger.warn({ path }, 'name carry-over: a damaged file was not copied (it stays with the old directory)');
    const keptIn = await moveAside(fs, archive, aside, change.from);
    logger.info({ from: change.from, to: change.to, dir: archive.docDir(change.to), keptIn }, 'name carry-over: document renamed');
    renamed.push({ ...change, keptIn });
  }
  return { renamed, refusals: [] };
}
