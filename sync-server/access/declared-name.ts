/**
 * The name a connection declares for itself: the `name` query parameter of its upgrade URL
 * (the editor sets it to the name people chose; stock clients may leave it out). On a server
 * without tokens it is recorded, marked self-declared, as the author of the connection's
 * changes; a token's user always wins over it.
 */
import { MAX_RESTORER_NAME, cleanRestorerName, declaredAuthor } from '../../persistence/author.js';
import { UpgradeRefusal } from '../http/upgrade.js';

/** The author to record for a connection `authorize` knew no user for: its declared name, or null. */
export function declaredAuthorOf(requestUrl: string | undefined): string | null {
  const url = requestUrl ?? '/';
  const queryAt = url.indexOf('?');
  if (queryAt === -1) return null;
  const raw = new URLSearchParams(url.slice(queryAt + 1)).get('name');
  if (raw === null || raw.trim() === '') return null;
  const name = cleanRestorerName(raw);
  if (name === null) throw new UpgradeRefusal(400, `invalid name parameter: at most ${MAX_RESTORER_NAME} characters, no control characters`);
  return declaredAuthor(name);
}
