import { availableParallelism } from 'node:os';

/**
 * Every resource limit of depcaps, with its default and its override.
 * Hostile packages decide our input sizes, so every loop over their bytes is bounded here.
 */
export interface Limits {
  /** Total unpacked bytes of one package (`--max-bytes`, DEPCAPS_MAX_BYTES). */
  maxBytes: number;
  /**
   * Bytes of one code file held in memory and parsed (`--max-file-bytes`, DEPCAPS_MAX_FILE_BYTES). A larger
   * code file gets a lexical scan as it streams and makes the package `partial`; other files are never
   * held, whatever their size. A result that hit this limit is cached with it (see the scan cache).
   */
  maxFileBytes: number;
  /** Entries in one tarball (DEPCAPS_MAX_ENTRIES): an entry-count bomb stops here. */
  maxEntries: number;
  /** Path segments of one entry (DEPCAPS_MAX_PATH_DEPTH). */
  maxPathDepth: number;
  /** Compressed tarball bytes (DEPCAPS_MAX_TARBALL_BYTES): bounds download time; tarballs stream, so not memory. */
  maxTarballBytes: number;
  /** Wall-clock budget for analysing one file in a worker, ms (DEPCAPS_FILE_TIMEOUT_MS). */
  fileTimeoutMs: number;
  /** Old-generation heap of one analysis worker, MiB (DEPCAPS_WORKER_HEAP_MB): a 20 MB file needs ~2.3 GB. */
  workerHeapMb: number;
  /** Stack of one analysis worker, MiB: 16 MB parses ~10k nested parens, we allow 4x that. */
  workerStackMb: number;
  /** Young generation of one worker, MiB: parsing is GC-bound, a larger nursery is ~30 % faster (measured). */
  workerYoungMb: number;
  /** HTTP request timeout, ms (DEPCAPS_FETCH_TIMEOUT_MS). */
  fetchTimeoutMs: number;
  /** HTTP retries (DEPCAPS_FETCH_RETRIES). */
  fetchRetries: number;
  /**
   * Connecting to the shared PostgreSQL store, and each of its statements, ms
   * (DEPCAPS_CACHE_URL_TIMEOUT_MS): past it the store is given up for the run, with one warning.
   */
  cacheUrlTimeoutMs: number;
  /**
   * Analysis worker threads (DEPCAPS_WORKERS). Default: one on a machine with one or two cores, else one
   * fewer than the cores (the main thread fetches, unpacks and hashes). Parsing is GC-bound: on 2 cores a
   * second worker finished the bench audit's parse phase only 1.10× sooner for 14 % more CPU and a second
   * worker heap (README, Performance).
   */
  workers: number;
}

const MiB = 1024 * 1024;

/** Versions `history` analyses at once (`--concurrency`). */
export const DEFAULT_HISTORY_CONCURRENCY = 4;

/** Defaults of every limit. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxBytes: 512 * MiB,
  maxFileBytes: 64 * MiB,
  maxEntries: 100_000,
  maxPathDepth: 1024,
  maxTarballBytes: 512 * MiB,
  fileTimeoutMs: 120_000,
  workerHeapMb: 4096,
  workerStackMb: 64,
  workerYoungMb: 192,
  fetchTimeoutMs: 30_000,
  fetchRetries: 2,
  cacheUrlTimeoutMs: 10_000,
  workers: defaultWorkers(),
});

function defaultWorkers(): number {
  const cores = availableParallelism();
  return cores <= 2 ? 1 : cores - 1;
}

const ENV_NAMES: Record<keyof Limits, string> = {
  maxBytes: 'DEPCAPS_MAX_BYTES',
  maxFileBytes: 'DEPCAPS_MAX_FILE_BYTES',
  maxEntries: 'DEPCAPS_MAX_ENTRIES',
  maxPathDepth: 'DEPCAPS_MAX_PATH_DEPTH',
  maxTarballBytes: 'DEPCAPS_MAX_TARBALL_BYTES',
  fileTimeoutMs: 'DEPCAPS_FILE_TIMEOUT_MS',
  workerHeapMb: 'DEPCAPS_WORKER_HEAP_MB',
  workerStackMb: 'DEPCAPS_WORKER_STACK_MB',
  workerYoungMb: 'DEPCAPS_WORKER_YOUNG_MB',
  fetchTimeoutMs: 'DEPCAPS_FETCH_TIMEOUT_MS',
  fetchRetries: 'DEPCAPS_FETCH_RETRIES',
  cacheUrlTimeoutMs: 'DEPCAPS_CACHE_URL_TIMEOUT_MS',
  workers: 'DEPCAPS_WORKERS',
};

/** Limits from defaults, then `DEPCAPS_*` environment variables, then explicit overrides (flags). */
export function resolveLimits(overrides: Partial<Limits> = {}, env: NodeJS.ProcessEnv = process.env): Limits {
  const limits: Limits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(ENV_NAMES) as (keyof Limits)[]) {
    const raw = env[ENV_NAMES[key]];
    if (raw !== undefined && raw !== '') {
      const n = Number(raw);
      if (Number.isFinite(n) && n >= 0) limits[key] = n;
    }
    const o = overrides[key];
    if (o !== undefined) limits[key] = o;
  }
  return limits;
}

/** Parses a byte size such as `512MiB`, `64mb`, `1g`, `1048576`; undefined when malformed. */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(i?b)?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = (m[2] ?? '').toLowerCase();
  const factor = unit === 'k' ? 1024 : unit === 'm' ? MiB : unit === 'g' ? 1024 * MiB : 1;
  return Math.floor(Number(m[1]) * factor);
}

/**
 * Steps of bounded partial evaluation per file (src/analyze/partial-eval.ts): one step is one expression
 * or statement interpreted, one regular-expression backtrack, or a slice of a long string operation
 * (about 25 million a second here). javascript-obfuscator's heaviest preset over a small payload (555
 * RC4-encoded strings, rotated until a checksum matches) takes about 75 million; the lighter presets
 * under 2 million; ordinary files none (the top level of a file is run only when a name a site needs comes
 * from one of the file's own functions). Fixed, with no override: results are cached by engine version,
 * so the budget is part of what a result means. A site whose evaluation runs past it is reported as
 * unresolved.
 */
export const PARTIAL_EVALUATION_STEPS = 100_000_000;
