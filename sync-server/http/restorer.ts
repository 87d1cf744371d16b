/**
 * Who asked for a restore through the API, recorded with the restore (persistence/author.ts) so
 * that the text it brings back counts as theirs: a token's user, else the name the body gives
 * (`{"at": …, "name": "Ada"}`, what the editor sends on a server without tokens — unverified,
 * shown as self-declared), else nobody known.
 */
import { MAX_RESTORER_NAME, cleanRestorerName, type Restorer } from '../../persistence/author.js';
import type { Principal } from '../access/principal.js';
import { ApiError } from './api-error.js';

export function restorerOf(principal: Principal, body: object): Restorer {
  if (principal.author) return { user: principal.author };
  if (!('name' in body) || body.name === undefined || body.name === null || body.name === '') return null;
  const name = cleanRestorerName(body.name);
  if (name === null) throw new ApiError(400, `"name" must be text of at most ${MAX_RESTORER_NAME} characters, without control characters`);
  return { name };
}
