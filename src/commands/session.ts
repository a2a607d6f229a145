import { resolveCacheDir } from '../../cache/location.js';
import { openCache, openMemoryCache } from '../../cache/open.js';
import { resolveSharedStore } from '../../cache/shared/connection.js';
import { SharedLayer } from '../../cache/shared/layer.js';
import type { CacheStore } from '../../cache/store.js';
import { defaultCatalogIndex } from '../analyze/catalog-index.js';
import { AnalysisPool } from '../analyze/pool.js';
import { loadRegistryOptions, registryFor } from '../fetch/npmrc.js';
import type { Limits } from '../limits.js';
import { scrubSecrets } from '../redact.js';
import { analyzerVersionOf } from './scan-cache.js';

/** Where results are kept: the local cache, and optionally a PostgreSQL store shared by a fleet. */
export interface CacheOptions {
  /** Neither read nor write any cache (local or shared). */
  noCache?: boolean;
  cacheDir?: string;
  /** A cache shared across scans; `null` for none. Otherwise the cache in `cacheDir` is opened. */
  store?: CacheStore | null;
  /** `postgres://…` of a store shared by many machines (default: DEPCAPS_CACHE_URL). */
  cacheUrl?: string;
  /** Read the shared store, never write it (default: DEPCAPS_CACHE_URL_READONLY=1, or `?mode=ro`). */
  cacheUrlReadonly?: boolean;
  /** A shared layer opened by the caller (left open for it); `null` for none. */
  shared?: SharedLayer | null;
  /** Override of the analyzer version results are cached under (tests of invalidation). */
  analyzerVersion?: string;
  onWarning?: (message: string) => void;
}

/** A package a run is about to scan, for the shared store to look up ahead (in batches). */
export interface WantedPackage {
  name: string;
  version: string;
  integrity?: string;
}

/** The cache store, shared layer and worker pool that the scans of one command share. */
export interface ScanSession {
  store: CacheStore | null;
  shared: SharedLayer | null;
  pool: AnalysisPool;
  /**
   * Starts looking these registry packages up in the shared store, in batches (not awaited: each scan
   * waits for its own batch). Nothing without a shared store.
   */
  prepare(packages: readonly WantedPackage[], where: { cwd: string; registry?: string }): void;
  /** Publishes what is queued, then closes what the session opened (what was passed in is left open). */
  close(): Promise<void>;
}

function truthy(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/**
 * The shared layer for a run, when a cache URL is set (flag or DEPCAPS_CACHE_URL). A URL that cannot be
 * used is one warning, never a failure. Without a usable local cache, results from the store go to a
 * cache in memory (`ownsLocal`: the caller closes it).
 */
export function openShared(
  options: CacheOptions,
  env: NodeJS.ProcessEnv,
  limits: Limits,
  local: CacheStore | null,
): { shared: SharedLayer | null; local: CacheStore | null; ownsLocal: boolean } {
  const none = { shared: null, local, ownsLocal: false };
  if (options.noCache) return none;
  if (options.shared !== undefined) return { ...none, shared: options.shared };
  const url = options.cacheUrl ?? env['DEPCAPS_CACHE_URL'];
  if (!url) return none;
  const warn = options.onWarning ?? (() => {});
  let config;
  try {
    config = resolveSharedStore(url, { readonly: options.cacheUrlReadonly ?? truthy(env['DEPCAPS_CACHE_URL_READONLY']), env, timeoutMs: limits.cacheUrlTimeoutMs });
  } catch (err) {
    warn(`shared cache not used: ${(err as Error).message}; continuing with the local cache`);
    return none;
  }
  const ownsLocal = local === null;
  const store = local ?? openMemoryCache(resolveCacheDir(options.cacheDir, env));
  const analyzer = options.analyzerVersion ?? analyzerVersionOf(defaultCatalogIndex());
  // Server messages are not ours: whatever they say, the password values never reach the screen.
  const onWarning = (message: string) => warn(scrubSecrets(message, config.secrets));
  return { shared: new SharedLayer({ config, local: store, analyzer, onWarning }), local: store, ownsLocal };
}

/**
 * Opens the cache (unless `noCache`; an unusable cache is a warning and no cache, never a failure),
 * the shared store layer when a cache URL is set, and a worker pool, or uses the ones given.
 */
export function openSession(options: CacheOptions & { pool?: AnalysisPool }, env: NodeJS.ProcessEnv, limits: Limits): ScanSession {
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
  const layered = openShared(options, env, limits, store);
  const shared = layered.shared;
  store = layered.local;
  ownStore ||= layered.ownsLocal;
  const ownShared = shared !== null && options.shared === undefined;
  const analyzer = options.analyzerVersion ?? analyzerVersionOf(defaultCatalogIndex());
  const pool = options.pool ?? new AnalysisPool(limits);
  return {
    store,
    shared,
    pool,
    prepare(packages, where) {
      if (!shared || !store || packages.length === 0) return;
      let npmrc;
      try {
        npmrc = loadRegistryOptions({ cwd: where.cwd, env, ...(where.registry ? { registry: where.registry } : {}) });
      } catch {
        return; // the scans report the broken configuration themselves
      }
      const keys = [];
      for (const p of packages) {
        const registry = registryFor(p.name, npmrc);
        // What the local cache already answers costs the store nothing (a warm run makes no round trip).
        const local = store.getVersionIntegrity(registry, p.name, p.version);
        if (local !== undefined && (p.integrity === undefined || p.integrity === local) && store.hasPackage(local, analyzer)) continue;
        keys.push({ registry, name: p.name, version: p.version, ...(p.integrity ? { integrity: p.integrity } : {}) });
      }
      void shared.prepare(keys);
    },
    close: async () => {
      if (ownShared) await shared.close();
      if (!options.pool) await pool.close();
      if (ownStore) store?.close();
    },
  };
}
