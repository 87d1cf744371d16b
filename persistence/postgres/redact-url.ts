/**
 * Database URLs carry credentials (`postgres://user:password@host/db`, or `?password=…`):
 * everything that logs or prints a URL, or an error that may quote one, goes through here.
 */

const SECRET_PARAMS = new Set(['password', 'sslpassword', 'sslkey']);

/** The URL with its password (and secret query parameters) replaced by `***`. */
export function redactDatabaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Not a URL we can take apart: show only what cannot hold a secret.
    return raw.replace(/\/\/[^@/]*@/, '//***@').replace(/([?&](?:password|sslpassword)=)[^&]*/gi, '$1***');
  }
  if (url.password) url.password = '***';
  for (const key of [...url.searchParams.keys()]) {
    if (SECRET_PARAMS.has(key.toLowerCase())) url.searchParams.set(key, '***');
  }
  return url.toString().replace(/%2A%2A%2A/g, '***');
}

/** `text` with every occurrence of the URL's password replaced (for driver error messages). */
export function redactSecrets(text: string, rawUrl: string): string {
  let password = '';
  try {
    password = decodeURIComponent(new URL(rawUrl).password);
  } catch {
    return text;
  }
  let out = text.split(rawUrl).join(redactDatabaseUrl(rawUrl));
  if (password.length > 0) out = out.split(password).join('***');
  return out;
}
