import { resolveCacheDir } from '../cache/location.js';
import { defaultCatalogIndex } from './analyze/catalog-index.js';
import { analyzePackage } from './analyze/package.js';
import { AnalysisPool } from './analyze/pool.js';
import { fetchPackage } from './fetch/index.js';
import type { FetchedPackage } from './fetch/types.js';
import { resolveLimits, type Limits } from './limits.js';
import type { ScanReport, ScanStatus } from './report/types.js';
import { toolVersion } from './version.js';

/** Options of `scanPackage`. */
export interface ScanOptions {
  /** depcaps cache directory (pacote's cache lives inside it). Default: see resolveCacheDir. */
  cacheDir?: string;
  /** Registry URL overriding .npmrc and npm_config_registry. */
  registry?: string;
  /** Where project `.npmrc` and relative targets are looked up. */
  cwd?: string;
  limits?: Partial<Limits>;
  env?: NodeJS.ProcessEnv;
  offline?: boolean;
  /** Expected SRI of the tarball (e.g. from a lockfile). */
  integrity?: string;
  /** A pool shared across scans (audits); otherwise one is made and closed per scan. */
  pool?: AnalysisPool;
}

/** Builds the scan report of an already fetched package. */
export async function scanFetched(pkg: FetchedPackage, pool: AnalysisPool, started = Date.now()): Promise<ScanReport> {
  const index = defaultCatalogIndex();
  const analysis = await analyzePackage(pkg.files, pool, index);
  const errors = [...pkg.errors, ...analysis.errors];
  const analyzedFiles = analysis.codeFiles - new Set(analysis.errors.map((e) => e.file)).size;
  // `error` is for a package that could not be read at all (a fetch failure, reported by the caller);
  // a package whose files failed to parse still had a lexical scan: partial.
  const status: ScanStatus = errors.length === 0 ? 'ok' : 'partial';
  return {
    schemaVersion: 1,
    tool: { name: 'depcaps', version: toolVersion(), catalogVersion: index.version },
    package: {
      name: pkg.name,
      version: pkg.version,
      ...(pkg.integrity ? { integrity: pkg.integrity } : {}),
      source: pkg.source,
    },
    status,
    capabilities: [...new Set(analysis.findings.map((f) => f.capability))].sort(),
    findings: analysis.findings,
    errors,
    anomalies: [...pkg.anomalies, ...analysis.anomalies],
    imports: analysis.imports,
    stats: { files: pkg.files.length, analyzedFiles: Math.max(0, analyzedFiles), bytes: pkg.bytes, ms: Date.now() - started, cached: false },
  };
}

/**
 * Scans one target (npm spec, package directory, tarball, or single file): what it can do, with evidence.
 * @throws DepcapsError when the package cannot be fetched or read at all (E_NOT_FOUND, E_REGISTRY, E_TARBALL_*, …).
 */
export async function scanPackage(target: string, options: ScanOptions = {}): Promise<ScanReport> {
  const started = Date.now();
  const env = options.env ?? process.env;
  const limits = resolveLimits(options.limits, env);
  const pkg = await fetchPackage(target, {
    cacheDir: resolveCacheDir(options.cacheDir, env),
    cwd: options.cwd ?? process.cwd(),
    limits,
    env,
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.offline ? { offline: true } : {}),
    ...(options.integrity ? { integrity: options.integrity } : {}),
  });
  const pool = options.pool ?? new AnalysisPool(limits);
  try {
    return await scanFetched(pkg, pool, started);
  } finally {
    if (!options.pool) await pool.close();
  }
}
