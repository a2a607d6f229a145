import { createHash } from 'node:crypto';
import { join } from 'node:path';
import pacote from 'pacote';
import semver from 'semver';
import { DepcapsError } from '../errors.js';
import type { Limits } from '../limits.js';
import { redact, redactUrl, scrubSecrets } from '../redact.js';
import { registryFor, secretsOf, splitNetworkOptions, type RegistryOptions } from './npmrc.js';

/** Options of {@link fetchFromRegistry}. */
export interface RegistryFetchOptions {
  /** depcaps cache dir; pacote's cache goes in `<cacheDir>/pacote` (never ~/.npm). */
  cacheDir: string;
  registryOptions: RegistryOptions;
  limits: Limits;
  offline?: boolean;
  preferOnline?: boolean;
  /** Expected SRI (from a lockfile): merged with the registry's, never replaced by it. */
  integrity?: string;
  /** Backoff between retries, ms; tests shrink it. */
  retryMinTimeoutMs?: number;
  retryMaxTimeoutMs?: number;
  /**
   * pacote's in-memory packument cache, shared by the scans of one run (history scans hundreds of
   * versions of one package: without it each would download the packument again).
   */
  packumentCache?: Map<string, unknown>;
}

/** A tarball downloaded from a registry, verified, in memory. */
export interface RegistryTarball {
  name: string;
  version: string;
  /** sha512 SRI of the bytes we got (pacote verified them against the expected integrity). */
  integrity: string;
  /** Set when the only integrity to verify against was sha1, or none at all. */
  weakIntegrity?: string;
  /** Tarball URL, credentials and query stripped. */
  resolved: string;
  data: Buffer;
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

/** True when `data` matches the strongest algorithm of `sri` (ssri's rule). */
export function integrityMatches(data: Buffer, sri: Map<SriAlgorithm, string[]>): boolean {
  const strongest = [...SRI_ALGORITHMS].reverse().find((a) => sri.has(a));
  if (strongest === undefined) return false;
  const digest = createHash(strongest).update(data).digest('base64');
  return (sri.get(strongest) ?? []).includes(digest);
}

/** The sha512 SRI of some bytes. */
export function sha512Integrity(data: Buffer): string {
  return `sha512-${createHash('sha512').update(data).digest('base64')}`;
}

/** `sha512-AbCdEfGhIjKl…`: enough to compare by eye, short enough for one line. */
export function clipDigest(sri: string): string {
  const first = sri.trim().split(/\s+/)[0] ?? '';
  return first.length > 24 ? `${first.slice(0, 24)}…` : first;
}

/**
 * Resolves a registry spec with pacote and downloads its tarball into memory, verified against
 * the registry's integrity merged with `integrity`. Every pacote error becomes a DepcapsError
 * whose message names the package and the redacted URL, and never carries a token or a stack.
 * @throws DepcapsError E_NOT_FOUND, E_INTEGRITY, E_REGISTRY, E_TIMEOUT, E_TARBALL_LIMIT, E_USAGE.
 */
export async function fetchFromRegistry(spec: { name: string; raw: string }, opts: RegistryFetchOptions): Promise<RegistryTarball> {
  const { limits } = opts;
  const { registryOptions, network } = splitNetworkOptions(opts.registryOptions);
  const secrets = secretsOf(registryOptions);
  if (opts.integrity !== undefined) parseIntegrity(opts.integrity);
  const registry = registryFor(spec.name, registryOptions);
  const packumentUrl = `${registry}${spec.name.replace('/', '%2f')}`;
  const minTimeout = opts.retryMinTimeoutMs ?? 250;
  const maxTimeout = opts.retryMaxTimeoutMs ?? 4000;
  // make-fetch-happen's `timeout` is an idle timeout: a server dripping one byte a second never
  // trips it. Each phase therefore also gets a deadline: every attempt at full length plus the
  // backoffs between them.
  const deadlineMs = limits.fetchTimeoutMs * (limits.fetchRetries + 1) + maxTimeout * limits.fetchRetries;
  const pacoteOpts = {
    ...registryOptions,
    ...network,
    cache: join(opts.cacheDir, 'pacote'),
    // Only a path (used for attestations), but its default is computed under ~/.npm.
    tufCache: join(opts.cacheDir, 'pacote', '_tuf'),
    fullMetadata: false,
    // One packument request per run: tarball() re-resolves the manifest and hits this map.
    packumentCache: opts.packumentCache ?? new Map(),
    retry: { retries: limits.fetchRetries, factor: 2, minTimeout, maxTimeout, randomize: true },
    timeout: limits.fetchTimeoutMs,
    offline: opts.offline === true,
    preferOnline: opts.preferOnline === true,
    ...(opts.integrity !== undefined ? { integrity: opts.integrity } : {}),
  };

  let manifest: Awaited<ReturnType<typeof pacote.manifest>>;
  const manifestDeadline = AbortSignal.timeout(deadlineMs);
  try {
    manifest = await pacote.manifest(spec.raw, { ...pacoteOpts, signal: manifestDeadline });
  } catch (err) {
    throw toDepcapsError(err, { subject: spec.raw, url: packumentUrl, registry, secrets, timedOut: manifestDeadline.aborted });
  }
  // The packument is attacker-controlled too: its name and version become labels and cache
  // keys downstream, and its tarball URL is fetched next.
  const version: unknown = manifest.version;
  if (manifest.name !== spec.name || typeof version !== 'string' || version.length > 256 || semver.valid(version) === null) {
    const claimed = `${String(manifest.name).slice(0, 100)}@${String(version).slice(0, 100)}`;
    throw new DepcapsError('E_REGISTRY', `${spec.raw}: ${redactUrl(registry)} answered with metadata for ${JSON.stringify(claimed)}.`);
  }
  const subject = `${manifest.name}@${version}`;
  const resolved = manifest._resolved;
  const expected = manifest._integrity;
  if (resolved !== undefined && !/^https?:\/\//i.test(resolved)) {
    throw new DepcapsError('E_REGISTRY', `${subject}: the registry gave a tarball URL that is not http(s): ${JSON.stringify(redactUrl(resolved).slice(0, 100))}.`);
  }

  let data: Buffer;
  const tarballDeadline = AbortSignal.timeout(deadlineMs);
  const tooLarge = new AbortController();
  try {
    data = await pacote.tarball.stream(
      subject,
      async (stream) => {
        // pacote MAY call this handler more than once (it retries corrupt downloads once):
        // every call starts from an empty buffer, so nothing is counted twice.
        // When a download fails (deadline, reset), the error reaches this stream more than once
        // (the socket, make-fetch-happen's cache writer), after our loop has stopped listening;
        // an `error` with no listener would crash the process. The loop still sees the first.
        stream.on('error', () => {});
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size > limits.maxTarballBytes) {
            // Abort the request itself: destroying pacote's stream would leave make-fetch-happen
            // downloading into it (and into its cache) in the background.
            tooLarge.abort();
            break;
          }
          chunks.push(chunk);
        }
        if (size > limits.maxTarballBytes) {
          throw new DepcapsError('E_TARBALL_LIMIT', `${subject}: the tarball is over the ${limits.maxTarballBytes}-byte limit.`, {
            hint: 'If you trust this package, raise DEPCAPS_MAX_TARBALL_BYTES.',
          });
        }
        return Buffer.concat(chunks, size);
      },
      { ...pacoteOpts, integrity: expected, resolved, signal: AbortSignal.any([tarballDeadline, tooLarge.signal]) },
    );
  } catch (err) {
    throw toDepcapsError(err, { subject, url: resolved ?? packumentUrl, registry, secrets, timedOut: tarballDeadline.aborted });
  }

  // Algorithm names only: pacote (ssri) already verified the digests themselves.
  const algorithms = (expected ?? '').split(/\s+/).filter(Boolean).map((token) => token.slice(0, token.indexOf('-')));
  const weak = algorithms.length === 0 ? 'the registry gave no integrity for this tarball; it was not verified.'
    : algorithms.every((a) => a === 'sha1') ? 'the only integrity to verify against was sha1.'
    : undefined;
  return {
    name: manifest.name,
    version: manifest.version,
    integrity: sha512Integrity(data),
    ...(weak !== undefined ? { weakIntegrity: weak } : {}),
    resolved: redactUrl(resolved ?? packumentUrl),
    data,
    registryManifest: manifest as unknown as Record<string, unknown>,
  };
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

/** Maps a pacote / npm-registry-fetch / make-fetch-happen error to a DepcapsError. */
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
