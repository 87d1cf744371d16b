/**
 * Edit and cursor ids travel inside the Yjs payload itself: an edit inserts the token
 * `⟦<id in base36>⟧` into the text, a cursor move carries it in the awareness state. A receiver
 * finds the ids by scanning the raw message bytes, so latency is measured without decoding
 * the update, and it survives servers that merge updates or re-encode awareness states.
 *
 *   token := U+27E6 • base36(id) • U+27E7      (UTF-8: E2 9F A6 … E2 9F A7)
 */

const OPEN = '\u27e6';
const CLOSE = '\u27e7';
const LEAD = 0xe2;
const SECOND = 0x9f;
const OPEN_LAST = 0xa6;
const CLOSE_LAST = 0xa7;
/** Ids stay below 36^8, so a token body never runs longer than this. */
const MAX_DIGITS = 8;

export const markerToken = (id: number): string => `${OPEN}${id.toString(36)}${CLOSE}`;

function digitValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x7a) return byte - 0x61 + 10;
  return -1;
}

/** Calls `found` for every well-formed token in `bytes`, in order. */
export function scanMarkers(bytes: Uint8Array, found: (id: number) => void): void {
  let at = bytes.indexOf(LEAD);
  while (at !== -1 && at + 2 < bytes.length) {
    if (bytes[at + 1] === SECOND && bytes[at + 2] === OPEN_LAST) {
      let id = 0;
      let cursor = at + 3;
      let digits = 0;
      for (; cursor < bytes.length && digits <= MAX_DIGITS; cursor += 1, digits += 1) {
        const value = digitValue(bytes[cursor] ?? 0);
        if (value < 0) break;
        id = id * 36 + value;
      }
      const closed =
        digits > 0 &&
        digits <= MAX_DIGITS &&
        bytes[cursor] === LEAD &&
        bytes[cursor + 1] === SECOND &&
        bytes[cursor + 2] === CLOSE_LAST;
      if (closed) {
        found(id);
        at = bytes.indexOf(LEAD, cursor + 3);
        continue;
      }
    }
    at = bytes.indexOf(LEAD, at + 1);
  }
}
