/**
 * The timeline over HTTP (`GET /api/docs/<doc>/timeline`) on a real server with the file store,
 * written by stock y-websocket clients that declare their names: every record a step with its
 * author and time, the document at any step as the history has it, a kept timeline that
 * follows new records, a compacted history that starts at its cut, refusals with reasons, and
 * read access as for every document route.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { decodeTimeline, TIMELINE_CONTENT_TYPE, type Timeline } from '../../persistence/timeline/timeline-format.js';
import { TimelineModel } from '../../editor/src/timeslider/timeline-model.js';
import { adaThenBob } from '../helpers/ada-then-bob.js';
import { useFileApiServer } from '../helpers/file-api-server.js';
import { waitFor } from '../helpers/wait.js';
import { mint, tokenServerWithRecord } from './auth-fixtures.js';

const NAME = 'notes/plan β';
const enc = encodeURIComponent(NAME);

const api = useFileApiServer('tandem-timeline-api-');

async function timeline(query = ''): Promise<{ response: Response; timeline: Timeline }> {
  const response = await fetch(`${api.test.httpUrl}/api/docs/${enc}/timeline${query}`, { signal: AbortSignal.timeout(30_000) });
  expect(response.status).toBe(200);
  return { response, timeline: decodeTimeline(new Uint8Array(await response.arrayBuffer())) };
}

/** The text of the rich text at a position, as the timeline's document holds it then. */
function textAt(model: TimelineModel, position: number): string {
  const point = model.point(position);
  let text = '';
  const visit = (type: Y.XmlFragment | Y.XmlElement): void => {
    for (let item = type._start; item !== null; item = item.right) {
      if (!(item.content instanceof Y.ContentType) || !point.has(item.id.client, item.id.clock)) continue;
      const child = item.content.type;
      if (child instanceof Y.XmlElement) visit(child);
      else if (child instanceof Y.XmlText) {
        for (let run = child._start; run !== null; run = run.right) {
          if (!(run.content instanceof Y.ContentString)) continue;
          for (let i = 0; i < run.length; i++) if (point.has(run.id.client, run.id.clock + i)) text += run.content.str[i];
        }
      }
    }
  };
  visit(model.fragment);
  return text;
}

describe('GET /api/docs/<doc>/timeline', () => {
  it('has every record as a step with its author and time, and the document at each', async () => {
    const { bob } = await adaThenBob(api, NAME);
    const { response, timeline: answer } = await timeline();
    expect(response.headers.get('content-type')).toBe(TIMELINE_CONTENT_TYPE);
    expect(response.headers.get('x-tandem-seq')).toBe('3');
    expect(response.headers.get('cache-control')).toBe('no-store');
    // Compressed for clients that take it (fetch does, and undoes it).
    expect(response.headers.get('content-encoding')).toBe('gzip');
    const plain = await fetch(`${api.test.httpUrl}/api/docs/${enc}/timeline`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(decodeTimeline(new Uint8Array(await plain.arrayBuffer())).seqs).toEqual(answer.seqs);
    const model = new TimelineModel(answer);
    expect([model.meta.name, model.meta.startSeq, model.meta.lastSeq, model.meta.compacted, model.steps]).toEqual([NAME, 0, 3, null, 3]);
    expect([1, 2, 3].map((s) => [model.seqAt(s), model.authorAt(s).name, model.authorAt(s).declared])).toEqual([
      [1, 'Ada', true],
      [2, 'Bob', true],
      [3, 'Bob', true],
    ]);
    const times = [1, 2, 3].map((s) => model.timeAt(s) ?? 0);
    expect(times.every((t, i) => t > Date.UTC(2024, 0, 1) && t >= (times[i - 1] ?? 0))).toBe(true);
    expect([0, 1, 2, 3].map((s) => textAt(model, s))).toEqual(['', 'Ada wrote this draft.', 'Ada wrote this draft. Bob agrees.', 'Ada wrote this. Bob agrees.']);
    // One session per writer's stretch, as in the history.
    expect([...model.sessionEnds]).toEqual([1, 3]);
    model.destroy();

    // Kept on the server, the timeline follows new records.
    const text = (bob.doc.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText;
    text.insert(0, '¶ ');
    await waitFor(() => api.store.assignedSeq(NAME) === 4, 'a new record', 20_000);
    const later = new TimelineModel((await timeline()).timeline);
    expect([later.steps, textAt(later, 4), textAt(later, 3)]).toEqual([4, '¶ Ada wrote this. Bob agrees.', 'Ada wrote this. Bob agrees.']);
    // A named version ends a session, and comes with the timeline.
    const named = await fetch(`${api.test.httpUrl}/api/docs/${enc}/versions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Bob’s edit', at: 2 }) });
    expect(named.status).toBe(201);
    const withName = new TimelineModel((await timeline()).timeline);
    expect(withName.meta.named.map((v) => [v.name, v.seq])).toEqual([['Bob’s edit', 2]]);
    expect([...withName.sessionEnds]).toEqual([1, 2, 4]);
    withName.destroy();
    // Sessions as the history groups them at the pause asked for (none: every record apart).
    const finer = new TimelineModel((await timeline('?pause=0')).timeline);
    expect([...finer.sessionEnds]).toEqual([1, 2, 3, 4]);
    later.destroy();
    finer.destroy();
  });

  it('starts at a compaction’s cut, from the document kept there', async () => {
    await adaThenBob(api, NAME);
    const compact = await fetch(`${api.test.httpUrl}/api/docs/${enc}/compact`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ before: 2 }) });
    expect(compact.status).toBe(200);
    const model = new TimelineModel((await timeline()).timeline);
    expect([model.meta.startSeq, model.meta.compacted?.beforeSeq, model.steps, model.seqAt(0), model.seqAt(1)]).toEqual([2, 2, 1, 2, 3]);
    expect(model.meta.compacted?.at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect([textAt(model, 0), textAt(model, 1)]).toEqual(['Ada wrote this draft. Bob agrees.', 'Ada wrote this. Bob agrees.']);
    model.destroy();
  });

  it('refuses what it cannot answer, with a reason', async () => {
    await adaThenBob(api, NAME);
    const cases: [string, number, RegExp][] = [
      [`/api/docs/${enc}/timeline?pause=-1`, 400, /"pause" must be a number of seconds/],
      [`/api/docs/${enc}/timeline?pause=soon`, 400, /"pause" must be a number of seconds/],
      [`/api/docs/${encodeURIComponent('no such doc')}/timeline`, 404, /no document named "no such doc"/],
      [`/api/docs/${encodeURIComponent('a\u0001b')}/timeline`, 400, /invalid document name/],
    ];
    for (const [path, status, error] of cases) {
      const res = await fetch(`${api.test.httpUrl}${path}`, { signal: AbortSignal.timeout(30_000) });
      expect([path, res.status]).toEqual([path, status]);
      expect(((await res.json()) as { error: string }).error).toMatch(error);
    }
    const post = await fetch(`${api.test.httpUrl}/api/docs/${enc}/timeline`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(post.status).toBe(405);
  });
});

describe('read access', () => {
  it('a read-only token may read the timeline; a token for other documents and no token may not', async () => {
    const withTokens = await tokenServerWithRecord('tandem-timeline-auth-', NAME, (doc) => doc.getXmlFragment('default').insert(0, [new Y.XmlElement('paragraph')]), api.clients);
    const auth = withTokens.test;
    try {
      const ask = (headers: Record<string, string>): Promise<Response> => fetch(`${auth.httpUrl}/api/docs/${enc}/timeline`, { headers, signal: AbortSignal.timeout(30_000) });
      const reader = await ask({ authorization: `Bearer ${await mint({ sub: 'rita', role: 'read', docs: ['notes/*'] })}` });
      expect(reader.status).toBe(200);
      const model = new TimelineModel(decodeTimeline(new Uint8Array(await reader.arrayBuffer())));
      expect(model.authorAt(1)).toEqual({ id: 'user:ada', name: 'ada', declared: false, via: null });
      model.destroy();
      expect((await ask({ authorization: `Bearer ${await mint({ sub: 'otto', docs: ['other/*'] })}` })).status).toBe(403);
      expect((await ask({})).status).toBe(401);
    } finally {
      await withTokens.close();
    }
  });
});
