import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { SharedLayerStats } from '../../cache/shared/layer.js';
import type { AnalysisPool } from '../analyze/pool.js';
import { mapLimit } from '../concurrency.js';
import { loadRegistryOptions, type RegistryOptions } from '../fetch/npmrc.js';
import { readLockfile } from '../lockfile/index.js';
import type { LockedPackage, Lockfile } from '../lockfile/types.js';
import { exitCodeOf } from '../errors.js';
import { resolveLimits } from '../limits.js';
import type { ScanOptions } from './scan.js';
import { scanLocked, type LockedScan } from './scan-locked.js';
import { openSession } from './session.js';

/** Error prefix of a local package (workspace, `file:` folder, link) whose folder is not on disk. */
export const NOT_ON_DISK = 'not-on-disk';

/**
 * Why a local package cannot be read, when its folder is missing: a lockfile audited away from its
 * checkout (a CI artefact, a downloaded lockfile) has no workspace folders. Not a failure: the
 * packages that come from the registry are scanned all the same.
 */
function missingFolder(pkg: LockedPackage, root: string): string | undefined {
  if ((pkg.source !== 'workspace' && pkg.source !== 'file' && pkg.source !== 'link') || pkg.path === undefined) return undefined;
  return existsSync(resolve(root, pkg.path)) ? undefined : `${NOT_ON_DISK}: ${pkg.source} folder ${pkg.path} is not next to the lockfile`;
}

/**
 * The exit code a set of scan failures calls for (CONTRACT.md): 3 when one failed for a network or
 * internal reason (a retry may help); 2 for a problem with the input (a version the registry does not
 * have, an integrity mismatch, a tarball over a limit, a source depcaps does not analyse); 0 when
 * there are none, or only local folders that are not on disk.
 */
export function failureExitCode(errors: readonly string[]): 0 | 2 | 3 {
  let worst: 0 | 2 | 3 = 0;
  for (const error of errors) {
    if (error.startsWith(`${NOT_ON_DISK}:`)) continue;
    // A git or tarball-URL dependency that could not be fetched says why after its "not analysed" line.
    const code = /^(?:unsupported-source: .*? is not analysed: )?(E_[A-Z_]+):/.exec(error)?.[1];
    const exit = code !== undefined ? exitCodeOf(code) : error.startsWith('unsupported-source:') ? 2 : 3;
    if (exit === 3) return 3;
    worst = 2;
  }
  return worst;
}

/** Progress of a lockfile scan, for a progress bar. */
export interface LockfileScanProgress {
  done: number;
  total: number;
  cached: number;
  current: string;
}

/** Options of every command that scans the packages of a lockfile (audit, scripts). */
export interface LockfileScanOptions extends Omit<ScanOptions, 'pool' | 'store' | 'integrity'> {
  /** A worker pool to use (and leave open); by default one is made and closed. */
  pool?: AnalysisPool;
  /** Skip dev and/or optional packages, like `npm --omit`. */
  omit?: readonly ('dev' | 'optional')[];
  /** Packages fetched and scanned at once (parsing is bounded by the worker pool). */
  concurrency?: number;
  onProgress?: (p: LockfileScanProgress) => void;
}

/**
 * Reads a lockfile and scans every package it installs (registry packages at their locked version,
 * verified against the lockfile's integrity; local ones from disk), handing each result to `summarise`
 * as it arrives, so a caller keeps only what it needs of each report. One package failing never
 * aborts the others.
 * @throws DepcapsError E_LOCKFILE when the lockfile cannot be read at all.
 */
export async function scanLockfile<T>(
  lockfilePath: string,
  options: LockfileScanOptions,
  summarise: (pkg: LockedPackage, scanned: LockedScan, lockfile: Lockfile) => T,
): Promise<{ lockfile: Lockfile; results: T[]; cached: number; shared?: SharedLayerStats }> {
  const env = options.env ?? process.env;
  const limits = resolveLimits(options.limits, env);
  const lockfile = await readLockfile(lockfilePath);
  const root = dirname(lockfile.path);
  const omit = new Set(options.omit ?? []);
  const wanted = lockfile.packages.filter((p) => !(omit.has('dev') && p.dev) && !(omit.has('optional') && p.optional));
  const session = openSession(options, env, limits);
  const cwd = options.cwd ?? root;
  // The npm configuration is the same for every package: read once. A broken one is left to each
  // scan to report (it names the file).
  let registryOptions: RegistryOptions | undefined;
  try {
    registryOptions = loadRegistryOptions({ cwd, env, ...(options.registry ? { registry: options.registry } : {}) });
  } catch {
    registryOptions = undefined;
  }
  const scanOptions: ScanOptions = { ...options, env, limits, pool: session.pool, store: session.store, shared: session.shared, cwd, ...(registryOptions ? { registryOptions } : {}) };
  // Every registry package's integrity is known up front: the shared store is asked in a few batches.
  session.prepare(
    wanted.filter((p) => p.source === 'registry').map((p) => ({ name: p.name, version: p.version, ...(p.integrity ? { integrity: p.integrity } : {}) })),
    { cwd, ...(options.registry ? { registry: options.registry } : {}) },
  );
  let done = 0;
  let cached = 0;
  let results: T[];
  try {
    results = await mapLimit(wanted, options.concurrency ?? 8, async (pkg) => {
      const missing = missingFolder(pkg, root);
      const scanned: LockedScan = missing !== undefined ? { error: missing } : await scanLocked(pkg, root, scanOptions);
      if (scanned.report?.stats.cached) cached++;
      const result = summarise(pkg, scanned, lockfile);
      options.onProgress?.({ done: ++done, total: wanted.length, cached, current: `${pkg.name}@${pkg.version}` });
      return result;
    });
  } finally {
    // Closing publishes what the shared store is still owed: its figures are final only after it.
    await session.close();
  }
  const shared = session.shared?.stats();
  return { lockfile, results, cached, ...(shared ? { shared } : {}) };
}
