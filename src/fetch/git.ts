import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pacote from 'pacote';
import { DepcapsError } from '../errors.js';
import { redact } from '../redact.js';
import { DigestingBody, readVerified } from './download.js';
import type { FetchOptions } from './index.js';
import { pinnedCommit, redactGitUrl } from './git-spec.js';
import { readManifest } from './manifest.js';
import { loadRegistryOptions, splitNetworkOptions } from './npmrc.js';
import { notCached } from './registry.js';
import type { FetchedPackage } from './types.js';

export { lockedGitSource, pinnedCommit, redactGitUrl } from './git-spec.js';

/** The part of pacote's GitFetcher we use (its type definitions do not declare it). */
interface GitFetcher {
  resolved: string | null;
  resolvedSha: string;
  resolve(): Promise<string>;
  tarballStream<T>(handler: (stream: AsyncIterable<Buffer> & { on(event: 'error', fn: () => void): unknown }) => Promise<T>): Promise<T>;
}
type GitFetcherClass = new (spec: string, opts: Record<string, unknown>) => GitFetcher;

/**
 * What pacote's directory packer needs of npm's Arborist: the checkout's root package and its
 * installed dependencies, which are none: nothing is installed in a checkout, as no script runs.
 * (Bundled dependencies would have to come from such an install; npm with --ignore-scripts has
 * none either.)
 */
class CheckoutTree {
  private readonly path: string;

  constructor(opts: { path: string }) {
    this.path = opts.path;
  }

  async loadActual(): Promise<Record<string, unknown>> {
    const text = await readFile(join(this.path, 'package.json'), 'utf8');
    return { path: this.path, realpath: this.path, package: JSON.parse(text) as unknown, isProjectRoot: true, edgesOut: new Map(), workspaces: undefined };
  }
}

/**
 * Fetches a git dependency the way npm installs it with --ignore-scripts, through pacote's git
 * fetcher and the system's `git`: resolve the ref to a commit, clone it (or, for GitHub and the
 * like with a full commit, download the host's archive), and pack the files npm would install
 * (`files`, .npmignore). `prepare` and the `npm install` pacote runs before it never run
 * (`ignoreScripts`): they would execute the repository's code. The packed tarball is read as it
 * streams; the clone lives in a temporary directory of ours, removed afterwards.
 * @throws DepcapsError E_USAGE (git missing), E_REGISTRY (unreachable host, unknown ref, no package.json),
 *   E_TIMEOUT, and readTarball's errors.
 */
export async function fetchGitPackage(spec: string, options: FetchOptions): Promise<FetchedPackage> {
  const { limits } = options;
  const env = options.env ?? process.env;
  const shown = redactGitUrl(spec);
  const { registryOptions, network } = splitNetworkOptions(loadRegistryOptions({ cwd: options.cwd ?? process.cwd(), env, ...(options.registry !== undefined ? { registry: options.registry } : {}) }));
  if (options.offline === true) {
    throw new DepcapsError('E_REGISTRY', `${shown} has no analysis in the cache, and --offline forbids cloning it.`, { hint: 'Run once without --offline.', cause: notCached() });
  }
  const retryMin = options.retryMinTimeoutMs ?? 250;
  const retryMax = options.retryMaxTimeoutMs ?? 4000;
  const deadlineMs = limits.fetchTimeoutMs * (limits.fetchRetries + 1) + retryMax * limits.fetchRetries;
  const tmp = await mkdtemp(join(tmpdir(), 'depcaps-git-'));
  try {
    const Fetcher = (pacote as unknown as { GitFetcher: GitFetcherClass }).GitFetcher;
    const fetcher = new Fetcher(spec, {
      ...registryOptions,
      ...network,
      // pacote's clone and pack scratch space (and its cacache) go here, never to ~/.npm.
      cache: join(tmp, 'cache'),
      tufCache: join(tmp, 'tuf'),
      ignoreScripts: true,
      Arborist: CheckoutTree,
      // Per git command (child_process kills it) and per HTTP request (hosted archives).
      timeout: deadlineMs,
      fetchRetries: limits.fetchRetries,
      fetchRetryFactor: 2,
      fetchRetryMintimeout: retryMin,
      fetchRetryMaxtimeout: retryMax,
      retry: { retries: limits.fetchRetries, factor: 2, minTimeout: retryMin, maxTimeout: retryMax },
      env: gitEnv(env),
    });
    const got = await withDeadline(
      fetcher.tarballStream(async (stream) => {
        stream.on('error', () => {});
        const body = new DigestingBody(stream[Symbol.asyncIterator](), [], (err) => gitError(err, shown));
        return readVerified(body, { label: shown, limits, expected: [] });
      }),
      deadlineMs * 2,
      shown,
    ).catch((err: unknown) => {
      throw gitError(err, shown);
    });
    const mani = readManifest(got.contents.files, { name: spec, version: '' });
    const resolved = fetcher.resolved ?? spec;
    return {
      source: 'git',
      spec,
      name: mani.name,
      version: mani.version,
      integrity: got.integrity,
      resolved: redactGitUrl(resolved),
      files: got.contents.files,
      errors: got.contents.errors,
      anomalies: [...got.contents.anomalies, ...mani.anomalies],
      bytes: got.contents.bytes,
      tarballBytes: got.tarballBytes,
      ...(mani.manifest !== undefined ? { manifest: mani.manifest } : {}),
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** git never prompts (no terminal, no password, no new-host question left open): it fails instead. */
function gitEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: env['GIT_ASKPASS'] ?? 'echo',
    GIT_SSH_COMMAND: env['GIT_SSH_COMMAND'] ?? 'ssh -oBatchMode=yes -oStrictHostKeyChecking=accept-new',
  };
}

function withDeadline<T>(work: Promise<T>, ms: number, subject: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DepcapsError('E_TIMEOUT', `${subject}: fetching the git dependency took longer than ${Math.round(ms / 1000)} s.`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** A git or pacote failure as one line: what failed, with no credentials and no stack. */
function gitError(err: unknown, subject: string): DepcapsError {
  if (err instanceof DepcapsError) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as Record<string, unknown>;
  const code = typeof e['code'] === 'string' ? e['code'] : '';
  if (code === 'ENOGIT') return new DepcapsError('E_USAGE', `${subject}: git is not installed (needed to fetch git dependencies).`);
  const stderr = typeof e['stderr'] === 'string' ? e['stderr'] : '';
  const first = (stderr.split('\n').find((l) => /fatal|error/i.test(l)) ?? String(e['message'] ?? err).split('\n')[0] ?? '').trim();
  const text = redact(first).slice(0, 200);
  if (e['signal'] === 'SIGTERM' || code === 'ETIMEDOUT') return new DepcapsError('E_TIMEOUT', `${subject}: git timed out.`);
  return new DepcapsError('E_REGISTRY', `${subject}: could not fetch the git dependency (${text || code || 'error'}).`);
}
