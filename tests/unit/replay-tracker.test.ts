/**
 * The replay's text tracker against the slow truth: after every update of a seeded random
 * session on rich text (paragraphs added, edited, formatted, removed) and on a plain Y.Text,
 * the texts it remembers are exactly the document's texts, and it reports a change exactly
 * when the document's text changed.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { TextTracker } from '../../persistence/text-tracker.js';
import { prng } from '../helpers/random.js';

function allTexts(doc: Y.Doc): string[] {
  const out: string[] = [];
  const walk = (node: Y.XmlElement | Y.XmlFragment): void => {
    for (const child of node.toArray()) {
      if (child instanceof Y.XmlText) out.push((child.toDelta() as { insert: string }[]).map((d) => d.insert).join(''));
      else if (child instanceof Y.XmlElement) walk(child);
    }
  };
  walk(doc.getXmlFragment('default'));
  out.push(doc.getText('plain').toString());
  return out.filter((t) => t.length > 0).sort();
}

describe('text tracker', () => {
  it('follows a random rich-text session update by update', () => {
    const seed = Number(process.env.TANDEM_TEST_SEED ?? Date.now() % 1_000_000);
    const random = prng(seed);
    const writer = new Y.Doc();
    const updates: Uint8Array[] = [];
    writer.on('update', (u: Uint8Array) => updates.push(u));
    const fragment = writer.getXmlFragment('default');
    const plain = writer.getText('plain');
    const word = (): string => Math.floor(random() * 1e6).toString(36);
    for (let i = 0; i < 400; i += 1) {
      const r = random();
      const paragraphs = fragment.toArray().filter((n): n is Y.XmlElement => n instanceof Y.XmlElement);
      const target = paragraphs[Math.floor(random() * paragraphs.length)];
      const text = target?.get(0);
      if (r < 0.15 || !target || !(text instanceof Y.XmlText)) {
        const p = new Y.XmlElement(random() < 0.5 ? 'paragraph' : 'heading');
        p.insert(0, [new Y.XmlText(word())]);
        fragment.insert(Math.floor(random() * (fragment.length + 1)), [p]);
      } else if (r < 0.22) {
        fragment.delete(fragment.toArray().indexOf(target), 1);
      } else if (r < 0.3 && text.length > 1) {
        text.format(0, 1, { bold: true });
      } else if (r < 0.5 && text.length > 2) {
        text.delete(Math.floor(random() * (text.length - 1)), 1);
      } else if (r < 0.6) {
        writer.transact(() => {
          plain.insert(Math.floor(random() * (plain.length + 1)), word());
          text.insert(0, word());
        });
      } else {
        text.insert(Math.floor(random() * (text.length + 1)), word());
      }
    }

    const doc = new Y.Doc();
    const tracker = new TextTracker(doc);
    let previous = allTexts(doc);
    for (const [i, update] of updates.entries()) {
      const changes = tracker.apply(update);
      const now = allTexts(doc);
      expect(tracker.knownTexts(), `seed ${seed}, update ${i}: remembered texts`).toEqual(now);
      const changed = JSON.stringify(now) !== JSON.stringify(previous);
      expect(changes.length > 0, `seed ${seed}, update ${i}: change reported`).toBe(changed);
      for (const change of changes) {
        const after = change.before.slice(0, change.at) + change.inserted + change.before.slice(change.at + change.deleted.length);
        expect(change.before === after, `seed ${seed}, update ${i}`).toBe(false);
      }
      previous = now;
    }
    tracker.destroy();
  });
});
