/**
 * Which images a document may show: only files uploaded to the document's server,
 *
 *   src := "/api/docs/" • encodeURIComponent(document) • "/files/" • sha256 (64 lowercase hex)
 *
 * root-relative, so a document means the same behind any host name or proxy. The app's
 * Content-Security-Policy loads images from its own origin only (`img-src 'self'`), and a
 * picture from another site would tell that site who reads the document; so an `<img>` pasted
 * from elsewhere is not taken in, and content another client wrote with any other address
 * (any Yjs client can write anything) renders as its alt text, in the editor and in exports.
 *
 * An address of such a file written absolutely (an exported HTML file pasted back) or with a
 * query (a viewer's `?token=`) is read as its path.
 *
 * The file is named by its SHA-256; the document in the address is the one it was stored in.
 * That is the document itself, except after a restore under another name (the trash's "restore
 * as"), when its content — every version of it — still names the old one: a document's image
 * is then its own file of those bytes (`ownFileUrl`), which the editor shows and exports name.
 */
const FILE_PATH_RE = /^\/api\/docs\/[^/?#]+\/files\/[0-9a-f]{64}$/;

/** The address a document's file is served at, and that its image nodes hold. */
export function documentFileUrl(doc: string, sha256: string): string {
  return `/api/docs/${encodeURIComponent(doc)}/files/${sha256}`;
}

/** Whether `src` is the stored form of an image address (see above). */
export function isDocumentFileUrl(src: unknown): src is string {
  return typeof src === 'string' && FILE_PATH_RE.test(src);
}

/** The stored form of an address naming a document's file; null for any other address. */
export function documentFilePath(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const text = raw.trim();
  let url: URL;
  try {
    url = new URL(text, 'http://tandem.invalid');
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return FILE_PATH_RE.test(url.pathname) ? url.pathname : null;
}

/** The SHA-256 that a stored file address names; null for any other address. */
export function fileSha256(src: unknown): string | null {
  return isDocumentFileUrl(src) ? src.slice(-64) : null;
}

/** `doc`'s own address for the file `src` names (whatever document `src` names); null for any other address. */
export function ownFileUrl(doc: string, src: unknown): string | null {
  const sha256 = fileSha256(src);
  return sha256 === null ? null : documentFileUrl(doc, sha256);
}
