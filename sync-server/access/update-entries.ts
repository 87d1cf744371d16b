/**
 * What an update would change in a document, item by item, before it is applied: for each
 * item it inserts and each live item it deletes, the root type it belongs to and the chain of
 * items (maps, arrays) from that root down to it. Access rules that depend on *where* an
 * update writes (comment-update-check.ts) read this; it knows nothing of what the roots mean.
 *
 * An update names an item's place indirectly: a root's name, the id of a parent item, or only
 * the neighbours it was inserted between (`origin`/`rightOrigin`, whose parent it shares).
 * Those ids point into the document or into the same update. Following Yjs' own integration:
 * an item next to garbage-collected content becomes garbage itself, so it changes nothing.
 *
 * Refused (`UpdateShapeError`): an update that refers to content the document does not have
 * (Yjs would keep it pending, to be applied whenever that content arrives — unseen by any
 * check), or that is not well formed.
 */
import * as Y from 'yjs';

/** One item of the document or of the update, and where it sits. */
export interface Entry {
  item: Y.Item;
  /** Inserted by this update (not yet in the document). */
  fresh: boolean;
  /** The root type's name. */
  root: string;
  /** The map key it is the value of; null for an element of a list, text or XML. */
  key: string | null;
  /** The item holding the type it is in; null when it is directly in the root. */
  parent: Entry | null;
}

export class UpdateShapeError extends Error {
  readonly code = 'ERR_UPDATE_SHAPE';
}

export interface UpdateEntries {
  /** Items the update inserts (less those that become garbage on arrival). */
  inserted: Entry[];
  /** Live items of the document the update deletes. */
  deleted: Entry[];
  /** True when the update deletes the item with this id (in the document or the update). */
  deletes(id: Y.ID): boolean;
  /** The document's current value of `key` in the map `holder` holds (a root when null). */
  currentValue(holder: Entry | null, root: string, key: string): Entry | null;
}

type Struct = Y.Item | Y.GC | Y.Skip;

/** The struct holding `clock` in a list sorted by clock; null when none does. */
function findStruct(structs: readonly Struct[], clock: number): Struct | null {
  let low = 0;
  let high = structs.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const struct = structs[mid] as Struct;
    if (clock < struct.id.clock) high = mid - 1;
    else if (clock >= struct.id.clock + struct.length) low = mid + 1;
    else return struct;
  }
  return null;
}

export function readUpdateEntries(doc: Y.Doc, update: Uint8Array): UpdateEntries {
  let decoded: { structs: Struct[]; ds: ReturnType<typeof Y.createDeleteSet> };
  try {
    decoded = Y.decodeUpdate(update) as { structs: Struct[]; ds: ReturnType<typeof Y.createDeleteSet> };
  } catch (error) {
    throw new UpdateShapeError(`the update does not decode: ${(error as Error).message}`);
  }
  const store = doc.store;
  const fresh = new Map<number, Struct[]>();
  for (const struct of decoded.structs) {
    if (struct instanceof Y.Skip) throw new UpdateShapeError('the update has gaps: it depends on changes the server does not have');
    const { client, clock } = struct.id;
    const known = Y.getState(store, client);
    if (clock + struct.length <= known) continue; // already applied: Yjs skips it
    let list = fresh.get(client);
    if (!list) {
      if (clock > known) throw new UpdateShapeError('the update depends on changes the server does not have');
      list = [];
      fresh.set(client, list);
    }
    list.push(struct);
  }

  /** The struct an id points to, in the document or in the update, and whether it is fresh. */
  const lookup = (id: Y.ID): { struct: Struct; fresh: boolean } => {
    if (id.clock < Y.getState(store, id.client)) {
      const structs = store.clients.get(id.client) as Struct[] | undefined;
      const struct = structs ? findStruct(structs, id.clock) : null;
      if (struct) return { struct, fresh: false };
    }
    const struct = findStruct(fresh.get(id.client) ?? [], id.clock);
    if (!struct) throw new UpdateShapeError('the update refers to content the server does not have');
    return { struct, fresh: true };
  };

  // Where each item sits, once known. Both walks below are iterative: a deep document or a
  // long chain of items in one update (a sync step 2 after long offline work) needs no stack.
  const entries = new Map<Y.Item, Entry | null>();

  /** Where a document item sits (always known: it is integrated). */
  const docEntry = (item: Y.Item): Entry | null => {
    const chain: Y.Item[] = [];
    for (let at: Y.Item | null = item; at && !entries.has(at); ) {
      chain.push(at);
      at = at.parent instanceof Y.AbstractType ? at.parent._item : null;
    }
    for (const at of chain.reverse()) {
      const type = at.parent;
      let entry: Entry | null = null;
      if (type instanceof Y.AbstractType) {
        const holder = type._item ? (entries.get(type._item) ?? null) : null;
        // A type whose holder has no place (garbage) has none either.
        if (!type._item || holder) entry = { item: at, fresh: false, root: holder ? holder.root : Y.findRootTypeKey(type), key: at.parentSub, parent: holder };
      }
      entries.set(at, entry);
    }
    return entries.get(item) ?? null;
  };

  type Step = { entry: Entry | null } | { needs: Y.Item };
  /** Where a fresh item sits, when what it depends on is placed; else which item to place first. */
  const place = (item: Y.Item): Step => {
    const neighbour = (id: Y.ID | null): { struct: Struct; fresh: boolean } | null => (id ? lookup(id) : null);
    const left = neighbour(item.origin);
    const right = neighbour(item.rightOrigin);
    // Next to garbage, Yjs turns the item into garbage itself.
    if (left?.struct instanceof Y.GC || right?.struct instanceof Y.GC) return { entry: null };
    if (typeof item.parent === 'string') return { entry: { item, fresh: true, root: item.parent, key: item.parentSub, parent: null } };
    let source: { struct: Struct; fresh: boolean };
    if (item.parent instanceof Y.ID) {
      source = lookup(item.parent);
      if (source.struct instanceof Y.GC) return { entry: null };
      if (!((source.struct as Y.Item).content instanceof Y.ContentType)) throw new UpdateShapeError('an item names a parent that is not a type');
    } else {
      const side = left ?? right;
      if (!side) throw new UpdateShapeError('an item has neither a parent nor neighbours');
      source = side;
    }
    const other = source.struct as Y.Item;
    if (source.fresh && !entries.has(other)) return { needs: other };
    const placed = source.fresh ? (entries.get(other) ?? null) : docEntry(other);
    if (!placed) return { entry: null };
    // Under the parent item's type, or beside a sibling: the same parent and key as it.
    return {
      entry: item.parent instanceof Y.ID
        ? { item, fresh: true, root: placed.root, key: item.parentSub, parent: placed }
        : { item, fresh: true, root: placed.root, key: placed.key, parent: placed.parent },
    };
  };

  /** Where a fresh item will sit; null when it becomes garbage on arrival. */
  const freshEntry = (item: Y.Item): Entry | null => {
    const pending: Y.Item[] = [item];
    const waiting = new Set<Y.Item>([item]);
    while (pending.length > 0) {
      const next = pending[pending.length - 1] as Y.Item;
      if (entries.has(next)) {
        pending.pop();
        continue;
      }
      const step = place(next);
      if ('needs' in step) {
        if (waiting.has(step.needs)) throw new UpdateShapeError('the update places items relative to each other in a circle');
        waiting.add(step.needs);
        pending.push(step.needs);
        continue;
      }
      entries.set(next, step.entry);
      pending.pop();
    }
    return entries.get(item) ?? null;
  };

  const inserted: Entry[] = [];
  for (const list of fresh.values()) {
    for (const struct of list) {
      if (!(struct instanceof Y.Item)) continue; // garbage: nothing to change
      const entry = freshEntry(struct);
      if (entry) inserted.push(entry);
    }
  }

  const deleted: Entry[] = [];
  for (const [client, ranges] of decoded.ds.clients) {
    for (const range of ranges) {
      for (let clock = range.clock; clock < range.clock + range.len; ) {
        const { struct, fresh: isFresh } = lookup(Y.createID(client, clock));
        clock = struct.id.clock + struct.length;
        // Fresh items were looked at as insertions; garbage and deleted items change nothing.
        if (isFresh || !(struct instanceof Y.Item) || struct.deleted) continue;
        const entry = docEntry(struct);
        if (entry) deleted.push(entry);
      }
    }
  }

  return {
    inserted,
    deleted,
    deletes: (id) => Y.isDeleted(decoded.ds, id),
    currentValue(holder, root, key) {
      // A map the update creates has no value in the document yet.
      if (holder?.fresh) return null;
      const type = holder ? (holder.item.content as Y.ContentType).type : doc.share.get(root);
      const item = type?._map.get(key);
      return item && !item.deleted ? docEntry(item) : null;
    },
  };
}
