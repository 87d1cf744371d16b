/**
 * Two people writing one document on a test server (file-api-server.ts) through stock
 * y-websocket clients that declare their names: the short history the API tests of who changed
 * what read.
 */
import * as Y from 'yjs';
import { synced, yClient, type YClient } from './clients.js';
import type { FileApiFixture } from './file-api-server.js';
import { waitFor } from './wait.js';

/** A client of `doc` declaring `name`, synced (destroyed after the test). */
export async function declaredWriter(api: FileApiFixture, doc: string, name: string): Promise<YClient> {
  const client = yClient(api.test.wsUrl, doc, { params: { name } });
  api.clients.push(client);
  await synced(client, 20_000);
  return client;
}

/** The text of the paragraph at `index` of a client's rich text. */
export function paragraphText(client: YClient, index: number): Y.XmlText {
  return (client.doc.getXmlFragment('default').get(index) as Y.XmlElement).get(0) as Y.XmlText;
}

/** Ada writes a paragraph (seq 1), Bob adds to it (seq 2) and deletes a word of Ada's (seq 3). */
export async function adaThenBob(api: FileApiFixture, doc: string): Promise<{ ada: YClient; bob: YClient }> {
  const ada = await declaredWriter(api, doc, 'Ada');
  const p = new Y.XmlElement('paragraph');
  p.insert(0, [new Y.XmlText('Ada wrote this draft.')]);
  ada.doc.getXmlFragment('default').insert(0, [p]);
  await waitFor(() => api.store.assignedSeq(doc) === 1, 'Ada’s record', 20_000);
  const bob = await declaredWriter(api, doc, 'Bob');
  paragraphText(bob, 0).insert(21, ' Bob agrees.');
  await waitFor(() => api.store.assignedSeq(doc) === 2, 'Bob’s record', 20_000);
  paragraphText(bob, 0).delete(14, 6);
  await waitFor(() => api.store.assignedSeq(doc) === 3, 'Bob’s deletion', 20_000);
  return { ada, bob };
}
