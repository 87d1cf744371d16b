/**
 * Document names (DESIGN.md): any UTF-8 string of 1–512 bytes without control characters.
 * The name is the percent-decoded path of the upgrade request, without the leading slash and
 * without the query string, so `/a%20b?x=1` and `/a b` name the same room.
 */

export const MAX_DOC_NAME_BYTES = 512;

export type DocNameResult = { ok: true; name: string } | { ok: false; reason: string };

// C0, DEL and C1 control characters.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function validateDocName(name: string): DocNameResult {
  if (name.length === 0) return { ok: false, reason: 'document name is empty' };
  if (!name.isWellFormed()) return { ok: false, reason: 'document name is not valid UTF-8' };
  const size = Buffer.byteLength(name, 'utf8');
  if (size > MAX_DOC_NAME_BYTES) {
    return { ok: false, reason: `document name is ${size} bytes, the limit is ${MAX_DOC_NAME_BYTES}` };
  }
  if (CONTROL.test(name)) return { ok: false, reason: 'document name contains a control character' };
  return { ok: true, name };
}

/** Extracts and validates the document name from a request target such as `/my%20doc?token=…`. */
export function docNameFromRequestUrl(url: string | undefined): DocNameResult {
  const target = url ?? '/';
  const queryAt = target.indexOf('?');
  const path = queryAt === -1 ? target : target.slice(0, queryAt);
  if (!path.startsWith('/')) return { ok: false, reason: 'request target must start with /' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(path.slice(1));
  } catch {
    return { ok: false, reason: 'document name has invalid percent-encoding or is not valid UTF-8' };
  }
  return validateDocName(decoded);
}
