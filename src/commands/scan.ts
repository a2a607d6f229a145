import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { resolveCacheDir } from '../../cache/location.js';
import { openCache } from '../../cache/open.js';
import type { SharedLayer } from '../../cache/shared/layer.js';
import type { CacheStore, PackageEntry } from '../../cache/store.js';
import { defaultCatalogIndex } from '../analyze/catalog-index.js';
import type { FileAnalysis } from '../analyze/file.js';
import type { AnalysisPool } from '../analyze/pool.js';
import type { FetchOptions } from '../fetch/index.js';
import { loadRegistryOptions, registryFor, type RegistryOptions } from '../fetch/npmrc.js';
import { parseRegistrySpec } from '../fetch/spec.js';
import type { FetchedPackage } from '../fetch/types.js';
import { resolveLimits, type Limits } from '../limits.js';
import type { DeclaredDependencies, ScanReport, ScanStatus } from '../contract/index.js';
import { analyzerVersionOf, contentIntegrity, decodeFileResult, encodeFileResult, fileKey, type StoredFileResult } from './scan-cache.js';
import { toolVersion } from '../version.js';
import { openShared } from './session.js';

// The fetcher (tar, npm-registry-fetch, pacote for git) and the engine (babel, workers) load only when
// the cache cannot answer: a warm scan is a SQLite lookup, and its process never pays for loading them.
const fetcher = () => import('../fetch/index.js');

/** Options of `scanPackage`. */
export interface ScanOptions {
  /**
   * The npm configuration (.npmrc files, npm_config_* variables) already read for this cwd, env and
   * registry: a lockfile scan reads it once, not once per package.
   */
  registryOptions?: RegistryOptions;
  /** The target is a registry spec (`name@version`), never a path on disk: no file-system check. */
  registryTarget?: boolean;
  /** depcaps cache directory (the SQLite cache of results). Default: see resolveCacheDir. */
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
  /** `postgres://…` of a result store shared by a fleet (default: DEPCAPS_CACHE_URL); see README. */
  cacheUrl?: string;
  /** Read the shared store, never write it (default: DEPCAPS_CACHE_URL_READONLY=1, or `?mode=ro`). */
  cacheUrlReadonly?: boolean;
  /** The shared store layer of the session (audits); otherwise one is opened per scan when a URL is set. */
  shared?: SharedLayer | null;
  /** Override of the analyzer version results are cached under (tests of invalidation). */
  analyzerVersion?: string;
  /** Abbreviated packuments shared in memory by the scans of one run (history, diff: many versions of one package). */
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
  const { analyzePackage } = await import('../analyze/package.js');
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
    // A package fetched from git is installed from git: its `prepare` runs at install too.
    runsAtInstall: analysis.runsAtInstall || (pkg.source === 'git' && (analysis.install?.scripts.some((s) => s.when === 'git') ?? false)),
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
 * version fetches and parses nothing. Tarballs themselves are never kept.
 * @throws DepcapsError when the package cannot be fetched or read at all (E_NOT_FOUND, E_REGISTRY, E_TARBALL_*, …).
 */
export async function scanPackage(target: string, options: ScanOptions = {}): Promise<ScanReport> {
  return withContext(options, (ctx) => scanTarget(target, ctx));
}

/**
 * Scans a git dependency (`git+https://…#<commit>`, `github:owner/repo#<commit>`) or a tarball URL, as a
 * lockfile locks it, fetched the way npm installs it (no script runs). A git result is cached under its
 * commit (`git:<url>#<commit>`), a tarball URL's under its integrity: a warm run needs no network.
 * @throws DepcapsError when it cannot be fetched (git missing, host unreachable, E_INTEGRITY, …).
 */
export async function scanUrl(kind: 'git' | 'remote', url: string, options: ScanOptions = {}): Promise<ScanReport> {
  return withContext(options, async (ctx) => {
    const analyzer = analyzerOf(ctx);
    // A pinned commit names fixed content, like an integrity does: it is the cache key.
    const key = kind === 'git' ? await gitKey(url) : ctx.integrity !== undefined && /^sha512-\S+$/.test(ctx.integrity.trim()) ? ctx.integrity.trim() : undefined;
    const hit = key !== undefined ? lookup(ctx, key, analyzer) : undefined;
    if (hit) return fromCache(hit, ctx.started, kind);
    const fetchOptions = fetchOptionsOf(ctx);
    const pkg = kind === 'git' ? await (await import('../fetch/git.js')).fetchGitPackage(url, fetchOptions) : await (await import('../fetch/remote.js')).fetchRemotePackage(url, fetchOptions);
    return analyse(pkg, ctx, { key: kind === 'git' ? key ?? (pkg.resolved !== undefined ? await gitKey(pkg.resolved) : undefined) : undefined });
  });
}

/** The cache key of a git dependency pinned to a commit; credentials never enter it. */
async function gitKey(url: string): Promise<string | undefined> {
  const { pinnedCommit, redactGitUrl } = await import('../fetch/git-spec.js');
  return pinnedCommit(url) !== undefined ? `git:${redactGitUrl(url)}` : undefined;
}

async function withContext(options: ScanOptions, run: (ctx: Context) => Promise<ScanReport>): Promise<ScanReport> {
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
  const layered = openShared({ ...options, onWarning: warn }, env, limits, store);
  const ownShared = layered.shared !== null && options.shared === undefined;
  try {
    return await run({ ...options, env, cwd, limits, cacheDir, warn, store: layered.local, shared: layered.shared, started });
  } finally {
    if (ownShared) await layered.shared?.close();
    if (ownStore || layered.ownsLocal) layered.local?.close();
  }
}

interface Context extends ScanOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  limits: Limits;
  cacheDir: string;
  warn: (message: string) => void;
  store: CacheStore | null;
  shared: SharedLayer | null;
  started: number;
}

function analyzerOf(ctx: Context): string {
  return ctx.analyzerVersion ?? analyzerVersionOf(defaultCatalogIndex());
}

function fetchOptionsOf(ctx: Context): FetchOptions {
  return {
    cwd: ctx.cwd,
    limits: ctx.limits,
    env: ctx.env,
    ...(ctx.registry ? { registry: ctx.registry } : {}),
    ...(ctx.offline ? { offline: true } : {}),
    ...(ctx.integrity ? { integrity: ctx.integrity } : {}),
    ...(ctx.packumentCache ? { packumentCache: ctx.packumentCache } : {}),
  };
}

/**
 * A cached report, when one fits this run: only results of this analyzer, and no result that depended
 * on a smaller parse limit than this run's (a `partial` computed under `--max-file-bytes 1MiB` is not
 * what `--max-file-bytes 64MiB` asks for). The other limits stop a package before it has a result.
 */
function lookup(ctx: Context, key: string, analyzer: string): ScanReport | undefined {
  return (ctx.store?.getPackage(key, analyzer, { maxFileBytes: ctx.limits.maxFileBytes }) as ScanReport | undefined) ?? undefined;
}

async function scanTarget(target: string, ctx: Context): Promise<ScanReport> {
  const { store, started } = ctx;
  const analyzer = analyzerOf(ctx);
  const fetchOptions = fetchOptionsOf(ctx);
  /** The cached report of a tarball, when the cache has it and it is the one the caller expects. */
  const cached = (integrity: string | undefined): ScanReport | undefined =>
    integrity !== undefined && (ctx.integrity === undefined || ctx.integrity === integrity) ? lookup(ctx, integrity, analyzer) : undefined;
  // Existing paths win, as in fetchPackage: `./x` and `x` that exist on disk are never npm specs.
  if (!ctx.registryTarget && existsSync(resolve(ctx.cwd, target))) {
    const { fetchPackage, localTarballIntegrity } = await fetcher();
    const peek = store ? await localTarballIntegrity(target, { cwd: ctx.cwd, limits: ctx.limits }) : undefined;
    const hit = cached(peek);
    if (hit) return fromCache(hit, started, 'tarball');
    return analyse(await fetchPackage(target, fetchOptions), ctx, {});
  }
  const spec = parseRegistrySpec(target);
  let version = spec.fetchSpec;
  let registry: string;
  if (spec.type === 'version') {
    // An exact version: the version → tarball mapping in the cache needs no request at all.
    registry = registryFor(spec.name, ctx.registryOptions ?? loadRegistryOptions({ cwd: ctx.cwd, env: ctx.env, ...(ctx.registry ? { registry: ctx.registry } : {}) }));
  } else {
    const { resolveVersion } = await import('../fetch/packument.js');
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
  const registryVersion = { registry, name: spec.name, version };
  // The lockfile's integrity names the tarball as well as the mapping does (also when it was scanned
  // through another registry URL): an offline re-run is complete from results alone.
  const local = (): ScanReport | undefined => cached(store?.getVersionIntegrity(registry, spec.name, version)) ?? cached(ctx.integrity);
  let hit = local();
  if (!hit && ctx.shared) {
    // A local miss: the shared store's result (asked in a batch with the other scans of the run)
    // lands in the local cache, so everything below reads one store.
    await ctx.shared.prepare([{ ...registryVersion, ...(ctx.integrity ? { integrity: ctx.integrity } : {}) }]);
    hit = local();
  }
  if (hit) return fromCache(hit, started, 'registry');
  return analyse(await (await fetcher()).fetchRegistryPackage(`${spec.name}@${version}`, fetchOptions), ctx, { registryVersion });
}

/** Analyses a fetched package (reusing cached file results) and caches its report under `key` or its integrity. */
async function analyse(
  pkg: FetchedPackage,
  ctx: Context,
  opts: { key?: string | undefined; registryVersion?: { registry: string; name: string; version: string } },
): Promise<ScanReport> {
  const { store, started } = ctx;
  const analyzer = analyzerOf(ctx);
  const { registryVersion } = opts;
  const integrity = opts.key ?? pkg.integrity ?? contentIntegrity(pkg.files);
  if (store) {
    const hit = lookup(ctx, integrity, analyzer);
    if (hit) {
      if (registryVersion) remember(ctx, { integrity, analyzer, name: pkg.name, version: pkg.version, report: hit, files: [], registryVersion });
      return fromCache(hit, started, pkg.source);
    }
  }
  const { isBuffered, isCodeFile } = await import('../analyze/intake.js');
  const keys = new Map<string, { sha256: string; mode: string }>();
  for (const f of pkg.files) if (isBuffered(f) && isCodeFile(f.path, f.data)) keys.set(f.path, fileKey(f.path, f.data));
  const reuse = new Map<string, FileAnalysis>();
  if (store) {
    const cachedFiles = store.getFiles([...keys.values()], analyzer);
    for (const [path, key] of keys) {
      const stored = cachedFiles.get(`${key.sha256}:${key.mode}`) as StoredFileResult | undefined;
      if (stored) reuse.set(path, decodeFileResult(stored, path));
    }
  }
  const pool = ctx.pool ?? new (await import('../analyze/pool.js')).AnalysisPool(ctx.limits);
  let result;
  try {
    result = await scanFetched(pkg, pool, started, reuse);
  } finally {
    if (!ctx.pool) await pool.close();
  }
  const { report, fresh } = result;
  if (store) {
    const files = [...fresh].map(([path, r]) => ({ ...keys.get(path)!, result: encodeFileResult(r, path) }));
    // A file over the parse limit makes the result depend on it (see lookup).
    const limited = report.errors.some((e) => e.reason === 'file-too-large');
    remember(ctx, {
      integrity,
      analyzer,
      name: pkg.name,
      version: pkg.version,
      report,
      files,
      ...(registryVersion ? { registryVersion } : {}),
      ...(limited ? { maxFileBytes: ctx.limits.maxFileBytes } : {}),
    });
  }
  return report;
}

/**
 * Stores a result in the local cache and queues it for the shared store. A local write that fails
 * (disk full, read-only, busy past the timeout) is a warning: the report stands.
 */
function remember(ctx: Context, entry: PackageEntry): void {
  try {
    ctx.store?.putPackage(entry);
  } catch (err) {
    ctx.warn(`could not write to the cache (${(err as { code?: string }).code ?? (err as Error).message}); the result was not cached`);
  }
  ctx.shared?.publish(entry);
}
