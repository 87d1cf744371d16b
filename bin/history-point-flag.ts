import { HistoryPointError, parseHistoryPoint, type HistoryPoint } from '../persistence/replay.js';
import { UsageError } from './command.js';

/**
 * A flag naming a point in a document's history (`--at`, `--before`): a sequence number or an
 * ISO time. Missing (where it is required) or malformed, it is a mistake in the command line.
 */
export function historyPointFlag(raw: string | undefined, flag: string): { text: string; point: HistoryPoint } {
  if (raw === undefined) throw new UsageError(`${flag} is required`);
  try {
    return { text: raw, point: parseHistoryPoint(raw, flag) };
  } catch (error) {
    if (error instanceof HistoryPointError) throw new UsageError(error.message);
    throw error;
  }
}
