import npmFetch from 'npm-registry-fetch';
import pickManifest from 'npm-pick-manifest';
import semver from 'semver';
import { DepcapsError } from '../errors.js';
import type { Limits } from '../limits.js';
import { redact, redactUrl, scrubSecrets } from '../redact.js';
import { downloadTarball } from './download.js';
import { registryFor, secretsOf, splitNetworkOptions, type RegistryOptions } from './npmrc.js';
import type { TarballContents } from './tarball.js';

/** Options of {@link fetchFromRegistry}. */
export interface RegistryFetchOptions {
  registryOptions: RegistryOptions;
  limits: Limits;
  /** Refuse the network: depcaps keeps no tarballs, so this always fails (callers check their results first). */
  offline?: boolean;
  /** Expected SRI (from a lockfile): checked against the registry's, and the bytes against both. */
  integrity?: string;
  /** Backoff between retries, ms; tests shrink it. */
  retryMinTimeoutMs?: number;
  retryMaxTimeoutMs?: number;
  /**
   * Abbreviated packuments by URL, shared by the fetches of one run (history fetches hundreds of
   * versions of one package: without it each would download the packument again). In memory only.
   */
  packumentCache?: Map<string, unknown>;
}

/** A registry package read as its tarball downloaded, verified. */
export interface RegistryPackageContents {
  name: string;
  version: string;
  /** sha512 SRI of the bytes we got (verified against every expected integrity). */
  integrity: string;
  /** Set when the only integrity to verify against was sha1, or none at all. */
  weakIntegrity?: string;
  /** Tarball URL, credentials and query stripped. */
  resolved: string;
  contents: TarballContents;
  /** Compressed bytes downloaded. */
  tarballBytes: number;
  /** The version's entry in the (abbreviated) packument. */
  registryManifest: Record<string, unknown>;
}

/** Digest algorithms accepted in an SRI, weakest first. */
const SRI_ALGORITHMS = ['sha1', 'sha256', 'sha384', 'sha512'] as const;
/** An SRI hash algorithm depcaps accepts. */
export type SriAlgorithm = (typeof SRI_ALGORITHMS)[number];
const DIGEST_LENGTH: Record<SriAlgorithm, number> = { sha1: 28, sha256: 44, sha384: 64, sha512: 88 };

/**
 * Parses an SRI string (`sha512-… sha1-…`) into digests by algorithm. ssri silently ignores
 * what it cannot parse, which would turn a typo in a lockfile into "no verification at all".
 * @throws DepcapsError E_USAGE for an unknown algorithm or a malformed digest.
 */
export function parseIntegrity(sri: string): Map<SriAlgorithm, string[]> {
  const out = new Map<SriAlgorithm, string[]>();
  for (const token of sri.trim().split(/\s+/)) {
    const m = /^([a-z0-9]{1,16})-([A-Za-z0-9+/]{1,128}={0,2})(\?\S*)?$/.exec(token);
    const algorithm = m?.[1] as SriAlgorithm | undefined;
    if (!m || algorithm === undefined || !SRI_ALGORITHMS.includes(algorithm) || m[2]?.length !== DIGEST_LENGTH[algorithm]) {
      throw new DepcapsError('E_USAGE', `Malformed integrity value ${JSON.stringify(clipDigest(token))}.`, {
        hint: `Expected ${SRI_ALGORITHMS.join('/')}-<base64 digest>, as in package-lock.json.`,
      });
    }
    out.set(algorithm, [...(out.get(algorithm) ?? []), m[2]]);
  }
  return out;
}

/** `sha512-AbCdEfGhIjKl…`: enough to compare by eye, short enough for one line. */
export function clipDigest(sri: string): string {
  const first = sri.trim().split(/\s+/)[0] ?? '';
  return first.length > 24 ? `${first.slice(0, 24)}…` : first;
}

/** The cause of an offline refusal: `ENOTCACHED`, as npm says it (callers tell a gap in the cache from a failure). */
export function notCached(): Error {
  return Object.assign(new Error('not in the cache, and offline'), { code: 'ENOTCACHED' });
}

/** npm's header for abbreviated ("corgi") packuments, with a fallback to the full document. */
const CORGI_ACCEPT = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';
const FULL_ACCEPT = 'application/json';
/** Packuments are JSON the size of a package's history; a hostile one is bounded. */
const MAX_PACKUMENT_BYTES = 64 * 1024 * 1024;

/**
 * Resolves a registry spec to one version's metadata, then downloads its tarball and reads it as
 * it streams (see downloadTarball), verified against the registry's integrity and `integrity`.
 * Nothing is written to disk. Every error becomes a DepcapsError whose message names the package and
 * the redacted URL, and never carries a token or a stack.
 * @throws DepcapsError E_NOT_FOUND, E_INTEGRITY, E_REGISTRY (also with `offline`), E_TIMEOUT,
 *   E_TARBALL_LIMIT, E_TARBALL_INVALID, E_TARBALL_TRUNCATED, E_USAGE.
 */
export async function fetchFromRegistry(spec: { name: string; raw: string; fetchSpec: string }, opts: RegistryFetchOptions): Promise<RegistryPackageContents> {
  const { limits } = opts;
  const { registryOptions, network } = splitNetworkOptions(opts.registryOptions);
  const secrets = secretsOf(registryOptions);
  if (opts.integrity !== undefined) parseIntegrity(opts.integrity);
  const registry = registryFor(spec.name, registryOptions);
  const packumentUrl = `${registry}${spec.name.replace('/', '%2f')}`;
  if (opts.offline === true) {
    throw new DepcapsError('E_REGISTRY', `${spec.raw} has no analysis in the cache, and --offline forbids downloading it (depcaps keeps analysis results, not tarballs).`, {
      hint: 'Run once without --offline. After a depcaps upgrade, cached results of the older analyser are not reused, so the first run needs the network.',
      cause: notCached(),
    });
  }
  const minTimeout = opts.retryMinTimeoutMs ?? 250;
  const maxTimeout = opts.retryMaxTimeoutMs ?? 4000;
  const deadlineMs = limits.fetchTimeoutMs * (limits.fetchRetries + 1) + maxTimeout * limits.fetchRetries;
  const request = { ...registryOptions, ...network, registry, retry: { retries: limits.fetchRetries, factor: 2, minTimeout, maxTimeout, randomize: true }, timeout: limits.fetchTimeoutMs };

  const deadline = AbortSignal.timeout(deadlineMs);
  let manifest: Record<string, unknown>;
  try {
    const cache = opts.packumentCache;
    let packument = cache?.get(`corgi:${packumentUrl}`) as Record<string, unknown> | undefined;
    if (packument === undefined) {
      const get = async (accept: string) => readJson(await npmFetch(packumentUrl, { ...request, headers: { accept }, signal: deadline } as npmFetch.Options), packumentUrl);
      // Like npm: a registry that does not know abbreviated documents may 404 them; ask for the full one.
      packument = await get(CORGI_ACCEPT).catch((err: { code?: string }) => (err.code === 'E404' ? get(FULL_ACCEPT) : Promise.reject(err)));
      cache?.set(`corgi:${packumentUrl}`, packument);
    }
    manifest = pickManifest(packument as unknown as Parameters<typeof pickManifest>[0], spec.fetchSpec === '' ? 'latest' : spec.fetchSpec, { defaultTag: 'latest' }) as unknown as Record<string, unknown>;
  } catch (err) {
    throw toDepcapsError(err, { subject: spec.raw, url: packumentUrl, registry, secrets, timedOut: deadline.aborted });
  }
  // The packument is attacker-controlled too: its name and version become labels and cache
  // keys downstream, and its tarball URL is fetched next.
  const version: unknown = manifest['version'];
  if (manifest['name'] !== spec.name || typeof version !== 'string' || version.length > 256 || semver.valid(version) === null) {
    const claimed = `${String(manifest['name']).slice(0, 100)}@${String(version).slice(0, 100)}`;
    throw new DepcapsError('E_REGISTRY', `${spec.raw}: ${redactUrl(registry)} answered with metadata for ${JSON.stringify(claimed)}.`);
  }
  const subject = `${spec.name}@${version}`;
  const dist = (typeof manifest['dist'] === 'object' && manifest['dist'] !== null ? manifest['dist'] : {}) as Record<string, unknown>;
  const resolved = typeof dist['tarball'] === 'string' ? dist['tarball'] : undefined;
  if (resolved === undefined || !/^https?:\/\//i.test(resolved)) {
    throw new DepcapsError('E_REGISTRY', `${subject}: the registry gave a tarball URL that is not http(s): ${JSON.stringify(redactUrl(String(resolved)).slice(0, 100))}.`);
  }
  const fromRegistry = registryIntegrity(dist, subject);
  if (opts.integrity !== undefined && fromRegistry !== undefined) assertCompatible(subject, opts.integrity, fromRegistry);
  const expected = [fromRegistry, opts.integrity].filter((sri): sri is string => sri !== undefined);
  const got = await downloadTarball({
    subject,
    url: resolved,
    registryOptions,
    network,
    registry,
    secrets,
    limits,
    expected,
    retryMinTimeoutMs: minTimeout,
    retryMaxTimeoutMs: maxTimeout,
  });
  // Algorithm names only: the digests themselves were verified.
  const algorithms = expected.flatMap((sri) => sri.split(/\s+/)).filter(Boolean).map((token) => token.slice(0, token.indexOf('-')));
  const weak = algorithms.length === 0 ? 'the registry gave no integrity for this tarball; it was not verified.'
    : algorithms.every((a) => a === 'sha1') ? 'the only integrity to verify against was sha1.'
    : undefined;
  return {
    name: spec.name,
    version,
    integrity: got.integrity,
    ...(weak !== undefined ? { weakIntegrity: weak } : {}),
    resolved: redactUrl(resolved),
    contents: got.contents,
    tarballBytes: got.tarballBytes,
    registryManifest: manifest,
  };
}

/** A JSON body of at most MAX_PACKUMENT_BYTES. */
async function readJson(res: Awaited<ReturnType<typeof npmFetch>>, url: string): Promise<Record<string, unknown>> {
  const declared = Number(res.headers.get('content-length') ?? 0);
  const tooLarge = () => new DepcapsError('E_REGISTRY', `the packument at ${redactUrl(url)} is over ${MAX_PACKUMENT_BYTES} bytes.`);
  if (declared > MAX_PACKUMENT_BYTES) throw tooLarge();
  const text = await res.text();
  if (text.length > MAX_PACKUMENT_BYTES) throw tooLarge();
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw Object.assign(new SyntaxError('not a JSON object'), { code: 'EJSONPARSE' });
  return parsed as Record<string, unknown>;
}

/** The registry's SRI for a version: `dist.integrity`, else the sha1 `shasum` (publishes before 2017). */
function registryIntegrity(dist: Record<string, unknown>, subject: string): string | undefined {
  const integrity = dist['integrity'];
  if (typeof integrity === 'string' && integrity.trim() !== '') {
    try {
      parseIntegrity(integrity);
      return integrity;
    } catch {
      throw new DepcapsError('E_REGISTRY', `${subject}: the registry gave a malformed integrity (${JSON.stringify(clipDigest(integrity))}).`);
    }
  }
  const shasum = dist['shasum'];
  if (typeof shasum === 'string' && /^[0-9a-f]{40}$/i.test(shasum)) return `sha1-${Buffer.from(shasum, 'hex').toString('base64')}`;
  return undefined;
}

/**
 * A lockfile and a registry that both give a digest in one algorithm must agree before anything is
 * downloaded: the lockfile's integrity is merged with the registry's, never replaced by it.
 * @throws DepcapsError E_INTEGRITY naming both.
 */
function assertCompatible(subject: string, lockfile: string, registry: string): void {
  const ours = parseIntegrity(lockfile);
  const theirs = parseIntegrity(registry);
  for (const [algorithm, digests] of ours) {
    const other = theirs.get(algorithm);
    if (other !== undefined && !digests.some((d) => other.includes(d))) {
      throw new DepcapsError('E_INTEGRITY', `Integrity mismatch for ${subject}: expected ${clipDigest(`${algorithm}-${digests[0]}`)} (lockfile), the registry has ${clipDigest(`${algorithm}-${other[0]}`)}.`, {
        hint: 'The lockfile and the registry disagree about this tarball; it was not downloaded.',
      });
    }
  }
}

export interface ErrorContext {
  subject: string;
  url: string;
  registry: string;
  secrets: string[];
  /** The phase deadline fired (the error is then an abort, whatever its code). */
  timedOut?: boolean;
}

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ECONNECTIONTIMEOUT', 'EIDLETIMEOUT', 'ERESPONSETIMEOUT', 'ETRANSFERTIMEOUT']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED', 'EPROTO']);

/** Maps a pacote / npm-registry-fetch error to a DepcapsError naming the package and the redacted URL, without secrets or stacks. */
export function toDepcapsError(err: unknown, ctx: ErrorContext): DepcapsError {
  if (err instanceof DepcapsError) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as Record<string, unknown>;
  const code = typeof e['code'] === 'string' ? e['code'] : '';
  const type = typeof e['type'] === 'string' ? e['type'] : '';
  const clean = (text: unknown): string => redact(scrubSecrets(String(text ?? ''), ctx.secrets)).replace(/\s+/g, ' ').slice(0, 300);
  const url = clean(redactUrl(ctx.url));
  const registry = clean(redactUrl(ctx.registry));
  // Keep the original code for --debug, but not pacote's stack, headers or request objects.
  const cause = Object.assign(new Error(clean(e['message'])), { code });
  cause.stack = `${code || 'Error'}: ${cause.message}`;
  const make = (c: ConstructorParameters<typeof DepcapsError>[0], message: string, hint?: string): DepcapsError =>
    new DepcapsError(c, message, { cause, ...(hint !== undefined ? { hint } : {}) });

  const status = /^E(\d{3})$/.exec(code)?.[1];
  if (code === 'E404') {
    return make('E_NOT_FOUND', `${ctx.subject} was not found (HTTP 404 from ${url}).`,
      `Check the name; for a private or scoped package, set "@scope:registry=" and its auth token in .npmrc (registry: ${registry}).`);
  }
  if (code === 'ETARGET') {
    const closest = closestVersions(String(e['wanted'] ?? ''), e['versions']);
    const tags = e['distTags'] && typeof e['distTags'] === 'object' ? Object.keys(e['distTags']).slice(0, 10) : [];
    return make('E_NOT_FOUND', `No version of ${ctx.subject} matches on ${registry}.`,
      closest.length > 0 ? `Closest published versions: ${closest.join(', ')}${tags.length > 0 ? `; dist-tags: ${tags.map(clean).join(', ')}` : ''}.`
        : 'The package has no published versions there; check the scope\'s registry in .npmrc.');
  }
  if (code === 'EINTEGRITY') {
    const { wanted, found } = integrityPair(e);
    return make('E_INTEGRITY', `Integrity mismatch for ${ctx.subject}: expected ${clean(clipDigest(wanted))}, got ${clean(clipDigest(found))} (from ${url}).`,
      'The tarball is not the one the lockfile or the registry promised; it was not analysed.');
  }
  if (code === 'E401' || code === 'E403') {
    return make('E_REGISTRY', `${ctx.subject}: access denied (HTTP ${status}) by ${url}.`,
      'Check the auth token for this registry in .npmrc (//host/:_authToken=…).');
  }
  if (status !== undefined) return make('E_REGISTRY', `${ctx.subject}: the registry answered HTTP ${status} for ${url}.`);
  if (ctx.timedOut === true || TIMEOUT_CODES.has(code) || type === 'request-timeout' || type === 'body-timeout') {
    return make('E_TIMEOUT', `${ctx.subject}: request to ${url} timed out.`, 'Raise the timeout with DEPCAPS_FETCH_TIMEOUT_MS, or check the network.');
  }
  if (NETWORK_CODES.has(code)) return make('E_REGISTRY', `${ctx.subject}: could not reach ${url} (${code}).`);
  if (type === 'invalid-json' || code === 'EJSONPARSE' || (err instanceof SyntaxError)) {
    return make('E_REGISTRY', `${ctx.subject}: invalid JSON from ${url}.`);
  }
  if (code === 'ENOTCACHED') {
    return make('E_REGISTRY', `${ctx.subject} is not in the cache and --offline forbids the network.`);
  }
  return make('E_REGISTRY', `${ctx.subject}: registry request to ${url} failed (${code || type || 'error'}: ${clean(e['message'])}).`);
}

/** Both sides of an EINTEGRITY: ssri sets `expected`/`found`; pacote's manifest check only says it in words. */
function integrityPair(e: Record<string, unknown>): { wanted: string; found: string } {
  if (e['expected'] !== undefined && e['found'] !== undefined) return { wanted: String(e['expected']), found: String(e['found']) };
  const m = /wanted (\S+?)\.? but got (\S+?)\.?(?:\s|$)/.exec(String(e['message'] ?? ''));
  return { wanted: m?.[1] ?? '?', found: m?.[2] ?? '?' };
}

/** Up to five published versions around `wanted` (a version or range), oldest first. */
function closestVersions(wanted: string, versions: unknown): string[] {
  if (!Array.isArray(versions)) return [];
  // Packument strings are attacker-controlled: semver only sees short, valid versions.
  const valid = versions
    .filter((v): v is string => typeof v === 'string' && v.length <= 256 && semver.valid(v) !== null)
    .sort(semver.compare);
  let target: string | null = null;
  try {
    target = semver.valid(wanted) ?? (wanted.length <= 256 ? semver.minVersion(wanted)?.version ?? null : null);
  } catch {
    target = null;
  }
  if (target === null) return valid.slice(-5);
  const index = valid.findIndex((v) => semver.gte(v, target));
  const at = index === -1 ? valid.length : index;
  return valid.slice(Math.max(0, at - 3), at + 2);
}
