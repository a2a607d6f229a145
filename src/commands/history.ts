import semver from 'semver';
import { DepcapsError, isDepcapsError } from '../errors.js';
import { parseRegistrySpec } from '../fetch/index.js';
import { loadRegistryOptions, registryFor } from '../fetch/npmrc.js';
import { fetchPackument } from '../fetch/packument.js';
import { toDepcapsError } from '../fetch/registry.js';
import { DEFAULT_HISTORY_CONCURRENCY, resolveLimits } from '../limits.js';
import type { HistoryReport, HistoryVersion, ScanReport, ScanStatus } from '../contract/index.js';
import { scanPackage, type ScanOptions } from './scan.js';
import { openSession } from './session.js';

/** Options of {@link packageHistory}: those of a scan, plus which versions and how many at once. */
export interface HistoryOptions extends Omit<ScanOptions, 'integrity'> {
  /** Only versions satisfying this semver range (npm semantics: prereleases only when the range names them). */
  range?: string;
  /** Only versions published at or after this time (an ISO 8601 date or date-time). */
  since?: string | Date;
  /** Versions scanned at once (default 4). They share one analysis pool and one cache. */
  concurrency?: number;
  /** Called as versions start and finish (for a progress line). */
  onProgress?: (progress: HistoryProgress) => void;
}

/** Where a history run is. */
export interface HistoryProgress {
  /** Versions finished (analysed, failed or served from the cache). */
  done: number;
  total: number;
  /** Versions whose whole result came from the cache. */
  cached: number;
  /** The version that just started or finished. */
  current: string;
}

const MAX_CONCURRENCY = 64;
/** After this many registry failures the registry is taken to be down: no further version is started. */
const MAX_REGISTRY_FAILURES = 3;
/** semver's MAX_LENGTH: longer strings are never versions, and semver must not see them (ReDoS). */
const MAX_VERSION_LENGTH = 256;
/** Keys of a packument's `time` that are not versions. */
const TIME_META_KEYS = new Set(['created', 'modified', 'unpublished']);

/** A version to scan, with what the packument says about it. */
interface Candidate {
  version: string;
  published?: string;
  deprecated?: string;
}

/** One version's scan: a report, or why there is none. */
type Outcome = { report: ScanReport } | { error: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A packument key that can safely be handed to semver and used in a spec: short, strict semver, no `v` prefix. */
function isVersionKey(key: string): boolean {
  return key.length <= MAX_VERSION_LENGTH && /^\d/.test(key) && semver.valid(key) !== null;
}

/** An ISO 8601 publish time, normalised; undefined when the registry gave none or garbage. */
function isoTime(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** `"1.0.0-x"…`: a hostile key shown in one short, printable piece. */
function showKey(key: string): string {
  return JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
}

/**
 * Checks the options a user typed: the name (the rules of {@link parseRegistrySpec}), the range, the date
 * and the concurrency.
 * @throws DepcapsError E_USAGE.
 */
function validate(name: string, options: HistoryOptions): { since: number | undefined; concurrency: number } {
  const spec = parseRegistrySpec(name);
  if (spec.name !== name) {
    throw new DepcapsError('E_USAGE', `${JSON.stringify(name.slice(0, 80))} is not a package name.`, {
      hint: 'Give the name alone (history lists every version); use --range to select versions.',
    });
  }
  const range = options.range;
  // eslint-disable-next-line no-control-regex
  if (range !== undefined && (range.length > MAX_VERSION_LENGTH || /[\u0000-\u001f\u007f]/.test(range) || semver.validRange(range) === null)) {
    throw new DepcapsError('E_USAGE', `--range ${JSON.stringify(range.slice(0, 80))} is not a semver range.`, { hint: 'For example ^1.2.0, >=2 <3, 1.x.' });
  }
  let since: number | undefined;
  if (options.since !== undefined) {
    since = options.since instanceof Date ? options.since.getTime() : /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(options.since) ? Date.parse(options.since) : NaN;
    if (Number.isNaN(since)) {
      throw new DepcapsError('E_USAGE', `--since ${JSON.stringify(String(options.since).slice(0, 80))} is not an ISO date.`, { hint: 'For example 2024-01-31 or 2024-01-31T12:00:00Z.' });
    }
  }
  const concurrency = options.concurrency ?? DEFAULT_HISTORY_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw new DepcapsError('E_USAGE', `--concurrency takes a whole number from 1 to ${MAX_CONCURRENCY}, not ${String(concurrency)}.`);
  }
  return { since, concurrency };
}

/** The published versions of a packument (semver order), its unpublished ones, and the junk keys it holds. */
function readPackument(packument: Record<string, unknown>): { published: Candidate[]; unpublished: Candidate[]; junk: string[] } {
  const versions = isRecord(packument['versions']) ? packument['versions'] : {};
  const time = isRecord(packument['time']) ? packument['time'] : {};
  const junk = new Set<string>();
  const published: Candidate[] = [];
  for (const [version, entry] of Object.entries(versions)) {
    if (!isVersionKey(version)) {
      junk.add(version);
      continue;
    }
    const deprecated = isRecord(entry) && typeof entry['deprecated'] === 'string' && entry['deprecated'] !== '' ? entry['deprecated'] : undefined;
    const at = isoTime(time[version]);
    published.push({ version, ...(at ? { published: at } : {}), ...(deprecated !== undefined ? { deprecated } : {}) });
  }
  const gone = new Map<string, string | undefined>();
  for (const [key, value] of Object.entries(time)) {
    if (TIME_META_KEYS.has(key) || Object.hasOwn(versions, key)) continue;
    if (isVersionKey(key)) gone.set(key, isoTime(value));
    else junk.add(key);
  }
  // A fully unpublished package keeps only `time.unpublished: { time, versions: [...] }`.
  const whole = time['unpublished'];
  if (isRecord(whole) && Array.isArray(whole['versions'])) {
    for (const v of whole['versions']) if (typeof v === 'string' && isVersionKey(v) && !Object.hasOwn(versions, v) && !gone.has(v)) gone.set(v, undefined);
  }
  const unpublished = [...gone].map(([version, at]): Candidate => ({ version, ...(at ? { published: at } : {}) }));
  const bySemver = (a: Candidate, b: Candidate) => semver.compareBuild(a.version, b.version);
  return { published: published.sort(bySemver), unpublished: unpublished.sort(bySemver), junk: [...junk] };
}

/** Whether a version passes `--range` and `--since`. */
function selected(c: Candidate, range: string | undefined, since: number | undefined): boolean {
  if (range !== undefined && !semver.satisfies(c.version, range)) return false;
  if (since !== undefined && (c.published === undefined || Date.parse(c.published) < since)) return false;
  return true;
}

/** The timeline: each version against the previous analysed one; a version that failed changes nothing. */
function buildHistory(name: string, versions: readonly Candidate[], outcomes: ReadonlyMap<string, Outcome>, unpublished: readonly string[]): HistoryReport {
  const firstSeen: Record<string, string> = {};
  let previous: Set<string> | undefined;
  const out: HistoryVersion[] = versions.map((c) => {
    const outcome = outcomes.get(c.version) ?? { error: 'not analysed' };
    const base = { version: c.version, ...(c.published ? { published: c.published } : {}) };
    const tail = c.deprecated !== undefined ? { deprecated: c.deprecated } : {};
    if ('error' in outcome) {
      return { ...base, capabilities: [], added: [], removed: [], ...tail, error: outcome.error, status: 'error' as ScanStatus };
    }
    const caps = [...new Set(outcome.report.capabilities)].sort();
    const before = previous ?? new Set<string>();
    const added = caps.filter((cap) => !before.has(cap));
    const removed = [...before].filter((cap) => !caps.includes(cap)).sort();
    for (const cap of caps) firstSeen[cap] ??= c.version;
    previous = new Set(caps);
    return { ...base, capabilities: caps, added, removed, ...tail, status: outcome.report.status };
  });
  const sortedFirstSeen = Object.fromEntries(Object.keys(firstSeen).sort().map((k) => [k, firstSeen[k]!]));
  return { schemaVersion: 1, name, versions: out, firstSeen: sortedFirstSeen, ...(unpublished.length > 0 ? { unpublished: [...unpublished] } : {}) };
}

/**
 * The capability timeline of a registry package: every published version (or those in `range` and
 * published since `since`) in semver order, with its capabilities, what it added and removed, and when each
 * capability first appeared. Versions are scanned through the shared cache, so a re-run, and versions
 * sharing files, cost little. A version that cannot be analysed (tarball gone, bad tarball) gets an `error`.
 * @throws DepcapsError E_USAGE (bad name, range, date), E_NOT_FOUND (unknown package, a range matching
 *   nothing), E_REGISTRY / E_TIMEOUT naming the version when the registry fails mid-history (the versions
 *   already analysed stay cached).
 */
export async function packageHistory(name: string, options: HistoryOptions = {}): Promise<HistoryReport> {
  const { since, concurrency } = validate(name, options);
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const limits = resolveLimits(options.limits, env);
  const warn = options.onWarning ?? (() => {});
  const session = openSession({ ...options, onWarning: warn }, env, limits);
  const { store, pool } = session;
  try {
    const packument = await fetchPackument(name, {
      cwd,
      env,
      limits,
      ...(options.registry ? { registry: options.registry } : {}),
      ...(store ? { store } : {}),
      ...(options.offline ? { offline: true } : {}),
      ...(options.refresh ? { refresh: true } : {}),
    });
    const { published, unpublished, junk } = readPackument(packument);
    if (junk.length > 0) {
      const shown = junk.slice(0, 3).map(showKey).join(', ');
      warn(`${name}: skipped ${junk.length} version key${junk.length === 1 ? '' : 's'} that ${junk.length === 1 ? 'is' : 'are'} not valid semver: ${shown}${junk.length > 3 ? ', …' : ''}`);
    }
    const inRange = published.filter((c) => selected(c, options.range, undefined));
    if (options.range !== undefined && inRange.length === 0) {
      const registry = registryFor(name, loadRegistryOptions({ cwd, env, ...(options.registry ? { registry: options.registry } : {}) }));
      throw toDepcapsError(
        { code: 'ETARGET', wanted: options.range, versions: published.map((c) => c.version), distTags: packument['dist-tags'] },
        { subject: `${name}@${options.range}`, url: `${registry}${name}`, registry, secrets: [] },
      );
    }
    const chosen = inRange.filter((c) => selected(c, undefined, since));
    const gone = unpublished.filter((c) => selected(c, options.range, since)).map((c) => c.version);
    const { range: _range, since: _since, concurrency: _concurrency, onProgress, ...scan } = options;
    session.prepare(chosen.map((c) => ({ name, version: c.version })), { cwd, ...(options.registry ? { registry: options.registry } : {}) });
    const outcomes = await scanVersions(name, chosen, { ...scan, env, cwd, limits, pool, store, shared: session.shared, onWarning: warn, packumentCache: scan.packumentCache ?? new Map() }, concurrency, onProgress);
    return buildHistory(name, chosen, outcomes, gone);
  } finally {
    await session.close();
  }
}

/**
 * Scans versions `concurrency` at a time. Trouble with one version's bytes (exit-2 errors: not found,
 * integrity, a bad tarball; offline, a version not in the cache) is that version's `error`. Registry and
 * internal failures are thrown at the end, naming the version: the other versions are still scanned (and
 * cached, so a re-run fetches only what failed) unless failures pile up and the registry looks down.
 */
async function scanVersions(
  name: string,
  versions: readonly Candidate[],
  scan: ScanOptions,
  concurrency: number,
  onProgress: HistoryOptions['onProgress'],
): Promise<Map<string, Outcome>> {
  const outcomes = new Map<string, Outcome>();
  const failures: { version: string; error: DepcapsError }[] = [];
  let next = 0;
  let done = 0;
  let cached = 0;
  const runner = async (): Promise<void> => {
    while (next < versions.length && failures.length < MAX_REGISTRY_FAILURES) {
      const { version } = versions[next++]!;
      onProgress?.({ done, total: versions.length, cached, current: version });
      try {
        const report = await scanPackage(`${name}@${version}`, scan);
        if (report.stats.cached) cached++;
        outcomes.set(version, { report });
      } catch (err) {
        const error = namingVersion(err, `${name}@${version}`);
        // Offline, a version never fetched is a gap in what we know, not a registry failure.
        const notCached = scan.offline === true && (error.cause as { code?: unknown } | undefined)?.code === 'ENOTCACHED';
        if (error.exitCode === 2 || notCached) {
          outcomes.set(version, { error: error.message });
          scan.onWarning?.(error.message);
        } else {
          failures.push({ version, error });
        }
      }
      done++;
      onProgress?.({ done, total: versions.length, cached, current: version });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, versions.length) }, runner));
  const first = failures[0];
  if (first) {
    const others = failures.slice(1).map((f) => f.version);
    const skipped = versions.length - done;
    const also = [others.length > 0 ? `also failed: ${others.join(', ')}` : '', skipped > 0 ? `${skipped} versions not tried` : ''].filter(Boolean).join('; ');
    throw new DepcapsError(first.error.code, also ? `${first.error.message} (${also})` : first.error.message, {
      hint: first.error.hint ?? 'The versions analysed so far are cached: run again to retry the rest.',
      cause: first.error,
    });
  }
  return outcomes;
}

/** A failure as a DepcapsError whose message starts with the version it happened to. */
function namingVersion(err: unknown, subject: string): DepcapsError {
  if (isDepcapsError(err)) {
    if (err.message.includes(subject)) return err;
    return new DepcapsError(err.code, `${subject}: ${err.message}`, { ...(err.hint !== undefined ? { hint: err.hint } : {}), cause: err });
  }
  return new DepcapsError('E_INTERNAL', `${subject}: internal error: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
