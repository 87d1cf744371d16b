import { describe, expect, it } from 'vitest';
import { MAX_DOC_NAME_BYTES, docNameFromRequestUrl, parseDocName, parseDocPattern, pathKeyOf, pathKeyOfTarget, readableName } from '../../sync-server/doc-name.js';
import { prng, randomInt, testSeed } from '../helpers/random.js';

/** What Node's URL parser (as in `ws`) makes of a room, as the path the server receives. */
const nodePath = (room: string): string => new URL(`ws://h/${room}`).pathname;

// name → its path key; every one of them is canonical (readable(key) is the name again).
const NAMES: [string, string][] = [
  ['plain', 'plain'],
  ['café', 'caf%C3%A9'],
  ['日本語', '%E6%97%A5%E6%9C%AC%E8%AA%9E'],
  ['🙂 emoji', '%F0%9F%99%82%20emoji'],
  ['a b', 'a%20b'],
  ['a/b', 'a/b'],
  ['a%2Fb', 'a%2Fb'],
  ['%', '%'],
  ['%zz', '%zz'],
  ['100%', '100%'],
  ['%41', '%41'],
  ['A', 'A'],
  [`'"`, "'%22"],
  ['+&=;,:@$!*()~[]', '+&=;,:@$!*()~[]'],
  ['.hidden', '.hidden'],
  ['trailing/', 'trailing/'],
  ['/leading', '/leading'],
  ['a//b', 'a//b'],
  ['Doc', 'Doc'],
  ['<{`x`}>', '%3C%7B%60x%60%7D%3E'],
  ['a?b#c', 'a%3Fb%23c'],
  ['a\\b', 'a%5Cb'],
  ['a^b|c', 'a%5Eb%7Cc'],
  ['%c3%a9 lower', '%c3%a9%20lower'],
  ['%C3 alone', '%C3%20alone'],
  ['%C3é', '%C3%C3%A9'],
  ['%C2%85', '%C2%85'],
  ['%00 and %7F', '%00%20and%20%7F'],
  ['..x', '..x'],
  [' spaced ', '%20spaced%20'],
  ['\u00a0nbsp', '%C2%A0nbsp'],
];

describe('document names and path keys', () => {
  it.each(NAMES)('%j has the path key %j, and back', (name, key) => {
    expect(parseDocName(name)).toEqual({ ok: true, name, key });
    expect(pathKeyOf(name)).toBe(key);
    expect(readableName(key)).toBe(name);
    expect(docNameFromRequestUrl(`/${key}?token=x`)).toEqual({ ok: true, name, key });
  });

  it.each([
    ['a%20b', 'a b'],
    ['caf%C3%A9', 'café'],
    ['%3F%23%5C%5E%7C', '?#\\^|'],
    ['%E6%97%A5%C3', '日%C3'],
  ])('reads the parser-made escapes in %j as %j', (typed, name) => {
    expect(parseDocName(typed)).toEqual({ ok: true, name, key: pathKeyOf(name) });
  });

  it.each([
    ['', 'empty'],
    ['x'.repeat(MAX_DOC_NAME_BYTES + 1), 'bytes'],
    ['é'.repeat(257), 'bytes'],
    ['tab\tname', 'control'],
    ['nul\u0000', 'control'],
    ['del\u007f', 'control'],
    ['c1\u0085', 'control'],
    ['a\ud800b', 'UTF-8'],
    ['.', '"."'],
    ['..', '"."'],
    ['a/./b', '"."'],
    ['a/../b', '"."'],
    ['x/..', '"."'],
    ['%2e', '"."'],
    ['%2E%2e/x', '"."'],
    ['a/.%2E', '"."'],
  ])('refuses %j as a name', (name, why) => {
    const parsed = parseDocName(name);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(why);
  });

  it('limits the readable name, not its key, to 512 bytes', () => {
    expect(parseDocName('é'.repeat(256)).ok).toBe(true);
    expect(parseDocName('%C3%A9'.repeat(256))).toEqual({ ok: true, name: 'é'.repeat(256), key: '%C3%A9'.repeat(256) });
    expect(docNameFromRequestUrl(`/${'%C3%A9'.repeat(256)}`).ok).toBe(true);
    expect(docNameFromRequestUrl(`/${'%C3%A9'.repeat(257)}`).ok).toBe(false);
  });
});

describe('request targets', () => {
  it.each([
    ['/plain', 'plain'],
    ['/q?token=abc', 'q'],
    ['/a#b', 'a'],
    ['/a/./b', 'a/b'],
    ['/a/b/..', 'a/'],
    ['/a/.', 'a/'],
    ['/%2e%2E/x', 'x'],
    ['/a/.%2e/b', 'b'],
    ['/a\\b', 'a/b'],
    ['/a^b|c', 'a%5Eb%7Cc'],
    ['/a%5Eb%7Cc', 'a%5Eb%7Cc'],
    ['/caf%c3%a9', 'caf%c3%a9'],
    ['/café', 'caf%C3%A9'],
    ['/a b', 'a%20b'],
    ['/100%', '100%'],
    ['/%zz', '%zz'],
    ['/', ''],
    ['//', '/'],
  ])('normalizes %j to the path key %j', (target, key) => {
    expect(pathKeyOfTarget(target)).toBe(key);
  });

  it('refuses only empty names, names over the limit and targets without a leading slash', () => {
    for (const target of ['/', '/?x=1', '/..', '/%2e', '/' + 'x'.repeat(513)]) expect(docNameFromRequestUrl(target).ok, target).toBe(false);
    expect(docNameFromRequestUrl('no-slash')).toEqual({ ok: false, problem: 'not-a-path', reason: 'request target must start with /' });
    expect(docNameFromRequestUrl('http://host/x').ok).toBe(false);
    // Escapes a stock client may send are never a reason to refuse.
    for (const target of ['/%', '/%zz', '/100%', '/%E0%A4%A', '/%FF', '/a%00b', '/a%0Ab', '/a%7Fb', '/a%C2%85b', '/%ED%A0%80']) {
      const parsed = docNameFromRequestUrl(target);
      expect(parsed, target).toEqual({ ok: true, name: target.slice(1), key: target.slice(1) });
    }
  });

  it('gives different names to different paths, and one name to one path', () => {
    const rooms = ['a/b', 'a%2Fb', '%41', 'A', 'Doc', 'doc', '%c3%a9', '%C3%A9', '100%', '100%25', '%zz', 'trailing', 'trailing/'];
    const names = rooms.map((room) => docNameFromRequestUrl(nodePath(room)));
    expect(new Set(names.map((n) => (n.ok ? n.name : n.reason))).size).toBe(rooms.length);
    expect(docNameFromRequestUrl(nodePath('a b'))).toEqual(docNameFromRequestUrl(nodePath('a%20b')));
  });
});

// Pieces that make names and targets awkward: escapes valid and not, in both cases, UTF-8
// runs whole and cut, characters parsers encode, separators and dots.
const PIECES = [
  'a', 'Z', '0', ' ', '"', '#', '<', '>', '?', '`', '{', '}', '^', '|', '\\', '/', '.', '..', '%', '%2', '%2e', '%2E',
  '%20', '%3F', '%23', '%5C', '%5E', '%7C', '%7c', '%41', '%2F', '%25', '%zz', '%C3', '%A9', '%c3', '%a9', '%C3%A9',
  '%E6%97%A5', '%F0%9F%99%82', '%C0%80', '%ED%A0%80', '%C2%85', "'", '+', '&', '=', ';', ',', ':', '@', '~', '[', ']',
  'é', '日', '🙂', '\u00a0', '\u0085', '\u0001', '\t', '\u007f',
];

function randomText(rand: () => number): string {
  let out = '';
  const count = 1 + randomInt(rand, 8);
  for (let i = 0; i < count; i++) out += PIECES[randomInt(rand, PIECES.length)];
  return out;
}

describe('the mapping, over random names and targets', () => {
  it('agrees with Node\'s URL parser and is a bijection between keys and names', () => {
    const seed = testSeed();
    const rand = prng(seed);
    const failures: string[] = [];
    const same = (actual: unknown, expected: unknown, what: () => string): void => {
      if (JSON.stringify(actual) !== JSON.stringify(expected)) failures.push(`${what()}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
    };
    for (let i = 0; i < 3000 && failures.length === 0; i++) {
      // A target as a client might send it; it ends in a letter because a URL string's
      // trailing blanks are trimmed before parsing, which a request target never has.
      const target = `/${randomText(rand)}z`;
      const key = pathKeyOfTarget(target) ?? '';
      const nodeKey = new URL(`http://x${target}`).pathname.slice(1);
      same(key, nodeKey.replaceAll('^', '%5E').replaceAll('|', '%7C'), () => `target ${JSON.stringify(target)}`);
      same(pathKeyOfTarget(`/${key}`), key, () => `normalizing ${JSON.stringify(key)} again`);
      const name = readableName(key);
      same(pathKeyOf(name), key, () => `key of the readable name of ${JSON.stringify(key)}`);
      if (key !== '' && new TextEncoder().encode(name).length <= MAX_DOC_NAME_BYTES) {
        same(parseDocName(name), { ok: true, name, key }, () => `name ${JSON.stringify(name)}`);
      }

      const typed = randomText(rand);
      const parsed = parseDocName(typed);
      if (!parsed.ok) continue;
      same(readableName(parsed.key), parsed.name, () => `readable name of typed ${JSON.stringify(typed)}`);
      same(parseDocName(parsed.name), parsed, () => `canonical ${JSON.stringify(parsed.name)}`);
      // A stock client given the key as its room reaches exactly that path...
      same(pathKeyOfTarget(nodePath(parsed.key)), parsed.key, () => `room ${JSON.stringify(parsed.key)}`);
      // ...and so does one given the name as typed, unless it holds what a URL cannot carry as is.
      if (!/[?#\\]/.test(typed) && !/[\u0000-\u0020]$/.test(typed)) {
        same(pathKeyOfTarget(nodePath(typed)), parsed.key, () => `room ${JSON.stringify(typed)}`);
      }
    }
    expect(failures, `seed ${seed} (replay with TEST_SEED=${seed})`).toEqual([]);
  });
});

describe('token grant patterns', () => {
  it('reads names and prefixes as readable names', () => {
    expect(parseDocPattern('*')).toEqual({ ok: true, pattern: '*' });
    expect(parseDocPattern('team/*')).toEqual({ ok: true, pattern: 'team/*' });
    expect(parseDocPattern('caf%C3%A9/*')).toEqual({ ok: true, pattern: 'café/*' });
    expect(parseDocPattern('a%20b')).toEqual({ ok: true, pattern: 'a b' });
    expect(parseDocPattern('x/.*')).toEqual({ ok: true, pattern: 'x/.*' });
    expect(parseDocPattern('..').ok).toBe(false);
    expect(parseDocPattern('a\u0001*').ok).toBe(false);
  });
});
