import { open, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { DepcapsError } from '../errors.js';
import type { Limits } from '../limits.js';
import type { Anomaly } from '../contract/index.js';
import { readDirectory } from './directory.js';
import { compareWithRegistry, readManifest } from './manifest.js';
import { loadRegistryOptions } from './npmrc.js';
import { clipDigest, fetchFromRegistry, integrityMatches, parseIntegrity, sha512Integrity } from './registry.js';
import { parseRegistrySpec } from './spec.js';
import { readTarball } from './tarball.js';
import type { FetchedPackage } from './types.js';

export { parseRegistrySpec };

/** How {@link fetchPackage} reaches packages. */
export interface FetchOptions {
  /** depcaps cache dir; pacote's cache goes in `join(cacheDir, 'pacote')`. */
  cacheDir: string;
  /** Base for relative paths and the project `.npmrc` (default: process.cwd()). */
  cwd?: string;
  /** `--registry`: the default registry, over every `.npmrc` and environment setting. */
  registry?: string;
  limits: Limits;
  /** Environment for HOME, `npm_config_*` and `${VAR}` in `.npmrc` (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Use the cache only, never the network. */
  offline?: boolean;
  /** Revalidate cached packuments. */
  preferOnline?: boolean;
  /** Expected SRI, e.g. from a lockfile: merged with the registry's, never replaced. */
  integrity?: string;
  /** Backoff between HTTP retries, ms (default 250 → 4000, with jitter). */
  retryMinTimeoutMs?: number;
  retryMaxTimeoutMs?: number;
  /**
   * pacote's in-memory packument cache, shared by the scans of one run (history scans hundreds of
   * versions of one package: without it each would download the packument again).
   */
  packumentCache?: Map<string, unknown>;
}

const TARBALL_EXTENSIONS = ['.tgz', '.tar.gz', '.tar'];

/**
 * Reads a package into memory from wherever `target` points: an existing directory, a
 * `.tgz`/`.tar.gz`/`.tar` file, any other file (a one-file package), or else an npm spec
 * resolved through the configured registry. Nothing is extracted to disk.
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
    cacheDir: options.cacheDir,
    registryOptions,
    limits: options.limits,
    ...pick(options, ['offline', 'preferOnline', 'integrity', 'retryMinTimeoutMs', 'retryMaxTimeoutMs', 'packumentCache']),
  });
  const subject = `${got.name}@${got.version}`;
  const contents = await readTarball(got.data, { label: subject, limits: options.limits });
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
    tarballBytes: got.data.length,
    files: contents.files,
    errors: contents.errors,
    anomalies,
    bytes: contents.bytes,
    ...(mani.manifest !== undefined ? { manifest: mani.manifest } : {}),
  };
}

/**
 * The sha512 integrity of `target` when it is a local tarball file (what a scan of it is cached
 * under), without unpacking it: a warm scan then costs one hash, not 2,000 entries.
 * @throws DepcapsError E_TARBALL_LIMIT when the file is over the compressed size limit.
 */
export async function localTarballIntegrity(target: string, options: Pick<FetchOptions, 'cwd' | 'limits'>): Promise<string | undefined> {
  const path = resolve(options.cwd ?? process.cwd(), target);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile() || !TARBALL_EXTENSIONS.some((ext) => path.toLowerCase().endsWith(ext))) return undefined;
  return sha512Integrity(await readBounded(path, options.limits.maxTarballBytes, 'E_TARBALL_LIMIT'));
}

async function fetchLocalTarball(spec: string, path: string, options: FetchOptions): Promise<FetchedPackage> {
  const data = await readBounded(path, options.limits.maxTarballBytes, 'E_TARBALL_LIMIT');
  const integrity = sha512Integrity(data);
  if (options.integrity !== undefined && !integrityMatches(data, parseIntegrity(options.integrity))) {
    throw new DepcapsError('E_INTEGRITY', `Integrity mismatch for ${spec}: expected ${clipDigest(options.integrity)}, got ${clipDigest(integrity)}.`);
  }
  const label = basename(path);
  const contents = await readTarball(data, { label, limits: options.limits });
  const mani = readManifest(contents.files, { name: label.replace(/(\.tgz|\.tar\.gz|\.tar)$/i, ''), version: '' });
  return {
    source: 'tarball',
    spec,
    name: mani.name,
    version: mani.version,
    integrity,
    files: contents.files,
    errors: contents.errors,
    anomalies: [...contents.anomalies, ...mani.anomalies],
    bytes: contents.bytes,
    tarballBytes: data.length,
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
  const base = { source: 'file' as const, spec, name, version: '', anomalies: [] };
  const size = (await stat(path)).size;
  if (size > options.limits.maxFileBytes) {
    const message = `${size} bytes, over the ${options.limits.maxFileBytes}-byte limit (maxFileBytes); not read.`;
    return { ...base, files: [], errors: [{ file: name, reason: 'file-too-large', message }], bytes: 0 };
  }
  const data = await readBounded(path, options.limits.maxFileBytes, 'E_TARBALL_LIMIT');
  return { ...base, files: [{ path: name, data }], errors: [], bytes: data.length };
}

/**
 * Reads a whole file of at most `max` bytes.
 * @throws DepcapsError `code` when it is larger, E_USAGE when it cannot be read.
 */
async function readBounded(path: string, max: number, code: 'E_TARBALL_LIMIT'): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new DepcapsError('E_USAGE', `Cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  try {
    const size = (await handle.stat()).size;
    if (size > max) throw new DepcapsError(code, `${basename(path)} is ${size} bytes, over the ${max}-byte limit.`);
    const buf = Buffer.alloc(size);
    let length = 0;
    while (length < size) {
      const { bytesRead } = await handle.read(buf, length, size - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return buf.subarray(0, length);
  } finally {
    await handle.close();
  }
}

function pick<T extends object, K extends keyof T>(obj: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (obj[key] !== undefined) out[key] = obj[key];
  return out;
}
