import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { AnalysisPool } from '../analyze/pool.js';
import { mapLimit } from '../concurrency.js';
import { readLockfile } from '../lockfile/index.js';
import type { LockedPackage } from '../lockfile/types.js';
import { resolveLimits } from '../limits.js';
import { exitCodeOf } from '../errors.js';
import type { AuditPackage, AuditReport, ScanReport } from '../contract/index.js';
import { type ScanOptions } from './scan.js';
import { scanLocked } from './scan-locked.js';
import { openSession } from './session.js';

/** Progress of an audit, for a progress bar. */
export interface AuditProgress {
  done: number;
  total: number;
  cached: number;
  current: string;
}

/** Options of an audit. */
export interface AuditOptions extends Omit<ScanOptions, 'pool' | 'store' | 'integrity'> {
  /** A worker pool to use (and leave open); by default the audit makes and closes its own. */
  pool?: AnalysisPool;
  /** Skip dev and/or optional packages, like `npm --omit`. */
  omit?: readonly ('dev' | 'optional')[];
  /** Packages fetched and scanned at once (parsing is bounded by the worker pool). */
  concurrency?: number;
  onProgress?: (p: AuditProgress) => void;
}

function summarise(pkg: LockedPackage, report: ScanReport): AuditPackage {
  const counts: Record<string, number> = {};
  const evidence: AuditPackage['evidence'] = [];
  for (const f of report.findings) {
    counts[f.capability] = (counts[f.capability] ?? 0) + 1;
    if (counts[f.capability]! <= 3) evidence.push({ capability: f.capability, api: f.api, file: f.file, line: f.line, excerpt: f.excerpt });
  }
  return {
    ...base(pkg),
    status: report.status,
    capabilities: report.capabilities,
    counts,
    evidence,
    ...(report.status === 'partial' ? { error: `${report.errors.length} file(s) not fully analysed: ${report.errors[0]?.message ?? ''}` } : {}),
    cached: report.stats.cached,
    tarballBytes: report.stats.tarballBytes ?? 0,
    parsedBytes: report.stats.parsedBytes ?? 0,
  };
}

function base(pkg: LockedPackage): Pick<AuditPackage, 'name' | 'version' | 'alias' | 'source' | 'dev' | 'optional' | 'key' | 'line'> {
  return { name: pkg.name, version: pkg.version, ...(pkg.alias ? { alias: pkg.alias } : {}), source: pkg.source, dev: pkg.dev, optional: pkg.optional, key: pkg.key, line: pkg.line };
}

/** Error prefix of a local package (workspace, `file:` folder, link) whose folder is not on disk. */
const NOT_ON_DISK = 'not-on-disk';

/**
 * Why a local package cannot be read, when its folder is missing: a lockfile audited away from its
 * checkout (a CI artefact, a downloaded lockfile) has no workspace folders. Not a failure: the
 * packages that come from the registry are audited all the same.
 */
function missingFolder(pkg: LockedPackage, root: string): string | undefined {
  if ((pkg.source !== 'workspace' && pkg.source !== 'file' && pkg.source !== 'link') || pkg.path === undefined) return undefined;
  return existsSync(resolve(root, pkg.path)) ? undefined : `${NOT_ON_DISK}: ${pkg.source} folder ${pkg.path} is not next to the lockfile`;
}

/** The audited local packages whose folders were not on disk (reported together, in one line). */
export function missingFolders(report: AuditReport): AuditPackage[] {
  return report.packages.filter((p) => p.status === 'error' && p.error?.startsWith(`${NOT_ON_DISK}:`));
}

/**
 * The exit code the packages that were not analysed call for (CONTRACT.md): 3 when one failed for
 * a network or internal reason (a retry may help); 2 for a problem with the input (a version the
 * registry does not have, an integrity mismatch, a tarball over a limit, a source depcaps does not
 * analyse); 0 when only local folders are missing (see {@link missingFolders}) or nothing failed.
 */
export function incompleteExitCode(report: AuditReport): 0 | 2 | 3 {
  let worst: 0 | 2 | 3 = 0;
  for (const p of report.packages) {
    if (p.status !== 'error' || p.error?.startsWith(`${NOT_ON_DISK}:`)) continue;
    // A git or tarball-URL dependency that could not be fetched says why after its "not analysed" line.
    const code = /^(?:unsupported-source: .*? is not analysed: )?(E_[A-Z_]+):/.exec(p.error ?? '')?.[1];
    const exit = code !== undefined ? exitCodeOf(code) : p.error?.startsWith('unsupported-source:') ? 2 : 3;
    if (exit === 3) return 3;
    worst = 2;
  }
  return worst;
}

function failed(pkg: LockedPackage, error: string): AuditPackage {
  return { ...base(pkg), status: 'error', capabilities: [], counts: {}, evidence: [], error, cached: false, tarballBytes: 0, parsedBytes: 0 };
}

/**
 * Audits every package a lockfile installs: registry packages at their exact locked version, verified
 * against the lockfile's integrity; file/link/workspace packages from disk; git dependencies at their
 * commit and tarball URLs (see scanLocked). One package failing never aborts the audit.
 * @throws DepcapsError E_LOCKFILE when the lockfile cannot be read at all.
 */
export async function auditLockfile(lockfilePath: string, options: AuditOptions = {}): Promise<AuditReport> {
  const env = options.env ?? process.env;
  const limits = resolveLimits(options.limits, env);
  const lockfile = await readLockfile(lockfilePath);
  const root = dirname(lockfile.path);
  const omit = new Set(options.omit ?? []);
  const wanted = lockfile.packages.filter((p) => !(omit.has('dev') && p.dev) && !(omit.has('optional') && p.optional));
  const session = openSession(options, env, limits);
  const cwd = options.cwd ?? root;
  const scanOptions: ScanOptions = { ...options, env, limits, pool: session.pool, store: session.store, shared: session.shared, cwd };
  // Every registry package's integrity is known up front: the shared store is asked in a few batches.
  session.prepare(
    wanted.filter((p) => p.source === 'registry').map((p) => ({ name: p.name, version: p.version, ...(p.integrity ? { integrity: p.integrity } : {}) })),
    { cwd, ...(options.registry ? { registry: options.registry } : {}) },
  );
  let done = 0;
  let cached = 0;
  let packages: AuditPackage[];
  try {
    packages = await mapLimit(wanted, options.concurrency ?? 8, async (pkg) => {
      const label = `${pkg.name}@${pkg.version}`;
      const missing = missingFolder(pkg, root);
      const scanned = missing !== undefined ? { error: missing } : await scanLocked(pkg, root, scanOptions);
      const result = scanned.report ? summarise(pkg, scanned.report) : failed(pkg, scanned.error);
      if (result.cached) cached++;
      options.onProgress?.({ done: ++done, total: wanted.length, cached, current: label });
      return result;
    });
  } finally {
    // Closing publishes what the shared store is still owed: its figures are final only after it.
    await session.close();
  }
  const capabilities: Record<string, number> = {};
  for (const p of packages) for (const c of p.capabilities) capabilities[c] = (capabilities[c] ?? 0) + 1;
  const shared = session.shared?.stats();
  return {
    schemaVersion: 1,
    lockfile: { path: lockfile.path, format: lockfile.format, formatVersion: lockfile.formatVersion },
    packages,
    summary: {
      packages: packages.length,
      analyzed: packages.filter((p) => p.status === 'ok').length,
      partial: packages.filter((p) => p.status === 'partial').length,
      errors: packages.filter((p) => p.status === 'error').length,
      cached,
      tarballBytes: packages.reduce((n, p) => n + p.tarballBytes, 0),
      parsedBytes: packages.reduce((n, p) => n + p.parsedBytes, 0),
      capabilities: Object.fromEntries(Object.entries(capabilities).sort()),
      ...(shared
        ? {
            sharedCache: {
              store: shared.store,
              readonly: shared.readonly,
              hits: shared.hits,
              published: shared.published,
              inserted: shared.inserted,
              roundTrips: shared.roundTrips,
              ms: shared.ms,
              ...(shared.failed ? { failed: shared.failed } : {}),
            },
          }
        : {}),
    },
    diagnostics: lockfile.diagnostics,
  };
}
