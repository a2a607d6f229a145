import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { resolveCacheDir } from '../../cache/location.js';
import { openCache } from '../../cache/open.js';
import type { CacheStore } from '../../cache/store.js';
import { defaultCatalogIndex } from '../analyze/catalog-index.js';
import type { FileAnalysis } from '../analyze/file.js';
import { analyzePackage } from '../analyze/package.js';
import { isCodeFile } from '../analyze/parse.js';
import { AnalysisPool } from '../analyze/pool.js';
import { fetchPackage, fetchRegistryPackage, localTarballIntegrity, parseRegistrySpec } from '../fetch/index.js';
import { loadRegistryOptions, registryFor } from '../fetch/npmrc.js';
import { resolveVersion } from '../fetch/packument.js';
import type { FetchedPackage } from '../fetch/types.js';
import { resolveLimits, type Limits } from '../limits.js';
import type { DeclaredDependencies, ScanReport, ScanStatus } from '../contract/index.js';
import { analyzerVersionOf, contentIntegrity, decodeFileResult, encodeFileResult, fileKey, type StoredFileResult } from './scan-cache.js';
import { toolVersion } from '../version.js';

/** Options of `scanPackage`. */
export interface ScanOptions {
  /** depcaps cache directory (SQLite cache and pacote's cache). Default: see resolveCacheDir. */
  cacheDir?: string;
  /** Registry URL overriding .npmrc and npm_config_registry. */
  registry?: string;
  /** Where project `.npmrc` and relative targets are looked up. */
  cwd?: string;
  limits?: Partial<Limits>;
  env?: NodeJS.ProcessEnv;
  /** Registry data from the cache only: no request. */
  offline?: boolean;
  /** Revalidate cached registry data even when fresh. */
  refresh?: boolean;
  /** Neither read nor write the cache. */
  noCache?: boolean;
  /** Expected SRI of the tarball (e.g. from a lockfile). */
  integrity?: string;
  /** A pool shared across scans (audits); otherwise one is made and closed per scan. */
  pool?: AnalysisPool;
  /** A cache shared across scans; `null` for none. Otherwise the cache in `cacheDir` is opened per scan. */
  store?: CacheStore | null;
  /** Override of the analyzer version results are cached under (tests of invalidation). */
  analyzerVersion?: string;
  /** pacote's packument cache shared by the scans of one run (history, diff: many versions of one package). */
  packumentCache?: Map<string, unknown>;
  /** Receives one-line warnings (unusable cache, …). */
  onWarning?: (message: string) => void;
}

/** Builds the scan report of an already fetched package; `reuse` holds cached file results by path. */
export async function scanFetched(
  pkg: FetchedPackage,
  pool: AnalysisPool,
  started = Date.now(),
  reuse: ReadonlyMap<string, FileAnalysis> = new Map(),
): Promise<{ report: ScanReport; fresh: Map<string, FileAnalysis> }> {
  const index = defaultCatalogIndex();
  const analysis = await analyzePackage(pkg.files, pool, index, reuse);
  const errors = [...pkg.errors, ...analysis.errors];
  const analyzedFiles = analysis.codeFiles - new Set(analysis.errors.map((e) => e.file)).size;
  // `error` is for a package that could not be read at all (a fetch failure, reported by the caller);
  // a package whose files failed to parse still had a lexical scan: partial.
  const status: ScanStatus = errors.length === 0 ? 'ok' : 'partial';
  const report: ScanReport = {
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
    runsAtInstall: analysis.runsAtInstall,
    ...(analysis.install ? { install: analysis.install } : {}),
    dependencies: declaredDependencies(pkg.manifest),
    stats: {
      files: pkg.files.length,
      analyzedFiles: Math.max(0, analyzedFiles),
      parsedFiles: analysis.parsedFiles,
      reusedFiles: analysis.codeFiles - analysis.parsedFiles,
      bytes: pkg.bytes,
      parsedBytes: analysis.parsedBytes,
      ...(pkg.tarballBytes !== undefined ? { tarballBytes: pkg.tarballBytes } : {}),
      ms: Date.now() - started,
      cached: false,
    },
  };
  return { report, fresh: analysis.fresh };
}

/** String-valued entries of a manifest field; anything else a hostile package.json holds is ignored. */
function ranges(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/** The dependency ranges a manifest declares. */
function declaredDependencies(manifest: Record<string, unknown> | undefined): DeclaredDependencies {
  return {
    dependencies: ranges(manifest?.['dependencies']),
    optionalDependencies: ranges(manifest?.['optionalDependencies']),
    peerDependencies: ranges(manifest?.['peerDependencies']),
  };
}

/** A cached report as this run returns it: nothing was parsed, `cached: true`. */
function fromCache(stored: ScanReport, started: number, source: string | undefined): ScanReport {
  const { tarballBytes: _read, ...stats } = stored.stats;
  return {
    ...stored,
    package: { ...stored.package, ...(source ? { source } : {}) },
    stats: { ...stats, parsedFiles: 0, reusedFiles: 0, parsedBytes: 0, ms: Date.now() - started, cached: true },
  };
}

/**
 * Scans one target (npm spec, package directory, tarball, or single file): what it can do, with evidence.
 * Results are cached by tarball integrity (and file results by content): a repeat scan of a known
 * version fetches and parses nothing.
 * @throws DepcapsError when the package cannot be fetched or read at all (E_NOT_FOUND, E_REGISTRY, E_TARBALL_*, …).
 */
export async function scanPackage(target: string, options: ScanOptions = {}): Promise<ScanReport> {
  const started = Date.now();
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const limits = resolveLimits(options.limits, env);
  const cacheDir = resolveCacheDir(options.cacheDir, env);
  const warn = options.onWarning ?? (() => {});
  let store: CacheStore | null = null;
  let ownStore = false;
  if (!options.noCache) {
    if (options.store !== undefined) store = options.store;
    else {
      const opened = openCache(cacheDir);
      if (opened.warning) warn(opened.warning);
      store = opened.store;
      ownStore = store !== null;
    }
  }
  try {
    return await scanWithCache(target, { ...options, env, cwd, limits, cacheDir, warn, store, started });
  } finally {
    if (ownStore) store?.close();
  }
}

interface Context extends ScanOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  limits: Limits;
  cacheDir: string;
  warn: (message: string) => void;
  store: CacheStore | null;
  started: number;
}

async function scanWithCache(target: string, ctx: Context): Promise<ScanReport> {
  const { store, started } = ctx;
  const analyzer = ctx.analyzerVersion ?? analyzerVersionOf(defaultCatalogIndex());
  const fetchOptions = {
    cacheDir: ctx.cacheDir,
    cwd: ctx.cwd,
    limits: ctx.limits,
    env: ctx.env,
    ...(ctx.registry ? { registry: ctx.registry } : {}),
    ...(ctx.offline ? { offline: true } : {}),
    ...(ctx.refresh ? { preferOnline: true } : {}),
    ...(ctx.integrity ? { integrity: ctx.integrity } : {}),
    ...(ctx.packumentCache ? { packumentCache: ctx.packumentCache } : {}),
  };
  let pkg: FetchedPackage;
  let registryVersion: { registry: string; name: string; version: string } | undefined;
  /** The cached report of a tarball, when the cache has it and it is the one the caller expects. */
  const cached = (integrity: string | undefined): ScanReport | undefined =>
    store && integrity !== undefined && (ctx.integrity === undefined || ctx.integrity === integrity)
      ? (store.getPackage(integrity, analyzer) as ScanReport | undefined)
      : undefined;
  // Existing paths win, as in fetchPackage: `./x` and `x` that exist on disk are never npm specs.
  if (existsSync(resolve(ctx.cwd, target))) {
    const peek = store ? await localTarballIntegrity(target, { cwd: ctx.cwd, limits: ctx.limits }) : undefined;
    const hit = cached(peek);
    if (hit) return fromCache(hit, started, 'tarball');
    pkg = await fetchPackage(target, fetchOptions);
  } else {
    const spec = parseRegistrySpec(target);
    let version = spec.fetchSpec;
    let registry: string;
    if (spec.type === 'version') {
      // An exact version: the version → tarball mapping in the cache needs no request at all.
      registry = registryFor(spec.name, loadRegistryOptions({ cwd: ctx.cwd, env: ctx.env, ...(ctx.registry ? { registry: ctx.registry } : {}) }));
    } else {
      const resolved = await resolveVersion(spec.name, spec.fetchSpec, {
        cwd: ctx.cwd,
        env: ctx.env,
        limits: ctx.limits,
        ...(ctx.registry ? { registry: ctx.registry } : {}),
        ...(store ? { store } : {}),
        ...(ctx.offline ? { offline: true } : {}),
        ...(ctx.refresh ? { refresh: true } : {}),
      });
      version = resolved.version;
      registry = resolved.registry;
    }
    registryVersion = { registry, name: spec.name, version };
    const hit = cached(store?.getVersionIntegrity(registry, spec.name, version));
    if (hit) return fromCache(hit, started, 'registry');
    pkg = await fetchRegistryPackage(`${spec.name}@${version}`, fetchOptions);
  }
  const integrity = pkg.integrity ?? contentIntegrity(pkg.files);
  if (store) {
    const hit = store.getPackage(integrity, analyzer) as ScanReport | undefined;
    if (hit) {
      if (registryVersion) remember(ctx, () => store.putPackage({ integrity, analyzer, name: pkg.name, version: pkg.version, report: hit, files: [], registryVersion }));
      return fromCache(hit, started, pkg.source);
    }
  }
  const keys = new Map<string, { sha256: string; mode: string }>();
  for (const f of pkg.files) if (isCodeFile(f.path, f.data)) keys.set(f.path, fileKey(f.path, f.data));
  const reuse = new Map<string, FileAnalysis>();
  if (store) {
    const cached = store.getFiles([...keys.values()], analyzer);
    for (const [path, key] of keys) {
      const stored = cached.get(`${key.sha256}:${key.mode}`) as StoredFileResult | undefined;
      if (stored) reuse.set(path, decodeFileResult(stored, path));
    }
  }
  const pool = ctx.pool ?? new AnalysisPool(ctx.limits);
  let result;
  try {
    result = await scanFetched(pkg, pool, started, reuse);
  } finally {
    if (!ctx.pool) await pool.close();
  }
  const { report, fresh } = result;
  if (store) {
    const files = [...fresh].map(([path, r]) => ({ ...keys.get(path)!, result: encodeFileResult(r, path) }));
    remember(ctx, () =>
      store.putPackage({ integrity, analyzer, name: pkg.name, version: pkg.version, report, files, ...(registryVersion ? { registryVersion } : {}) }),
    );
  }
  return report;
}

/** A cache write that fails (disk full, read-only, busy past the timeout) is a warning: the report stands. */
function remember(ctx: Context, write: () => void): void {
  try {
    write();
  } catch (err) {
    ctx.warn(`could not write to the cache (${(err as { code?: string }).code ?? (err as Error).message}); the result was not cached`);
  }
}
