import { DEFAULT_CONFIG } from '../sync-server/config.js';

/** The `--data-dir` line of the maintenance commands' help. */
export const DATA_DIR_HELP = `  --data-dir <dir>   Data directory (env DATA_DIR, default ${DEFAULT_CONFIG.dataDir})`;

/** The data dir as `tandem serve` resolves it: the flag, then DATA_DIR, then the default. */
export function dataDirFrom(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag ?? (env.DATA_DIR || DEFAULT_CONFIG.dataDir);
}
