/**
 * Who the user is to the others in a document: a display name and a caret colour, chosen once
 * and remembered in localStorage. Colours are `#rrggbb` (the caret extension ignores anything
 * else) and dark enough for white label text (contrast ≥ 4.5:1).
 */

export interface Identity {
  name: string;
  color: string;
}

export const PALETTE = ['#c62828', '#ad1457', '#6a1b9a', '#4527a0', '#1565c0', '#00695c', '#2e7d32', '#8d4e00', '#4e342e', '#37474f'] as const;

const ANIMALS = ['Otter', 'Heron', 'Fox', 'Lynx', 'Badger', 'Puffin', 'Marten', 'Ibex', 'Kestrel', 'Wombat', 'Narwhal', 'Quokka'];
const STORAGE_KEY = 'tandem:identity';
export const MAX_NAME_LENGTH = 40;

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)] as T;
}

function isIdentity(value: unknown): value is Identity {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['name'] === 'string' && v['name'].trim() !== '' && typeof v['color'] === 'string' && /^#[0-9a-f]{6}$/i.test(v['color']);
}

export function cleanName(name: string): string {
  return name.replace(/\s+/g, ' ').trim().slice(0, MAX_NAME_LENGTH);
}

function readStored(storage: Storage): Identity | null {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(STORAGE_KEY) ?? 'null');
    return isIdentity(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/**
 * The remembered identity, or a new one (saved at once, so it stays the same on every page;
 * `isNew` tells the page to say how to change it). A name from the access token wins: it is
 * what the server records as the author.
 */
export function loadIdentity(storage: Storage, tokenName: string | null): { identity: Identity; isNew: boolean } {
  const stored = readStored(storage);
  const identity = stored ?? { name: `Anonymous ${pick(ANIMALS)}`, color: pick(PALETTE) };
  if (!stored) saveIdentity(storage, identity);
  return { identity: tokenName ? { ...identity, name: cleanName(tokenName) } : identity, isNew: stored === null };
}

export function saveIdentity(storage: Storage, identity: Identity): void {
  try {
    storage.setItem(STORAGE_KEY, JSON.stringify(identity));
  } catch {
    // Storage full or blocked (private mode): the identity lasts for this page only.
  }
}

export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : [words[0] ?? '?'];
  return letters.map((w) => [...(w ?? '?')][0]?.toUpperCase() ?? '?').join('');
}
