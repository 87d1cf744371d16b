/**
 * The user's own caret moves are never lost while someone else is busy in the document.
 *
 * A browser moves its DOM selection at once but tells ProseMirror only with a later
 * 'selectionchange' event. Anything that redraws the editor in between writes ProseMirror's
 * old selection back into the DOM, silently undoing the click or key. The other people's
 * carets are such a redraw: their awareness message only schedules it, for a tick later.
 *
 * Here a stock y-websocket client in Node ("Robot") works in the last paragraph while the
 * browser user clicks into the other paragraphs and moves with the arrow keys, Home, End and
 * Shift+Home/End; after every move the editor's selection must be where the user put it.
 * - First, the exact interleaving is forced: when Robot's caret moves, the page stays busy
 *   until the user's input is waiting, so the input is handled after the caret message and
 *   before the redraw it scheduled — as on a slow device.
 * - Then, as it comes: Robot types and moves its caret nonstop while the user moves.
 *
 * Seeded: a failure prints its seed; TEST_SEED=<seed> replays the same moves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import * as Y from 'yjs';
import { prng, randomInt, testSeed } from '../helpers/random.js';
import { synced, yClient, type YClient } from '../helpers/clients.js';
import { useServerAndBrowser } from './support/session.js';
import { caretNames, contentText, editorSelector, newUser, openDocument, type User } from './support/browser.js';

const session = useServerAndBrowser();
let alice: User;
const robots: YClient[] = [];

beforeAll(async () => {
  alice = await newUser(session.browser, 'Alice', '#c62828');
});

afterAll(() => {
  for (const robot of robots) robot.destroy();
});

/** The user's paragraphs: one line each, never edited, so a place in them stays put. */
const LINES = [
  'Morning: review the launch checklist with the whole team.',
  'Noon: lunch with the design crew at the corner bistro.',
  'Afternoon: write release notes and answer open questions.',
  'Evening: rehearse the demo twice, then rest for tomorrow.',
  'Night: check the dashboards one last time before bed.',
];
const ROBOT_LINE = 'Robot scratchpad: ';
/** Enough for any real move to be read; a lost move never comes back, however long one waits. */
const MOVE_DEADLINE_MS = 3000;
/** Robot's nonstop edits are bounded too, whatever happens to the test. */
const MAX_ROBOT_TICKS = 40_000;
const BUSY_SIGNAL = 'caret-race: page busy';

/** A place in the user's paragraphs: block index and offset in its text. */
interface Place {
  block: number;
  offset: number;
}
interface Sel {
  anchor: Place;
  head: Place;
}
const samePlace = (a: Place, b: Place): boolean => a.block === b.block && a.offset === b.offset;
const sameSel = (a: Sel, b: Sel): boolean => samePlace(a.anchor, b.anchor) && samePlace(a.head, b.head);
const caretAt = (place: Place): Sel => ({ anchor: place, head: place });
const show = (s: Sel): string => `${s.anchor.block}:${s.anchor.offset}→${s.head.block}:${s.head.offset}`;

/** What the tests read from the page's Tiptap editor (kept on its root element). */
interface EditorLike {
  state: {
    selection: { anchor: number; head: number };
    doc: { resolve(pos: number): { index(depth: number): number; parentOffset: number } };
  };
  view: { posAtDOM(node: Node, offset: number): number };
  extensionManager: { extensions: { name: string; options: Record<string, unknown> }[] };
}

/** ProseMirror's selection (not the DOM's) as places. */
function editorSel(page: Page): Promise<Sel> {
  return page.$eval(editorSelector, (root) => {
    const { state } = (root as unknown as { editor: EditorLike }).editor;
    const place = (pos: number) => {
      const $pos = state.doc.resolve(pos);
      return { block: $pos.index(0), offset: $pos.parentOffset };
    };
    return { anchor: place(state.selection.anchor), head: place(state.selection.head) };
  });
}

/**
 * A point inside the user's paragraph and the place a click there puts the caret, as the
 * browser's own hit test says (so proportional glyph widths don't matter).
 */
function clickTarget(page: Page, block: number, offset: number): Promise<{ x: number; y: number; place: Place }> {
  return page.$eval(
    editorSelector,
    (root, { block, offset }) => {
      const { editor } = root as unknown as { editor: EditorLike };
      const text = root.children[block]?.firstChild;
      if (!text || text.nodeType !== Node.TEXT_NODE) throw new Error(`paragraph ${block} has no text node`);
      const range = document.createRange();
      range.setStart(text, offset);
      range.setEnd(text, offset + 1);
      const rect = range.getBoundingClientRect();
      const x = rect.left + 1;
      const y = rect.top + rect.height / 2;
      const hit = document.caretPositionFromPoint(x, y);
      if (!hit) throw new Error('no caret position at the click point');
      const $pos = editor.state.doc.resolve(editor.view.posAtDOM(hit.offsetNode, hit.offset));
      return { x, y, place: { block: $pos.index(0), offset: $pos.parentOffset } };
    },
    { block, offset },
  );
}

/**
 * Makes the page, on the next change of someone else's presence, announce it on the console
 * and then stay busy until an input event is waiting (at most a few seconds). The caret
 * redraw that change scheduled then runs after that input.
 */
function busyAfterNextRemoteCaretMove(page: Page): Promise<void> {
  return page.$eval(
    editorSelector,
    (root, signal) => {
      const { editor } = root as unknown as { editor: EditorLike };
      type Awareness = { on(e: 'change', f: (c: unknown, origin: unknown) => void): void; off(e: 'change', f: (c: unknown, origin: unknown) => void): void };
      const caret = editor.extensionManager.extensions.find((e) => e.name === 'collaborationCaret');
      const awareness = (caret?.options['provider'] as { awareness: Awareness } | undefined)?.awareness;
      if (!awareness) throw new Error('no awareness on the page');
      const scheduling = (navigator as Navigator & { scheduling?: { isInputPending(): boolean } }).scheduling;
      if (!scheduling) throw new Error('this browser cannot tell whether input is pending');
      const onChange = (_changes: unknown, origin: unknown): void => {
        if (origin === 'local') return;
        awareness.off('change', onChange);
        console.log(signal);
        const until = performance.now() + 5000;
        while (!scheduling.isInputPending() && performance.now() < until) {
          // Busy on purpose: a slow device in the middle of handling the message.
        }
      };
      awareness.on('change', onChange);
    },
    BUSY_SIGNAL,
  );
}

/** Robot joins, writes the user's lines and its own line, and shows its caret. */
async function robotWithDocument(docName: string): Promise<{ client: YClient; text: Y.XmlText }> {
  const client = yClient(session.server.wsUrl, encodeURIComponent(docName));
  robots.push(client);
  await synced(client);
  const fragment = client.doc.getXmlFragment('default');
  let robotText: Y.XmlText | null = null;
  client.doc.transact(() => {
    for (const line of [...LINES, ROBOT_LINE]) {
      const paragraph = new Y.XmlElement('paragraph');
      robotText = new Y.XmlText();
      paragraph.insert(0, [robotText]);
      fragment.insert(fragment.length, [paragraph]);
      robotText.insert(0, line);
    }
  });
  if (!robotText) throw new Error('no robot line');
  client.provider.awareness.setLocalStateField('user', { name: 'Robot', color: '#00695c' });
  return { client, text: robotText };
}

/** Puts Robot's caret (or selection) somewhere else at random in its own line. */
function moveRobotCaret(client: YClient, text: Y.XmlText, rand: () => number): void {
  const at = (index: number) => Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(text, index));
  const before = JSON.stringify(client.provider.awareness.getLocalState()?.['cursor'] ?? null);
  for (let shift = 0; ; shift++) {
    const anchor = (randomInt(rand, text.length + 1) + shift) % (text.length + 1);
    const head = rand() < 0.3 ? randomInt(rand, text.length + 1) : anchor;
    const cursor = { anchor: at(anchor), head: at(head) };
    if (JSON.stringify(cursor) === before) continue;
    client.provider.awareness.setLocalStateField('cursor', cursor);
    return;
  }
}

/** Robot moves its caret and types or deletes a letter, nonstop until stopped. */
function startTyping(client: YClient, text: Y.XmlText, rand: () => number): { stop: () => Promise<number> } {
  let ticks = 0;
  let stopped = false;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const tick = (): void => {
    if (stopped || ticks >= MAX_ROBOT_TICKS) {
      finish();
      return;
    }
    ticks += 1;
    moveRobotCaret(client, text, rand);
    if (text.length > ROBOT_LINE.length + 8 || (text.length > ROBOT_LINE.length && rand() < 0.4)) text.delete(text.length - 1, 1);
    else text.insert(text.length, String.fromCharCode(97 + randomInt(rand, 26)));
    setTimeout(tick, randomInt(rand, 4));
  };
  tick();
  return {
    stop: async () => {
      stopped = true;
      await finished;
      return ticks;
    },
  };
}

/** How the user moves: `prepare` runs first (the mouse goes to its spot), `act` is the move. */
interface Move {
  name: string;
  expected: Sel;
  prepare: () => Promise<void>;
  act: () => Promise<void>;
}

/** A random click, or a key move from where the selection is now. */
async function randomMove(page: Page, rand: () => number, current: Sel | null): Promise<Move> {
  if (!current || !samePlace(current.anchor, current.head) || rand() < 0.4) {
    const block = randomInt(rand, LINES.length);
    const target = await clickTarget(page, block, randomInt(rand, (LINES[block] ?? '').length));
    return {
      name: `click at ${target.place.block}:${target.place.offset}`,
      expected: caretAt(target.place),
      prepare: () => page.mouse.move(target.x, target.y),
      act: async () => {
        await page.mouse.down();
        await page.mouse.up();
      },
    };
  }
  const { block, offset } = current.head;
  const length = (LINES[block] ?? '').length;
  const keys: [string, Sel][] = [
    ['End', caretAt({ block, offset: length })],
    ['Home', caretAt({ block, offset: 0 })],
    ['Shift+End', { anchor: current.anchor, head: { block, offset: length } }],
    ['Shift+Home', { anchor: current.anchor, head: { block, offset: 0 } }],
  ];
  if (offset > 0) keys.push(['ArrowLeft', caretAt({ block, offset: offset - 1 })]);
  if (offset < length) keys.push(['ArrowRight', caretAt({ block, offset: offset + 1 })]);
  const pick = keys[randomInt(rand, keys.length)];
  if (!pick) throw new Error('no key move');
  const [key, expected] = pick;
  return { name: key, expected, prepare: async () => undefined, act: () => page.keyboard.press(key) };
}

/**
 * Makes `count` random moves, each after `beforeMove`; returns the ones whose selection never
 * arrived. After a lost move, goes on from where the editor really is.
 */
async function moveAround(page: Page, rand: () => number, count: number, beforeMove: () => Promise<void>): Promise<string[]> {
  const lost: string[] = [];
  let current: Sel | null = null;
  for (let i = 0; i < count; i++) {
    const move = await randomMove(page, rand, current);
    await move.prepare();
    await beforeMove();
    await move.act();
    const deadline = Date.now() + MOVE_DEADLINE_MS;
    let actual = await editorSel(page);
    while (!sameSel(actual, move.expected) && Date.now() < deadline) {
      await page.waitForTimeout(10);
      actual = await editorSel(page);
    }
    if (!sameSel(actual, move.expected)) lost.push(`move ${i} (${move.name}): wanted ${show(move.expected)}, editor has ${show(actual)}`);
    current = actual.anchor.block < LINES.length && actual.head.block < LINES.length ? actual : null;
  }
  return lost;
}

async function openWithRobot(docName: string): Promise<{ client: YClient; text: Y.XmlText }> {
  const robot = await robotWithDocument(docName);
  await openDocument(alice, session.server.url, docName);
  await expect.poll(() => contentText(alice.page)).toContain(ROBOT_LINE.trim());
  moveRobotCaret(robot.client, robot.text, () => 0);
  await expect.poll(() => caretNames(alice.page)).toEqual(['Robot']);
  return robot;
}

describe('caret moves while someone else works in the document', () => {
  it('keeps each move made between another person’s caret message and its redraw', async () => {
    const seed = testSeed();
    const rand = prng(seed);
    const { client, text } = await openWithRobot('Busy morning');
    const page = alice.page;
    const moves = 30;
    const lost = await moveAround(page, rand, moves, async () => {
      const busy = page.waitForEvent('console', { predicate: (m) => m.text() === BUSY_SIGNAL, timeout: 10_000 });
      await busyAfterNextRemoteCaretMove(page);
      moveRobotCaret(client, text, rand);
      await busy;
    });
    expect(lost, `seed ${seed}: ${lost.length}/${moves} moves lost`).toEqual([]);
  }, 120_000);

  it('keeps every click and key move while another person types and moves their caret nonstop', async () => {
    const seed = testSeed();
    const rand = prng(seed);
    const { client, text } = await openWithRobot('Busy afternoon');
    const typing = startTyping(client, text, rand);
    const moves = 100;
    const lost = await moveAround(alice.page, rand, moves, async () => undefined);
    const ticks = await typing.stop();
    expect(ticks, 'Robot kept typing throughout').toBeGreaterThan(moves);
    expect(lost, `seed ${seed}: ${lost.length}/${moves} moves lost`).toEqual([]);
  }, 180_000);

  it('logs no console errors', () => {
    expect(alice.errors).toEqual([]);
  });
});
