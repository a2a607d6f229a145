import npmFetch from 'npm-registry-fetch';
import pickManifest from 'npm-pick-manifest';
import { DepcapsError } from '../errors.js';
import type { Limits } from '../limits.js';
import { redactUrl } from '../redact.js';
import { loadRegistryOptions, registryFor, secretsOf, splitNetworkOptions } from './npmrc.js';
import { toDepcapsError } from './registry.js';

/** A packument as stored: the body and the validators to revalidate it with. */
export interface StoredPackument {
  etag: string | null;
  lastModified: string | null;
  body: string;
  fetchedAt: number;
}

/** Where packuments are kept between runs (the SQLite cache); injected, so fetch/ does no SQL. */
export interface PackumentStore {
  getPackument(registry: string, name: string): StoredPackument | undefined;
  putPackument(registry: string, name: string, p: StoredPackument): void;
  touchPackument(registry: string, name: string): void;
}

/** Options of packument fetching and version resolution. */
export interface PackumentOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  registry?: string;
  limits: Limits;
  store?: PackumentStore;
  /** Use only the stored packument (no request). */
  offline?: boolean;
  /** Revalidate even a fresh stored packument. */
  refresh?: boolean;
}

/** A version picked from a packument. */
export interface ResolvedVersion {
  name: string;
  version: string;
  /** The registry base URL that serves the package (for the version → integrity cache key). */
  registry: string;
  integrity?: string;
}

/** A stored packument younger than this is used without a request (npm's registry says max-age=300). */
export const PACKUMENT_FRESH_MS = 5 * 60 * 1000;

/** Packuments are JSON the size of a package's history; a hostile one is bounded. */
const MAX_PACKUMENT_BYTES = 64 * 1024 * 1024;

/**
 * The full packument of `name` (versions, dist-tags, publish times, dependencies): from the store when
 * fresh, else revalidated with If-None-Match / If-Modified-Since (a 304 costs no body), else fetched.
 * @throws DepcapsError E_NOT_FOUND, E_REGISTRY, E_TIMEOUT; E_NOT_FOUND with `offline` and nothing stored.
 */
export async function fetchPackument(name: string, opts: PackumentOptions): Promise<Record<string, unknown>> {
  const { registryOptions, network } = splitNetworkOptions(loadRegistryOptions({ cwd: opts.cwd, env: opts.env, ...(opts.registry ? { registry: opts.registry } : {}) }));
  const registry = registryFor(name, registryOptions);
  const stored = opts.store?.getPackument(registry, name);
  const parse = (body: string) => JSON.parse(body) as Record<string, unknown>;
  if (stored && (opts.offline || (!opts.refresh && Date.now() - stored.fetchedAt < PACKUMENT_FRESH_MS))) return parse(stored.body);
  if (opts.offline) {
    throw new DepcapsError('E_NOT_FOUND', `${name}: not in the cache, and --offline forbids asking ${redactUrl(registry)}.`, { hint: 'Run once without --offline.' });
  }
  const url = `${registry}${name.replace('/', '%2f')}`;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (stored?.etag) headers['if-none-match'] = stored.etag;
  if (stored?.lastModified) headers['if-modified-since'] = stored.lastModified;
  let status: number;
  let body = '';
  let etag: string | null = null;
  let lastModified: string | null = null;
  const deadline = AbortSignal.timeout(opts.limits.fetchTimeoutMs * (opts.limits.fetchRetries + 1) + 4000 * opts.limits.fetchRetries);
  try {
    const res = await npmFetch(url, {
      ...registryOptions,
      ...network,
      registry,
      headers,
      retry: { retries: opts.limits.fetchRetries, factor: 2, minTimeout: 250, maxTimeout: 4000, randomize: true },
      timeout: opts.limits.fetchTimeoutMs,
      signal: deadline,
    } as npmFetch.Options);
    status = res.status;
    if (status !== 304) {
      const declared = Number(res.headers.get('content-length') ?? 0);
      if (declared > MAX_PACKUMENT_BYTES) throw new DepcapsError('E_REGISTRY', `${name}: the packument at ${redactUrl(url)} is over ${MAX_PACKUMENT_BYTES} bytes.`);
      body = await res.text();
      if (body.length > MAX_PACKUMENT_BYTES) throw new DepcapsError('E_REGISTRY', `${name}: the packument at ${redactUrl(url)} is over ${MAX_PACKUMENT_BYTES} bytes.`);
      etag = res.headers.get('etag');
      lastModified = res.headers.get('last-modified');
    }
  } catch (err) {
    throw toDepcapsError(err, { subject: name, url, registry, secrets: secretsOf(registryOptions), timedOut: deadline.aborted });
  }
  if (status === 304 && stored) {
    opts.store?.touchPackument(registry, name);
    return parse(stored.body);
  }
  let packument: Record<string, unknown>;
  try {
    packument = parse(body);
  } catch {
    throw new DepcapsError('E_REGISTRY', `${name}: invalid JSON from ${redactUrl(url)}.`);
  }
  if (packument['name'] !== name) throw new DepcapsError('E_REGISTRY', `${name}: ${redactUrl(url)} answered with a packument for another package.`);
  opts.store?.putPackument(registry, name, { etag, lastModified, body, fetchedAt: Date.now() });
  return packument;
}

/**
 * Picks the version `spec` (`name@range|tag|version`) resolves to, the way npm does, from the
 * (cached) packument: its exact version and tarball integrity.
 * @throws DepcapsError E_NOT_FOUND (with the closest versions) when nothing matches.
 */
export async function resolveVersion(name: string, wanted: string, opts: PackumentOptions): Promise<ResolvedVersion> {
  const packument = await fetchPackument(name, opts);
  const { registryOptions } = splitNetworkOptions(loadRegistryOptions({ cwd: opts.cwd, env: opts.env, ...(opts.registry ? { registry: opts.registry } : {}) }));
  const registry = registryFor(name, registryOptions);
  let manifest: ReturnType<typeof pickManifest>;
  try {
    manifest = pickManifest(packument, wanted === '' ? 'latest' : wanted, { defaultTag: 'latest' });
  } catch (err) {
    const e = err as { code?: string };
    throw toDepcapsError(
      Object.assign(err as object, { versions: Object.keys((packument['versions'] as object | undefined) ?? {}), distTags: packument['dist-tags'], wanted, code: e.code ?? 'ETARGET' }),
      { subject: `${name}@${wanted}`, url: `${registry}${name}`, registry, secrets: [] },
    );
  }
  return { name, version: manifest.version, registry, ...(manifest.dist?.integrity ? { integrity: manifest.dist.integrity } : {}) };
}
