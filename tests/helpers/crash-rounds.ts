/**
 * The durability promise under kill -9, for any store `tandem serve` runs on: a server in a
 * child process, clients typing, the process killed at a random moment, over several rounds.
 * After each restart, every update any client had received from the server is there. (A
 * client's own edits that never came back from the server may be lost with the process: the
 * server never promised them.)
 */
import { expect } from 'vitest';
import * as Y from 'yjs';
import { startChildServer, type ChildServer } from './child-server.js';
import { synced, yClient, type YClient } from './clients.js';
import { prng } from './random.js';
import { sleep, waitFor } from './wait.js';

const WRITERS = 3;

const tokens = (doc: Y.Doc): string[] => doc.getText('text').toString().match(/<[^>]+>/g) ?? [];

interface Writer {
  client: YClient;
  own: Set<string>;
  timer: NodeJS.Timeout | null;
}

/** Runs the rounds (`serverArgs` choose the store); `track` gets every server started, for cleanup. */
export async function crashRounds(serverArgs: string[], rounds: number, track: (child: ChildServer) => void): Promise<void> {
  const seed = Number(process.env.TANDEM_TEST_SEED ?? Date.now() % 1_000_000);
  const random = prng(seed);
  const seen = new Set<string>();
  let child: ChildServer | null = null;

  for (let round = 0; round <= rounds; round += 1) {
    child = await startChildServer([...serverArgs, '--log-level', 'warn']);
    track(child);
    const verifier = yClient(child.wsUrl, 'crash-doc');
    await synced(verifier);
    const present = new Set(tokens(verifier.doc));
    const missing = [...seen].filter((t) => !present.has(t));
    expect(missing, `seed ${seed}, round ${round}: updates clients had received are gone`).toEqual([]);
    verifier.destroy();
    if (round === rounds) break;

    const writers: Writer[] = [];
    for (let i = 0; i < WRITERS; i += 1) {
      const client = yClient(child.wsUrl, 'crash-doc');
      await synced(client);
      writers.push({ client, own: new Set(), timer: null });
    }
    let k = 0;
    for (const [i, writer] of writers.entries()) {
      writer.timer = setInterval(() => {
        const token = `<r${round}.w${i}.${k++}>`;
        const text = writer.client.doc.getText('text');
        writer.own.add(token);
        text.insert(text.length, token);
      }, 2 + Math.floor(random() * 6));
    }
    await sleep(150 + Math.floor(random() * 900));
    child.process.kill('SIGKILL');
    await child.exited;
    for (const writer of writers) if (writer.timer) clearInterval(writer.timer);
    // Whatever the server sent before it died is read by now; then nothing more arrives.
    await waitFor(() => writers.every((w) => !w.client.provider.wsconnected), 'clients to see the server gone');
    for (const writer of writers) {
      for (const token of tokens(writer.client.doc)) if (!writer.own.has(token)) seen.add(token);
      writer.client.destroy();
    }
  }
  // The test means something only if clients did receive updates before the kills.
  expect(seen.size, `seed ${seed}`).toBeGreaterThan(50);
  if (child) {
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  }
}
