import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { DepcapsError } from '../errors.js';
import type { Limits } from '../limits.js';
import type { Anomaly } from '../contract/index.js';
import { readDirectory, readOneFile } from './directory.js';
import { DigestingBody, readVerified, strongest } from './download.js';
import { compareWithRegistry, readManifest } from './manifest.js';
import { loadRegistryOptions } from './npmrc.js';
import { fetchFromRegistry, type SriAlgorithm } from './registry.js';
import { parseRegistrySpec } from './spec.js';
import type { FetchedPackage } from './types.js';

export { parseRegistrySpec };

/** How {@link fetchPackage} reaches packages. */
export interface FetchOptions {
  /** Base for relative paths and the project `.npmrc` (default: process.cwd()). */
  cwd?: string;
  /** `--registry`: the default registry, over every `.npmrc` and environment setting. */
  registry?: string;
  limits: Limits;
  /** Environment for HOME, `npm_config_*` and `${VAR}` in `.npmrc` (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Never the network. No tarball is kept between runs, so a registry fetch then fails (E_REGISTRY). */
  offline?: boolean;
  /** Expected SRI, e.g. from a lockfile: merged with the registry's, never replaced. */
  integrity?: string;
  /** Backoff between HTTP retries, ms (default 250 → 4000, with jitter). */
  retryMinTimeoutMs?: number;
  retryMaxTimeoutMs?: number;
  /**
   * Abbreviated packuments, in memory, shared by the fetches of one run (history fetches hundreds of
   * versions of one package: without it each would download the packument again).
   */
  packumentCache?: Map<string, unknown>;
}

const TARBALL_EXTENSIONS = ['.tgz', '.tar.gz', '.tar'];

/**
 * Reads a package from wherever `target` points, as its bytes stream in: an existing directory, a
 * `.tgz`/`.tar.gz`/`.tar` file, any other file (a one-file package), or else an npm spec resolved
 * through the configured registry. Nothing is extracted or written to disk, and memory does not grow
 * with the size of non-code files (see StreamedFile).
 * @throws DepcapsError E_USAGE (bad spec or path), E_NOT_FOUND, E_INTEGRITY, E_REGISTRY,
 *   E_TIMEOUT, E_TARBALL_LIMIT, E_TARBALL_INVALID, E_TARBALL_TRUNCATED.
 */
export async function fetchPackage(target: string, options: FetchOptions): Promise<FetchedPackage> {
  if (typeof target !== 'string' || target.trim() === '') throw new DepcapsError('E_USAGE', 'No package given.');
  const cwd = options.cwd ?? process.cwd();
  const path = resolve(cwd, target);
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) return fetchDirectory(target, path, options);
  if (info?.isFile()) {
    const lower = path.toLowerCase();
    if (TARBALL_EXTENSIONS.some((ext) => lower.endsWith(ext))) return fetchLocalTarball(target, path, options);
    return fetchSingleFile(target, path, options);
  }
  return fetchRegistryPackage(target, options);
}

/**
 * Fetches an npm spec from the configured registry, never interpreting it as a path. Callers
 * holding untrusted names (lockfile entries) use this, not {@link fetchPackage}.
 * @throws DepcapsError as {@link fetchPackage}.
 */
export async function fetchRegistryPackage(spec: string, options: FetchOptions): Promise<FetchedPackage> {
  const parsed = parseRegistrySpec(spec);
  const registryOptions = loadRegistryOptions({
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? process.env,
    ...(options.registry !== undefined ? { registry: options.registry } : {}),
  });
  const got = await fetchFromRegistry(parsed, {
    registryOptions,
    limits: options.limits,
    ...pick(options, ['offline', 'integrity', 'retryMinTimeoutMs', 'retryMaxTimeoutMs', 'packumentCache']),
  });
  const { contents } = got;
  const mani = readManifest(contents.files, { name: got.name, version: got.version });
  const anomalies: Anomaly[] = [...contents.anomalies, ...mani.anomalies, ...compareWithRegistry(got.registryManifest, mani)];
  if (got.weakIntegrity !== undefined) anomalies.push({ file: '', kind: 'weak-integrity', message: got.weakIntegrity });
  return {
    source: 'registry',
    spec,
    // The registry's identity is what was asked for and what caches key on; a tarball that
    // claims otherwise is reported as a manifest-mismatch anomaly instead.
    name: got.name,
    version: got.version,
    integrity: got.integrity,
    resolved: got.resolved,
    tarballBytes: got.tarballBytes,
    files: contents.files,
    errors: contents.errors,
    anomalies,
    bytes: contents.bytes,
    ...(mani.manifest !== undefined ? { manifest: mani.manifest } : {}),
  };
}

/**
 * The sha512 integrity of `target` when it is a local tarball file (what a scan of it is cached
 * under), hashed as it streams from disk without unpacking it: a warm scan costs one hash, not
 * 2,000 entries.
 * @throws DepcapsError E_TARBALL_LIMIT when the file is over the compressed size limit.
 */
export async function localTarballIntegrity(target: string, options: Pick<FetchOptions, 'cwd' | 'limits'>): Promise<string | undefined> {
  const path = resolve(options.cwd ?? process.cwd(), target);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile() || !TARBALL_EXTENSIONS.some((ext) => path.toLowerCase().endsWith(ext))) return undefined;
  const body = openTarballFile(path, info.size, options.limits);
  await body.drain(Infinity);
  return body.digest('sha512');
}

/**
 * A local tarball's bytes as a hashed stream.
 * @throws DepcapsError E_TARBALL_LIMIT when it is over the compressed size limit.
 */
function openTarballFile(path: string, size: number, limits: Limits, algorithms: readonly SriAlgorithm[] = []): DigestingBody {
  if (size > limits.maxTarballBytes) {
    throw new DepcapsError('E_TARBALL_LIMIT', `${basename(path)} is ${size} bytes, over the ${limits.maxTarballBytes}-byte limit.`);
  }
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  return new DigestingBody(stream[Symbol.asyncIterator](), algorithms, (err) =>
    err instanceof DepcapsError ? err : new DepcapsError('E_USAGE', `Cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`));
}

async function fetchLocalTarball(spec: string, path: string, options: FetchOptions): Promise<FetchedPackage> {
  const label = basename(path);
  const expected = options.integrity !== undefined ? [strongest(options.integrity)] : [];
  const body = openTarballFile(path, (await stat(path)).size, options.limits, expected.map((e) => e.algorithm));
  let got;
  try {
    got = await readVerified(body, { label, subject: spec, limits: options.limits, expected });
  } finally {
    // An early stop (a limit) leaves the file open until its stream is told.
    await body.close();
  }
  const { contents } = got;
  const mani = readManifest(contents.files, { name: label.replace(/(\.tgz|\.tar\.gz|\.tar)$/i, ''), version: '' });
  return {
    source: 'tarball',
    spec,
    name: mani.name,
    version: mani.version,
    integrity: got.integrity,
    files: contents.files,
    errors: contents.errors,
    anomalies: [...contents.anomalies, ...mani.anomalies],
    bytes: contents.bytes,
    tarballBytes: got.tarballBytes,
    ...(mani.manifest !== undefined ? { manifest: mani.manifest } : {}),
  };
}

async function fetchDirectory(spec: string, path: string, options: FetchOptions): Promise<FetchedPackage> {
  const label = basename(path);
  const contents = await readDirectory(path, { label, limits: options.limits });
  const mani = readManifest(contents.files, { name: label, version: '' });
  return {
    source: 'directory',
    spec,
    name: mani.name,
    version: mani.version,
    files: contents.files,
    errors: contents.errors,
    anomalies: [...contents.anomalies, ...mani.anomalies],
    bytes: contents.bytes,
    ...(mani.manifest !== undefined ? { manifest: mani.manifest } : {}),
  };
}

async function fetchSingleFile(spec: string, path: string, options: FetchOptions): Promise<FetchedPackage> {
  const name = basename(path);
  const out = { files: [], errors: [], anomalies: [], bytes: 0 } as Pick<FetchedPackage, 'files' | 'errors' | 'anomalies' | 'bytes'>;
  await readOneFile(path, name, out, { label: name, limits: options.limits });
  return { source: 'file', spec, name, version: '', ...out };
}

function pick<T extends object, K extends keyof T>(obj: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (obj[key] !== undefined) out[key] = obj[key];
  return out;
}
