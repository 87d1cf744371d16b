/** The editor's pure helpers, checked against the server's own rules where both must agree. */
import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { Window } from 'happy-dom';
import { TOKEN_KEY, parseToken, takeToken } from '../../editor/src/token.js';
import { documentHref, nameProblem, roomOf, routeFromPath } from '../../editor/src/routes.js';
import { countWords } from '../../editor/src/word-count.js';
import { authorLabel, commentAuthor } from '../../editor/src/comments/comment-author.js';
import { parseDocName, pathKeyOfTarget } from '../../sync-server/doc-name.js';
import { AWKWARD_ROOMS } from '../helpers/awkward-names.js';

const NAMES = ['plain', 'with space', 'Résumé 協作 🙂', '50% off/plan?#x', 'a/b/c', 'trailing/', '100%', '%zz', 'a\\b', 'é'.repeat(256), 'x'.repeat(512)];
const BAD_NAMES = ['', 'x'.repeat(513), 'é'.repeat(257), 'tab\tname', 'nul\u0000', 'del\u007f', 'c1\u0085', '..', 'a/./b'];

/** The request path a stock provider (here Node's `ws`, as in a browser) sends for a room. */
const stockPath = (room: string): string => new URL(`ws://127.0.0.1:1234/${room}`).pathname;

describe('editor routes', () => {
  it.each(NAMES)('round-trips %j through the document URL', (name) => {
    const url = new URL(documentHref(name), 'http://localhost');
    expect(routeFromPath(url.pathname)).toEqual({ page: 'document', name });
    expect(url.search).toBe('');
  });

  it.each(AWKWARD_ROOMS)('joins the document a stock client given $room joins', ({ room, name }) => {
    const key = pathKeyOfTarget(stockPath(room));
    // The editor's own provider, and its page link as the browser resolves it.
    expect(pathKeyOfTarget(stockPath(roomOf(name)))).toBe(key);
    expect(new URL(documentHref(name), 'http://localhost').pathname).toBe(`/d/${key}`);
    expect(routeFromPath(`/d/${stockPath(room).slice(1)}`)).toEqual({ page: 'document', name });
  });

  it('agrees with the server on which names are valid', () => {
    for (const name of NAMES) expect(nameProblem(name), name).toBeNull();
    // The editor also refuses names that are only blanks: they cannot be typed back.
    for (const name of BAD_NAMES) {
      expect(parseDocName(name).ok, name).toBe(false);
      expect(nameProblem(name), name).not.toBeNull();
    }
    expect(nameProblem('a/../b')).toMatch(/“\.” or “\.\.”/);
  });

  it('routes the home page, documents by their path, and nothing else', () => {
    expect(routeFromPath('/')).toEqual({ page: 'home' });
    expect(routeFromPath('/d/%E0%A4%A')).toEqual({ page: 'document', name: '%E0%A4%A' });
    expect(routeFromPath('/d/a%20b')).toEqual({ page: 'document', name: 'a b' });
    expect(routeFromPath('/d/')).toEqual({ page: 'not-found' });
    expect(routeFromPath('/elsewhere')).toEqual({ page: 'not-found' });
  });
});

describe('editor token claims', () => {
  const secret = new TextEncoder().encode('x'.repeat(32));

  it('reads name, role and expiry without verifying', async () => {
    const raw = await new SignJWT({ name: 'Ada Lovelace', role: 'write', docs: ['*'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u-1')
      .setExpirationTime(2_000_000_000)
      .sign(secret);
    expect(parseToken(raw)).toEqual({ raw, userId: 'u-1', name: 'Ada Lovelace', role: 'write', expiresAt: 2_000_000_000_000 });
  });

  it('treats anything but an explicit write or comment role as read-only', async () => {
    const raw = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('u').sign(secret);
    expect(parseToken(raw)?.role).toBe('read');
    const commenter = await new SignJWT({ role: 'comment' }).setProtectedHeader({ alg: 'HS256' }).setSubject('u').sign(secret);
    expect(parseToken(commenter)?.role).toBe('comment');
    expect(parseToken('not-a-jwt')).toBeNull();
    expect(parseToken('a.!!!.c')).toBeNull();
  });
});

describe('editor token in the address bar', () => {
  /** A browser tab (happy-dom's location, history and sessionStorage) at `url`. */
  function tab(url: string) {
    const window = new Window({ url });
    const home = () => ({ location: window.location as unknown as Location, history: window.history as unknown as History, storage: window.sessionStorage as unknown as Storage });
    return { window, home };
  }

  it('takes ?token= out of the address bar and keeps it for the tab', () => {
    const { window, home } = tab('http://tandem.test/d/notes%2Fa?x=1&token=opaque.tok&y=2#top');
    expect(takeToken(home())?.raw).toBe('opaque.tok');
    expect(window.location.href).toBe('http://tandem.test/d/notes%2Fa?x=1&y=2#top');
    expect(window.sessionStorage.getItem(TOKEN_KEY)).toBe('opaque.tok');
    // A reload, or a link within the app: no token in the URL, the kept one is used.
    window.history.pushState(null, '', '/');
    expect(takeToken(home())?.raw).toBe('opaque.tok');
    expect(window.location.href).toBe('http://tandem.test/');
    window.close();
  });

  it('lets a new link replace the kept token, and an empty ?token= forget it', () => {
    const { window, home } = tab('http://tandem.test/?token=first');
    takeToken(home());
    window.history.pushState(null, '', '/d/x?token=second');
    expect(takeToken(home())?.raw).toBe('second');
    window.history.pushState(null, '', '/d/x?token=');
    expect(takeToken(home())).toBeNull();
    expect(window.location.href).toBe('http://tandem.test/d/x');
    expect(takeToken(home())).toBeNull();
    window.close();
  });

  it('leaves the token in the address bar when it cannot be kept', () => {
    const { window } = tab('http://tandem.test/d/x?token=t1');
    const home = { location: window.location as unknown as Location, history: window.history as unknown as History, storage: null };
    expect(takeToken(home)?.raw).toBe('t1');
    expect(window.location.href).toBe('http://tandem.test/d/x?token=t1');
    window.close();
  });
});

describe('comment authors', () => {
  const identity = { name: 'Ada', color: '#c62828' };

  it('are the token’s user when there is a token, like the server’s check', async () => {
    const raw = await new SignJWT({ role: 'comment' }).setProtectedHeader({ alg: 'HS256' }).setSubject('u-7').sign(new TextEncoder().encode('x'.repeat(32)));
    const storage = new Window().localStorage;
    // No name claim: the server takes the sub, and so does the editor.
    expect(commentAuthor(parseToken(raw), identity, storage)).toEqual({ id: 'u-7', name: 'u-7', kind: 'token' });
  });

  it('are the chosen name, shown as unverified, with an id the browser keeps', () => {
    const storage = new Window().localStorage;
    const first = commentAuthor(null, identity, storage);
    expect(first).toMatchObject({ name: 'Ada', kind: 'self-declared' });
    expect(commentAuthor(null, { ...identity, name: 'Ada L.' }, storage)).toEqual({ ...first, name: 'Ada L.' });
    expect(authorLabel(first)).toBe('Ada (unverified)');
    expect(authorLabel({ id: 'u', name: 'Ada', kind: 'token' })).toBe('Ada');
  });
});

describe('word count', () => {
  it.each([
    ['', 0],
    ['one', 1],
    ["don't stop-me now", 3],
    ['end.Start', 2],
    ['协作 and 🙂 emoji', 3],
    ['  spaced   out  ', 2],
  ])('counts %j as %i words', (text, words) => {
    expect(countWords(text)).toBe(words);
  });
});
