/** Counting words the way a reader would: blocks are separated, so "end.Start" is two words. */
import type { Node as ProseMirrorNode } from '@tiptap/pm/model';

const WORD = /[\p{L}\p{N}]+(?:['’\-][\p{L}\p{N}]+)*/gu;

export function countWords(text: string): number {
  return text.match(WORD)?.length ?? 0;
}

export function countDocumentWords(doc: ProseMirrorNode): number {
  return countWords(doc.textBetween(0, doc.content.size, '\n', ' '));
}
