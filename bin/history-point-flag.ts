import type { DocHistory } from '../persistence/archive.js';
import type { VersionLister } from '../persistence/named-versions.js';
import { HistoryPointError } from '../persistence/replay.js';
import { checkPoint, resolvePoint } from '../persistence/version-point.js';
import { UsageError } from './command.js';

/** The `--at` help line: what a point may be. */
export const POINT_FORMS = '<seq|ISO time|name:version>';

/**
 * A flag that may also name a version (`--at`, `--from`, `--to`, `--before`): a sequence number, an ISO
 * time or `name:<version name>` (persistence/version-point.ts). Checked for its form only:
 * `resolvePointFlag` finds what it stands for in a document.
 */
export function pointFlag(raw: string | undefined, flag: string): string {
  if (raw === undefined) throw new UsageError(`${flag} is required`);
  try {
    checkPoint(raw, flag);
    return raw;
  } catch (error) {
    if (error instanceof HistoryPointError) throw new UsageError(error.message);
    throw error;
  }
}

/** The seq `text` (from `pointFlag`) stands for in `history`; a point the document does not have is a usage error. */
export async function resolvePointFlag(history: DocHistory, text: string, versions: VersionLister, flag: string): Promise<number> {
  try {
    return await resolvePoint(history, text, () => versions.listVersions(history.name), flag);
  } catch (error) {
    if (error instanceof HistoryPointError) throw new UsageError(`${flag}: ${error.message}`);
    throw error;
  }
}
