import { resolveCacheDir } from '../../cache/location.js';
import { openCache } from '../../cache/open.js';
import type { CacheStore } from '../../cache/store.js';
import { AnalysisPool } from '../analyze/pool.js';
import type { Limits } from '../limits.js';

/** The cache store and worker pool that the scans of one command share. */
export interface ScanSession {
  store: CacheStore | null;
  pool: AnalysisPool;
  /** Closes what the session opened (a pool or store passed in is left open for its owner). */
  close(): Promise<void>;
}

/**
 * Opens the cache (unless `noCache`; an unusable cache is a warning and no cache, never a failure)
 * and a worker pool, or uses the ones given.
 */
export function openSession(
  options: { noCache?: boolean; cacheDir?: string; store?: CacheStore | null; pool?: AnalysisPool; onWarning?: (message: string) => void },
  env: NodeJS.ProcessEnv,
  limits: Limits,
): ScanSession {
  let store: CacheStore | null = null;
  let ownStore = false;
  if (!options.noCache) {
    if (options.store !== undefined) store = options.store;
    else {
      const opened = openCache(resolveCacheDir(options.cacheDir, env));
      if (opened.warning) options.onWarning?.(opened.warning);
      store = opened.store;
      ownStore = store !== null;
    }
  }
  const pool = options.pool ?? new AnalysisPool(limits);
  return {
    store,
    pool,
    close: async () => {
      if (!options.pool) await pool.close();
      if (ownStore) store?.close();
    },
  };
}
