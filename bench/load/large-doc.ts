/**
 * A deterministic, Tiptap-shaped large document: a `Y.XmlFragment` named `default` holding
 * paragraphs, each typed in a few chunks at random places with an occasional deletion, so the
 * encoded state has the item structure of an edited document rather than one long string.
 */
import * as Y from 'yjs';
import { randomInt, seededRandom } from './random.js';

const WORDS = 'the quick brown fox jumps over a lazy dog while seven wizards quietly box and juggle'.split(' ');

/** The document's full state as one update, of roughly `approxBytes` bytes. */
export function buildLargeDoc(approxBytes: number, seed: number): Uint8Array {
  const random = seededRandom(seed);
  const sentence = (): string => {
    const words: string[] = [];
    for (let i = 10 + randomInt(random, 30); i > 0; i -= 1) words.push(WORDS[randomInt(random, WORDS.length)] ?? 'word');
    return `${words.join(' ')}. `;
  };
  const doc = new Y.Doc();
  // A fixed client id: the same seed then gives byte-identical documents on every run.
  doc.clientID = 1 + (seed % 1_000_000);
  const fragment = doc.getXmlFragment('default');
  // About 1.25 encoded bytes per character of text for this shape.
  const targetChars = approxBytes / 1.25;
  let chars = 0;
  while (chars < targetChars) {
    doc.transact(() => {
      const paragraph = new Y.XmlElement('paragraph');
      const text = new Y.XmlText();
      paragraph.insert(0, [text]);
      fragment.insert(randomInt(random, fragment.length + 1), [paragraph]);
      for (let k = 0; k < 4; k += 1) {
        const chunk = sentence();
        text.insert(randomInt(random, text.length + 1), chunk);
        chars += chunk.length;
      }
      if (random() < 0.3 && text.length > 20) text.delete(randomInt(random, text.length - 10), 5);
    });
  }
  const state = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return state;
}
