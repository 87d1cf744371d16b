import { parseDocName } from '../sync-server/doc-name.js';
import { UsageError } from './command.js';

/**
 * The one document name a command takes, in readable form: what `tandem docs` lists and the
 * editor shows. Escapes a URL parser makes are read as it would (`a%20b` is `a b`), so a name
 * means the same document here as in a stock client's room.
 */
export function docNameArgument(positionals: string[]): string {
  const [name, ...extra] = positionals;
  if (name === undefined || extra.length > 0) throw new UsageError('give exactly one document name');
  const parsed = parseDocName(name);
  if (!parsed.ok) throw new UsageError(`${JSON.stringify(name)} is not a document name: ${parsed.reason}`);
  return parsed.name;
}
