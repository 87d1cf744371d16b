/**
 * A stock y-websocket client in Node (any other editor binding would look the same to the
 * server) edits the document the browser has open: its text and formatting appear live, and
 * its presence and caret show up with its name; what the browser types reaches it too. Given
 * an awkward name as it is, it joins the document the editor opens under that name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { useServerAndBrowser } from './support/session.js';
import { caretNames, contentHtml, contentText, focusEnd, newUser, openDocument, presenceNames, type User } from './support/browser.js';

const session = useServerAndBrowser();
let alice: User;
let robot: { doc: Y.Doc; provider: WebsocketProvider } | null = null;
const others: WebsocketProvider[] = [];

beforeAll(async () => {
  alice = await newUser(session.browser, 'Alice', '#c62828');
});

afterAll(async () => {
  robot?.provider.destroy();
  robot?.doc.destroy();
  for (const provider of others) provider.destroy();
});

/** A stock provider in Node, given the room as it is. */
function stockProvider(room: string, doc: Y.Doc): WebsocketProvider {
  return new WebsocketProvider(session.server.wsUrl, room, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    // Without this, providers in one process could sync around the server.
    disableBc: true,
  });
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a Node y-websocket client in the same document', () => {
  const docName = 'Shared with a script';

  it('shows its edits, its name and its caret live in the browser', async () => {
    await openDocument(alice, session.server.url, docName);

    const doc = new Y.Doc();
    const provider = stockProvider(docName, doc);
    robot = { doc, provider };
    await waitFor(() => provider.synced, 'the Node client to sync');

    // ProseMirror's shape in Yjs: the `default` fragment holds one element per block; marks
    // are text attributes.
    const fragment = doc.getXmlFragment('default');
    const heading = new Y.XmlElement('heading');
    // Attribute values keep their JSON type: ProseMirror's heading level is a number.
    heading.setAttribute('level', 2 as unknown as string);
    const title = new Y.XmlText();
    heading.insert(0, [title]);
    const paragraph = new Y.XmlElement('paragraph');
    const body = new Y.XmlText();
    paragraph.insert(0, [body]);
    doc.transact(() => {
      fragment.insert(0, [heading, paragraph]);
      title.insert(0, 'From a script');
      body.insert(0, 'Written by ');
      body.insert(body.length, 'a robot', { bold: true });
      body.insert(body.length, ' today', {}); // explicit: no attributes, so not bold
    });
    provider.awareness.setLocalStateField('user', { name: 'Robot', color: '#00695c' });
    const at = Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(body, 'Written by'.length));
    provider.awareness.setLocalStateField('cursor', { anchor: at, head: at });

    await expect.poll(() => contentHtml(alice.page)).toBe('<h2>From a script</h2><p>Written by <strong>a robot</strong> today</p>');
    await expect.poll(() => presenceNames(alice.page)).toEqual(['Alice', 'Robot']);
    await expect.poll(() => caretNames(alice.page)).toEqual(['Robot']);
  });

  it('sends what the browser types to the Node client', async () => {
    await focusEnd(alice.page);
    await alice.page.keyboard.type(', checked by Alice.');
    const text = (): string => robot?.doc.getXmlFragment('default').toString() ?? '';
    await waitFor(() => text().includes(', checked by Alice.'), 'the browser’s text in the Node client');
    expect(text()).toBe('<heading level="2">From a script</heading><paragraph>Written by <bold>a robot</bold> today, checked by Alice.</paragraph>');
  });

  it('removes the Node client’s presence when it leaves', async () => {
    robot?.provider.destroy();
    await expect.poll(() => presenceNames(alice.page)).toEqual(['Alice']);
    expect(await caretNames(alice.page)).toEqual([]);
    expect(alice.errors).toEqual([]);
  });

  it('opens, at /d/<path key>, the document a stock client joined under an awkward name', async () => {
    const names = ['100%', 'a/b', 'a%2Fb', 'x^y|z', 'café 🙂 "q"', 'trailing/'];
    for (const name of names) {
      const doc = new Y.Doc();
      const provider = stockProvider(name, doc);
      others.push(provider);
      await waitFor(() => provider.synced, `the Node client of ${JSON.stringify(name)} to sync`, 20_000);
      const paragraph = new Y.XmlElement('paragraph');
      paragraph.insert(0, [new Y.XmlText(`typed in Node into ${name}`)]);
      doc.getXmlFragment('default').insert(0, [paragraph]);

      await openDocument(alice, session.server.url, name);
      expect(await alice.page.textContent('h1')).toBe(name);
      // Exactly this one paragraph: `a/b` and `a%2Fb` are two documents, not one.
      await expect.poll(() => contentText(alice.page)).toBe(`typed in Node into ${name}`);
    }
    expect(alice.errors).toEqual([]);
  });
});
