import { createHash, type Hash } from 'node:crypto';
import npmFetch from 'npm-registry-fetch';
import { DepcapsError } from '../errors.js';
import type { Limits } from '../limits.js';
import { redactUrl } from '../redact.js';
import type { NetworkOptions, RegistryOptions } from './npmrc.js';
import { clipDigest, parseIntegrity, toDepcapsError, type SriAlgorithm } from './registry.js';
import { readTarball, type TarballContents } from './tarball.js';
import { ResponseValve } from './valve.js';

/** Where a tarball is downloaded from, and what it must hash to. */
export interface DownloadOptions {
  /** `name@version` (or the URL) for messages. */
  subject: string;
  url: string;
  /** Registry options (auth by nerf dart) and connection settings, as npm-registry-fetch reads them. */
  registryOptions: RegistryOptions;
  network: NetworkOptions;
  /** The registry the request belongs to (auth and messages). */
  registry: string;
  secrets: string[];
  limits: Limits;
  /**
   * Expected SRIs, each from one source (the registry, a lockfile): the bytes must match the strongest
   * algorithm of every one of them. Empty: nothing to verify against (the caller reports that).
   */
  expected: readonly string[];
  retryMinTimeoutMs: number;
  retryMaxTimeoutMs: number;
}

/** A tarball read as it downloaded, verified. */
export interface DownloadedTarball {
  contents: TarballContents;
  /** sha512 SRI of every byte received. */
  integrity: string;
  /** Compressed bytes received. */
  tarballBytes: number;
}

/** Errors in the middle of a body that a new request may not hit: connection trouble, not answers. */
const TRANSIENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ERR_STREAM_PREMATURE_CLOSE', 'EIDLETIMEOUT']);

/**
 * Bytes as they arrive (a response body, a file), hashed on the way (sha512 and every algorithm an
 * expected SRI uses). It is its own iterator, so what the tar reader leaves unread can still be
 * drained through the hashes.
 */
export class DigestingBody implements AsyncIterableIterator<Uint8Array> {
  bytes = 0;
  private readonly hashes = new Map<SriAlgorithm, Hash>();
  private readonly digests = new Map<SriAlgorithm, string>();

  constructor(
    private readonly body: AsyncIterator<Buffer>,
    algorithms: Iterable<SriAlgorithm>,
    private readonly fail: (err: unknown) => DepcapsError,
    /** Called before each read (back-pressure on the source, see ResponseValve). */
    private readonly beforeRead: () => void = () => {},
  ) {
    for (const a of new Set<SriAlgorithm>(['sha512', ...algorithms])) this.hashes.set(a, createHash(a));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<Uint8Array>> {
    let step: IteratorResult<Buffer>;
    this.beforeRead();
    try {
      step = await this.body.next();
    } catch (err) {
      throw this.fail(err);
    }
    if (step.done !== true) {
      this.bytes += step.value.length;
      for (const h of this.hashes.values()) h.update(step.value);
    }
    return step;
  }

  /** Stops reading: the underlying stream is closed (a file handle, a socket). */
  async close(): Promise<void> {
    await this.body.return?.();
  }

  /** Reads what is left (at most `max` bytes in all), for the hashes. */
  async drain(max: number): Promise<boolean> {
    while (this.bytes <= max) if ((await this.next()).done === true) return true;
    return false;
  }

  /** The SRI of every byte read; call once the body is drained. */
  digest(algorithm: SriAlgorithm): string {
    let sri = this.digests.get(algorithm);
    if (sri === undefined) {
      sri = `${algorithm}-${this.hashes.get(algorithm)!.digest('base64')}`;
      this.digests.set(algorithm, sri);
    }
    return sri;
  }
}

/** What one SRI demands: its strongest algorithm (ssri's rule) and the digests accepted in it. */
export interface ExpectedDigest {
  algorithm: SriAlgorithm;
  /** Full SRI tokens, `sha512-…`. */
  digests: string[];
}

/**
 * The strongest algorithm of one SRI and its digests.
 * @throws DepcapsError E_USAGE when the SRI is malformed.
 */
export function strongest(sri: string): ExpectedDigest {
  const parsed = parseIntegrity(sri);
  const order: SriAlgorithm[] = ['sha512', 'sha384', 'sha256', 'sha1'];
  const algorithm = order.find((a) => parsed.has(a))!;
  return { algorithm, digests: (parsed.get(algorithm) ?? []).map((d) => `${algorithm}-${d}`) };
}

/**
 * Downloads a tarball and reads it entry by entry as the bytes arrive (see readTarball): nothing is
 * written anywhere, and memory does not grow with its size. Every byte is hashed on the way; when
 * the body ends, it must match every expected SRI, else E_INTEGRITY and nothing of it is returned.
 * A reading error caused by corrupt bytes (not gzip, cut short) still finishes the download, so a
 * substituted or truncated tarball is reported as the integrity failure it is. Retries: the request
 * itself (npm-registry-fetch: refused connections, 5xx), and the whole download once per retry when
 * the connection breaks mid-body; all within one deadline.
 * @throws DepcapsError E_INTEGRITY, E_NOT_FOUND, E_REGISTRY, E_TIMEOUT, E_TARBALL_LIMIT,
 *   E_TARBALL_INVALID, E_TARBALL_TRUNCATED.
 */
export async function downloadTarball(opts: DownloadOptions): Promise<DownloadedTarball> {
  const { limits, subject } = opts;
  const wanted = opts.expected.map(strongest);
  // make-fetch-happen's `timeout` is an idle timeout: a server dripping one byte a second never
  // trips it. The download therefore also gets a deadline: every attempt at full length plus the
  // backoffs between them.
  const deadline = AbortSignal.timeout(limits.fetchTimeoutMs * (limits.fetchRetries + 1) + opts.retryMaxTimeoutMs * limits.fetchRetries);
  const context = { subject, url: opts.url, registry: opts.registry, secrets: opts.secrets };
  for (let attempt = 0; ; attempt++) {
    const stop = new AbortController();
    const fail = (err: unknown): DepcapsError => toDepcapsError(err, { ...context, timedOut: deadline.aborted });
    try {
      return await attemptDownload(opts, wanted, AbortSignal.any([deadline, stop.signal]), fail);
    } catch (err) {
      const cause = err instanceof DepcapsError ? (err.cause as { code?: string } | undefined) : undefined;
      const transient = err instanceof DepcapsError && err.code !== 'E_TIMEOUT' && TRANSIENT_CODES.has(cause?.code ?? '');
      if (!transient || attempt >= limits.fetchRetries || deadline.aborted) throw err;
    } finally {
      // Whatever happened, the socket is released: a body we stopped reading is not left downloading.
      stop.abort();
    }
  }
}

async function attemptDownload(
  opts: DownloadOptions,
  wanted: ExpectedDigest[],
  signal: AbortSignal,
  fail: (err: unknown) => DepcapsError,
): Promise<DownloadedTarball> {
  const { limits, subject } = opts;
  const valve = new ResponseValve();
  let res: Awaited<ReturnType<typeof npmFetch>>;
  try {
    res = await npmFetch(opts.url, {
      ...opts.registryOptions,
      ...opts.network,
      agent: valve.agent(opts.url, opts.network, limits.fetchTimeoutMs),
      registry: opts.registry,
      // No `cache`: make-fetch-happen writes nothing to disk. depcaps keeps results, not tarballs.
      retry: { retries: limits.fetchRetries, factor: 2, minTimeout: opts.retryMinTimeoutMs, maxTimeout: opts.retryMaxTimeoutMs, randomize: true },
      timeout: limits.fetchTimeoutMs,
      signal,
    } as npmFetch.Options);
  } catch (err) {
    throw fail(err);
  }
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > limits.maxTarballBytes) {
    throw new DepcapsError('E_TARBALL_LIMIT', `${subject}: the tarball is ${declared} bytes, over the ${limits.maxTarballBytes}-byte limit.`, {
      hint: 'If you trust this package, raise DEPCAPS_MAX_TARBALL_BYTES.',
    });
  }
  const stream = res.body as unknown as AsyncIterable<Buffer> & { on(event: 'error', listener: () => void): unknown; bufferLength?: number };
  // A failed download reports its error more than once (the socket, the decoder); the reader sees
  // the first through the iterator, and an `error` with no listener would crash the process.
  stream.on('error', () => {});
  valve.watch(() => stream.bufferLength ?? 0);
  const body = new DigestingBody(stream[Symbol.asyncIterator](), wanted.map((w) => w.algorithm), fail, () => valve.regulate());
  try {
    return await readVerified(body, { label: subject, limits, expected: wanted, from: redactUrl(opts.url) });
  } finally {
    valve.release();
  }
}

/**
 * Reads a tarball from hashed bytes, then checks every byte (drained past the end-of-archive marker)
 * against each expected digest. A reading error caused by corrupt bytes (not gzip, cut short) is
 * reported as the integrity failure it is when the digests disagree.
 * @throws DepcapsError E_INTEGRITY, and readTarball's errors.
 */
export async function readVerified(
  body: DigestingBody,
  opts: { label: string; limits: Limits; expected: readonly ExpectedDigest[]; from?: string; subject?: string },
): Promise<DownloadedTarball> {
  const { label, limits } = opts;
  let contents: TarballContents | undefined;
  let readError: DepcapsError | undefined;
  try {
    contents = await readTarball(body, { label, limits });
  } catch (err) {
    if (!(err instanceof DepcapsError)) throw err;
    // Limits and transport errors stand as they are: the bytes are refused whatever they hash to.
    if (err.code !== 'E_TARBALL_INVALID' && err.code !== 'E_TARBALL_TRUNCATED') throw err;
    readError = err;
  }
  // The end-of-archive marker, or an unreadable archive, stops the reader before the body ends: the
  // rest still counts for the integrity (bounded by the compressed size limit, never decompressed).
  if (!(await body.drain(limits.maxTarballBytes))) {
    throw new DepcapsError('E_TARBALL_LIMIT', `${label}: the tarball is over the ${limits.maxTarballBytes}-byte limit.`, {
      hint: 'If you trust this package, raise DEPCAPS_MAX_TARBALL_BYTES.',
    });
  }
  for (const w of opts.expected) {
    const got = body.digest(w.algorithm);
    if (!w.digests.includes(got)) {
      throw new DepcapsError('E_INTEGRITY', `Integrity mismatch for ${opts.subject ?? label}: expected ${clipDigest(w.digests[0] ?? '')}, got ${clipDigest(got)}${opts.from ? ` (from ${opts.from})` : ''}.`, {
        hint: 'The tarball is not the one the lockfile or the registry promised; it was not analysed.',
      });
    }
  }
  if (readError) throw readError;
  return { contents: contents!, integrity: body.digest('sha512'), tarballBytes: body.bytes };
}
