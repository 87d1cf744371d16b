/** Random document edits on the two shared types Tandem cares about: Y.Text and Y.XmlFragment. */
import * as Y from 'yjs';
import { randomInt } from './random.js';

const WORDS = ['hello', 'wörld', '協作', ' ', '🙂', 'tandem', '\n', 'a', 'zz'];

export function randomTextEdit(doc: Y.Doc, rand: () => number): void {
  const text = doc.getText('text');
  if (text.length > 0 && rand() < 0.3) {
    const at = randomInt(rand, text.length);
    text.delete(at, Math.min(1 + randomInt(rand, 5), text.length - at));
  } else {
    text.insert(randomInt(rand, text.length + 1), WORDS[randomInt(rand, WORDS.length)] ?? 'x');
  }
}

export function randomXmlEdit(doc: Y.Doc, rand: () => number): void {
  const fragment = doc.getXmlFragment('default');
  if (fragment.length > 0 && rand() < 0.25) {
    fragment.delete(randomInt(rand, fragment.length), 1);
    return;
  }
  if (fragment.length > 0 && rand() < 0.5) {
    const paragraph = fragment.get(randomInt(rand, fragment.length));
    if (paragraph instanceof Y.XmlElement) {
      const inner = paragraph.get(0);
      if (inner instanceof Y.XmlText) inner.insert(randomInt(rand, inner.length + 1), WORDS[randomInt(rand, WORDS.length)] ?? 'x');
      return;
    }
  }
  const paragraph = new Y.XmlElement(rand() < 0.2 ? 'heading' : 'paragraph');
  paragraph.insert(0, [new Y.XmlText(WORDS[randomInt(rand, WORDS.length)] ?? 'x')]);
  fragment.insert(randomInt(rand, fragment.length + 1), [paragraph]);
}

/** A comparable snapshot of everything a test edits. */
export function contentOf(doc: Y.Doc): string {
  return JSON.stringify({ text: doc.getText('text').toString(), xml: doc.getXmlFragment('default').toString() });
}
