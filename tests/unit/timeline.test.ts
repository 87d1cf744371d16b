/**
 * The timeline behind the timeslider: the server's build (persistence/timeline/), its wire
 * format, and the browser's model and renderer (editor/src/timeslider/). Seeded concurrent
 * rich edits by several writers: the document shown at every position is the document at that
 * record, read by Yjs itself; what a view marks as changed since an earlier position leads from
 * that position's document to its own; and a renderer that has stepped — forward, backward or
 * anywhere — shows exactly what a fresh one shows at the same position.
 */
import { getSchema, type JSONContent } from '@tiptap/core';
import type { Node as PmNode } from '@tiptap/pm/model';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocHistory } from '../../persistence/archive.js';
import { declaredAuthor, restoreAuthor } from '../../persistence/author.js';
import { groupVersions } from '../../persistence/history.js';
import type { LogRecord } from '../../persistence/record.js';
import { TimelineBuild } from '../../persistence/timeline/timeline-build.js';
import { TimelineFormatError, decodeTimeline, type TimelineName } from '../../persistence/timeline/timeline-format.js';
import { DIFF_ATTR, DIFF_MARK, type DiffMarkAttrs } from '../../document-schema/diff/diff-tree.js';
import { compareExtensions } from '../../editor/src/authorship/change-paint.js';
import { StepRenderer } from '../../editor/src/timeslider/step-renderer.js';
import { TimelineModel } from '../../editor/src/timeslider/timeline-model.js';
import { historyOf, normal, randomHistory, stateAt } from '../helpers/doc-state.js';
import { prng, randomInt, testSeed } from '../helpers/random.js';
import { p, t, writeDoc } from '../helpers/rich-edits.js';
import { HistoryServer, Writer } from '../helpers/writers.js';

const schema = getSchema(compareExtensions);

async function modelOf(history: DocHistory, pauseMs = 60_000, named: TimelineName[] = []): Promise<TimelineModel> {
  const build = await TimelineBuild.of(history);
  const model = new TimelineModel(decodeTimeline(build.encode(pauseMs, named)));
  build.destroy();
  return model;
}

const rendererOf = (model: TimelineModel): StepRenderer => new StepRenderer(model, schema, (node) => `change ${node.seq} by ${node.by}`);

type Side = 'before' | 'after';

/** One side of a marked document: what the other side added left out, the marks taken off. */
function sideOf(nodes: readonly JSONContent[], side: Side): JSONContent[] {
  const absent = side === 'after' ? 'deleted' : 'inserted';
  const out: JSONContent[] = [];
  for (const node of nodes) {
    const mark = node.marks?.find((m) => m.type === DIFF_MARK);
    const block = node.attrs?.[DIFF_ATTR] as DiffMarkAttrs | null | undefined;
    if ((mark?.attrs as DiffMarkAttrs | undefined)?.change === absent || block?.change === absent) continue;
    const copy: JSONContent = { ...node };
    const marks = node.marks?.filter((m) => m.type !== DIFF_MARK);
    if (marks && marks.length > 0) copy.marks = marks;
    else delete copy.marks;
    if (node.attrs) {
      const { [DIFF_ATTR]: _diff, ...attrs } = node.attrs;
      if (Object.keys(attrs).length > 0) copy.attrs = attrs;
      else delete copy.attrs;
    }
    if (node.content) copy.content = sideOf(node.content, side);
    out.push(copy);
  }
  return out;
}

function shown(nodes: readonly PmNode[], side: Side): unknown {
  return normal({ type: 'doc', content: sideOf(nodes.map((n) => n.toJSON() as JSONContent), side) });
}

/** The text of a ProseMirror JSON tree, blocks on lines of their own. */
function textOf(json: unknown): string {
  const node = json as JSONContent;
  if (node.type === 'text') return node.text ?? '';
  const inner = (node.content ?? []).map(textOf).join('');
  return node.type === 'doc' || node.type === 'text' ? inner : `${inner}\n`;
}

describe('timeline: property', () => {
  it('shows every record’s document; marks what leads there; stepping forward, backward or anywhere shows what a fresh renderer shows — seeded concurrent rich edits', async () => {
    const seed = testSeed();
    const context = `seed ${seed} (replay with TEST_SEED=${seed})`;
    for (let round = 0; round < 4; round++) {
      const rand = prng(seed + round);
      const history = randomHistory(rand, 160);
      const model = await modelOf(history);
      expect(model.steps, context).toBe(history.records.length);
      const states = Array.from({ length: model.steps + 1 }, (_, position) => stateAt(history, model.seqAt(position)).rich);

      const forward = rendererOf(model);
      for (let position = 0; position <= model.steps; position++) {
        const where = `${context}, round ${round}, position ${position}`;
        expect(shown(forward.render(position, position).nodes, 'after'), where).toEqual(states[position]);
      }

      const backward = rendererOf(model);
      for (let position = model.steps; position >= 1; position--) {
        const where = `${context}, round ${round}, step ${position} backward`;
        const view = backward.render(position - 1, position);
        expect(shown(view.nodes, 'after'), where).toEqual(states[position]);
        expect(textOf(shown(view.nodes, 'before')), where).toBe(textOf(states[position - 1]));
      }

      // Anywhere: jumps, sessions, both directions; each view as a fresh renderer draws it.
      const roaming = rendererOf(model);
      for (let jump = 0; jump < 40; jump++) {
        const to = randomInt(rand, model.steps + 1);
        const from = rand() < 0.5 ? Math.max(0, to - 1) : randomInt(rand, to + 1);
        const where = `${context}, round ${round}, view ${from}..${to}`;
        const nodes = roaming.render(from, to).nodes.map((n) => n.toJSON() as unknown);
        expect(nodes, where).toEqual(rendererOf(model).render(from, to).nodes.map((n) => n.toJSON() as unknown));
        expect(shown(roaming.render(from, to).nodes, 'after'), where).toEqual(states[to]);
      }
      model.destroy();
    }
  });
});

describe('timeline: steps', () => {
  function adaAndBob(): { ada: Writer; bob: Writer; server: HistoryServer } {
    const ada = new Writer('ada', '', 1);
    const bob = new Writer(declaredAuthor('Bob'), '', 2);
    return { ada, bob, server: new HistoryServer([ada, bob]) };
  }

  it('has every record as a step, with its time and author, and marks what each step changed by whom', async () => {
    const { ada, bob, server } = adaAndBob();
    writeDoc(ada, [p(t('Hello'))]);
    server.deliverAll();
    writeDoc(bob, [p(t('Hello world'))]);
    server.deliverAll();
    writeDoc(ada, [p(t('Hi world'))]);
    server.deliverAll();
    const history = historyOf(server);
    const model = await modelOf(history);
    expect(model.steps).toBe(3);
    expect([1, 2, 3].map((s) => [model.seqAt(s), model.timeAt(s), model.authorAt(s).name, model.authorAt(s).declared])).toEqual(
      history.records.map((r, i) => [r.seq, r.timeMs, i === 1 ? 'Bob' : 'ada', i === 1]),
    );
    expect(model.seqAt(0)).toBe(0);
    const renderer = rendererOf(model);
    const marked = (from: number, to: number): [string, string, number][] => {
      const out: [string, string, number][] = [];
      renderer.render(from, to).nodes.forEach((node) =>
        node.descendants((child) => {
          const mark = child.marks.find((m) => m.type.name === DIFF_MARK);
          if (child.isText) out.push([child.text ?? '', (mark?.attrs as DiffMarkAttrs | undefined)?.change ?? 'unchanged', (mark?.attrs as DiffMarkAttrs | undefined)?.by ?? -1]);
        }),
      );
      return out;
    };
    const bobIndex = model.authorIndexAt(2);
    const adaIndex = model.authorIndexAt(1);
    expect(marked(1, 2)).toEqual([['Hello', 'unchanged', -1], [' world', 'inserted', bobIndex]]);
    expect(marked(2, 3)).toEqual([['H', 'unchanged', -1], ['ello', 'deleted', adaIndex], ['i', 'inserted', adaIndex], [' world', 'unchanged', -1]]);
    // Typed and deleted again between the two positions: in neither.
    expect(marked(0, 3)).toEqual([['H', 'inserted', adaIndex], ['i', 'inserted', adaIndex], [' world', 'inserted', bobIndex]]);
    expect(model.positionOfSeq(2)).toBe(2);
    expect(model.positionAtTime((history.records[1] as LogRecord).timeMs + 1)).toBe(2);
    expect(model.positionAtTime(0)).toBe(0);
  });

  it('ends sessions where the history’s versions end, for any pause and at every named version', async () => {
    const history = randomHistory(prng(7), 120);
    // Pauses of varied length between records.
    let time = Date.UTC(2025, 0, 1);
    const records = history.records.map((r, i) => ({ ...r, timeMs: (time += i % 17 === 0 ? 120_000 : i % 5 === 0 ? 15_000 : 1_000) }));
    const timed: DocHistory = { ...history, records };
    const named: TimelineName[] = [3, 11, 12].filter((seq) => seq < records.length).map((seq) => ({ id: `v${seq}`, name: `Version ${seq}`, seq }));
    for (const pauseMs of [60_000, 10_000, 0]) {
      const model = await modelOf(timed, pauseMs, named);
      expect([...model.sessionEnds]).toEqual(groupVersions(records, pauseMs, new Set(named.map((v) => v.seq))).map((v) => v.toSeq));
      expect(model.meta.named).toEqual(named);
      const last = model.sessionEnds.at(-1) ?? 0;
      expect(model.nextSessionEnd(last)).toBe(model.steps);
      expect(model.previousSessionEnd(model.sessionEnds[0] ?? 0)).toBe(0);
      model.destroy();
    }
  });

  it('starts at a compaction’s cut, whose text has no known author; a restore is its requester’s', async () => {
    const { ada, bob, server } = adaAndBob();
    writeDoc(ada, [p(t('Kept from before'))]);
    server.deliverAll();
    writeDoc(bob, [p(t('Kept from before, and after'))]);
    server.deliverAll();
    const [first, second] = server.records as [LogRecord, LogRecord];
    const base = new Y.Doc();
    Y.applyUpdate(base, first.update);
    const state = Y.encodeStateAsUpdate(base);
    const compacted: DocHistory = {
      name: 'doc',
      compacted: { seq: 1, timeMs: first.timeMs, compactedAtMs: Date.UTC(2025, 5, 1) },
      records: [second, { seq: 3, timeMs: second.timeMs + 1000, author: restoreAuthor({ user: 'carol' }), update: new Uint8Array([0, 0]) }],
      checkpoints: [{ seq: 1, path: 'log', load: () => Promise.resolve(state) }],
      problems: [],
    };
    const model = await modelOf(compacted);
    expect([model.meta.startSeq, model.meta.lastSeq, model.meta.compacted?.beforeSeq, model.steps]).toEqual([1, 3, 1, 2]);
    expect(model.seqAt(0)).toBe(1);
    expect(model.authorAt(2)).toEqual({ id: 'user:carol', name: 'carol', declared: false, via: 'restore' });
    const renderer = rendererOf(model);
    expect(textOf(shown(renderer.render(0, 0).nodes, 'after'))).toBe('Kept from before\n');
    const view = renderer.render(0, 1).nodes.map((n) => n.toJSON() as JSONContent);
    expect(textOf(normal({ type: 'doc', content: sideOf(view, 'after') }))).toBe('Kept from before, and after\n');
    expect(JSON.stringify(view)).toContain('"change":"inserted"');
  });

  it('bridges records lost to damage with the checkpoint inside the gap, as recovered content', async () => {
    const { ada, server } = adaAndBob();
    for (const text of ['One', 'One two', 'One two three', 'One two three four']) {
      writeDoc(ada, [p(t(text))]);
      server.deliverAll();
    }
    const records = server.records;
    const atTwo = new Y.Doc();
    for (const record of records.slice(0, 3)) Y.applyUpdate(atTwo, record.update);
    const checkpoint = Y.encodeStateAsUpdate(atTwo);
    const damaged: DocHistory = { name: 'doc', compacted: null, records: [records[0] as LogRecord, records[3] as LogRecord], checkpoints: [{ seq: 3, path: 'checkpoint-3', load: () => Promise.resolve(checkpoint) }], problems: [] };
    const model = await modelOf(damaged);
    expect([1, 2, 3].map((s) => model.seqAt(s))).toEqual([1, 3, 4]);
    expect(model.authorAt(2).via).toBe('recovery');
    const renderer = rendererOf(model);
    expect([0, 1, 2, 3].map((s) => textOf(shown(renderer.render(s, s).nodes, 'after')))).toEqual(['', 'One\n', 'One two three\n', 'One two three four\n']);
  });

  it('a kept build takes only new records and encodes what a new build encodes; another history is not its continuation', async () => {
    const history = randomHistory(prng(11), 100);
    const half: DocHistory = { ...history, records: history.records.slice(0, 30) };
    const build = await TimelineBuild.of(half);
    expect(build.continuedBy(history)).toBe(true);
    await build.extend(history);
    const fresh = await TimelineBuild.of(history);
    expect(build.encode(60_000)).toEqual(fresh.encode(60_000));
    expect(build.lastSeq).toBe(history.records.length);
    const other = randomHistory(prng(12), 100);
    expect(build.continuedBy(other)).toBe(false);
    expect(build.continuedBy({ ...history, compacted: { seq: 5, timeMs: 0, compactedAtMs: 0 } })).toBe(false);
    build.destroy();
    fresh.destroy();
  });

  it('refuses what is not a timeline, and a truncated one', async () => {
    const history = randomHistory(prng(3), 40);
    const build = await TimelineBuild.of(history);
    const bytes = build.encode(60_000);
    build.destroy();
    expect(() => decodeTimeline(new TextEncoder().encode('{"not":"this"}'))).toThrow(TimelineFormatError);
    for (const cut of [3, 10, Math.floor(bytes.length / 2), bytes.length - 1]) expect(() => decodeTimeline(bytes.slice(0, cut))).toThrow(TimelineFormatError);
    const other = bytes.slice();
    other[4] = 9; // the format version
    expect(() => decodeTimeline(other)).toThrow(/format 9/);
  });
});
