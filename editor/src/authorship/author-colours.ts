/**
 * The colour each author is shown in, for the author colours and the compare view: the colour
 * they chose for themselves (identity.ts). The server records who wrote what, not colours, so
 * colours are learnt from the people present — this user's own identity, and the others'
 * awareness states, matched to authors by the Yjs client ids of the text they wrote (or, for
 * a self-declared name, by that name) — and remembered in this browser for when they are
 * gone. An author never seen gets a palette colour picked from their id, the same every time.
 */
import type { Awareness } from 'y-protocols/awareness';
import { PALETTE } from '../identity.js';

const STORAGE_KEY = 'tandem:author-colours';
const MAX_REMEMBERED = 200;
/** Text no record names a writer for. */
export const UNKNOWN_COLOUR = '#6e7781';

const isColour = (value: unknown): value is string => typeof value === 'string' && /^#[0-9a-f]{6}$/i.test(value);

function hashed(id: string): string {
  let hash = 0;
  for (const char of id) hash = (Math.imul(hash, 31) + (char.codePointAt(0) ?? 0)) >>> 0;
  return PALETTE[hash % PALETTE.length] as string;
}

export class AuthorColours {
  private readonly remembered = new Map<string, string>();

  constructor(
    private readonly storage: Storage | null,
    /** This user's author id (`user:<id>` or `name:<name>`) and chosen colour. */
    private readonly self: () => { id: string; color: string },
  ) {
    try {
      const stored: unknown = JSON.parse(storage?.getItem(STORAGE_KEY) ?? '{}');
      if (typeof stored === 'object' && stored !== null) {
        for (const [id, color] of Object.entries(stored)) if (isColour(color)) this.remembered.set(id, color);
      }
    } catch {
      // Unreadable: start afresh.
    }
  }

  colourOf(id: string | null): string {
    if (id === null) return UNKNOWN_COLOUR;
    const self = this.self();
    if (id === self.id) return self.color;
    return this.remembered.get(id) ?? hashed(id);
  }

  /**
   * Learns the colours of the people present. `authorOfClient` says whose text a Yjs client
   * id wrote (from the server's record); a self-declared author is also known by name.
   */
  learn(awareness: Awareness, authorOfClient: (clientId: number) => string | null | undefined): void {
    let changed = false;
    const remember = (id: string, color: string): void => {
      if (this.remembered.get(id) === color) return;
      this.remembered.delete(id);
      this.remembered.set(id, color);
      changed = true;
    };
    for (const [clientId, state] of awareness.getStates()) {
      const user = (state as { user?: { name?: unknown; color?: unknown } }).user;
      if (!isColour(user?.color)) continue;
      const id = authorOfClient(clientId);
      if (id) remember(id, user.color);
      else if (typeof user.name === 'string') remember(`name:${user.name}`, user.color);
    }
    const self = this.self();
    remember(self.id, self.color);
    if (changed) this.save();
  }

  private save(): void {
    while (this.remembered.size > MAX_REMEMBERED) this.remembered.delete(this.remembered.keys().next().value as string);
    try {
      this.storage?.setItem(STORAGE_KEY, JSON.stringify(Object.fromEntries(this.remembered)));
    } catch {
      // Storage full or blocked: the colours last for this page.
    }
  }
}
