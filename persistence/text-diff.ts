/**
 * What one edit changed in a document's text, readable in a terminal: the changed span found
 * by trimming the common prefix and suffix, shown with a little context as
 * `…before [-deleted-]{+inserted+} after…` (wdiff's notation). One record usually holds one
 * contiguous edit; several far apart show as one span covering them.
 */

export interface TextChange {
  /** Offset of the change in the text before it. */
  at: number;
  deleted: string;
  inserted: string;
}

export function textChange(before: string, after: string): TextChange | null {
  if (before === after) return null;
  const max = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < max && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix += 1;
  let suffix = 0;
  while (
    suffix < max - prefix &&
    before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)
  ) suffix += 1;
  return { at: prefix, deleted: before.slice(prefix, before.length - suffix), inserted: after.slice(prefix, after.length - suffix) };
}

/** Newlines and tabs made visible, long runs shortened in the middle. */
function visible(text: string, limit: number): string {
  const shown = text.replace(/\n/g, '⏎').replace(/\t/g, '→');
  if (shown.length <= limit) return shown;
  const half = Math.floor((limit - 12) / 2);
  return `${shown.slice(0, half)}…(${shown.length - 2 * half} more)…${shown.slice(-half)}`;
}

export function formatChange(before: string, change: TextChange, context = 24, limit = 160): string {
  const start = Math.max(0, change.at - context);
  const end = Math.min(before.length, change.at + change.deleted.length + context);
  const lead = (start > 0 ? '…' : '') + visible(before.slice(start, change.at), context);
  const trail = visible(before.slice(change.at + change.deleted.length, end), context) + (end < before.length ? '…' : '');
  const deleted = change.deleted ? `[-${visible(change.deleted, limit)}-]` : '';
  const inserted = change.inserted ? `{+${visible(change.inserted, limit)}+}` : '';
  return `${lead}${deleted}${inserted}${trail}`;
}
