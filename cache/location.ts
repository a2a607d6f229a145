import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The cache directory: `--cache-dir`, else DEPCAPS_CACHE_DIR, else $XDG_CACHE_HOME/depcaps,
 * else ~/.cache/depcaps. Nothing is created here.
 */
export function resolveCacheDir(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return resolve(explicit);
  if (env.DEPCAPS_CACHE_DIR) return resolve(env.DEPCAPS_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return join(resolve(env.XDG_CACHE_HOME), 'depcaps');
  return join(env.HOME || homedir(), '.cache', 'depcaps');
}
