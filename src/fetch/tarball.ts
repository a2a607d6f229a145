import { createHash } from 'node:crypto';
import { Parser, type ReadEntry } from 'tar';
import type { CatalogIndex } from '../analyze/catalog-index.js';
import { StreamedFile } from '../analyze/intake.js';
import { DepcapsError } from '../errors.js';
import type { Limits } from '../limits.js';
import type { Anomaly, FileError } from '../contract/index.js';
import type { PackageFile } from './types.js';

/**
 * The entries of a tarball as they streamed by: code files and the manifest held whole (up to the
 * parse limit), every other file by its summary (size, hash, head, magic kind).
 */
export interface TarballContents {
  files: PackageFile[];
  errors: FileError[];
  /**
   * Kinds: `path-escape`, `link`, `device`, `depth-limit`, `long-path`, `duplicate-entry`,
   * `case-collision`, `unsupported-entry`, `invalid-entry`.
   */
  anomalies: Anomaly[];
  /** Unpacked bytes of all entries (bodies and metadata), skipped ones included. */
  bytes: number;
}

/** Options of {@link readTarball}. */
export interface ReadTarballOptions {
  /** Names the package in errors (`name@version`, a file name). */
  label: string;
  limits: Limits;
  /** The catalog whose magic bytes name binaries (default: the built-in one). */
  index?: CatalogIndex;
}

/**
 * The compressed bytes of a tarball: whole, or as they arrive. A stream is pulled with `next()`
 * only and never closed here: when reading stops early (an error, the end-of-archive marker), the
 * caller still owns the rest (to finish an integrity check over every byte).
 */
export type TarballSource = Uint8Array | AsyncIterable<Uint8Array>;

/** Where escaping entries are kept, so their content is still analysed (and visibly odd). */
export const ESCAPED_DIR = '__escaped__';
const TOO_DEEP_DIR = '__too-deep__';
const LONG_PATH_DIR = '__long-path__';
/** Longest path kept verbatim; pax headers allow 1 MiB. */
const MAX_PATH_CHARS = 4096;
/** Distinct `invalid-entry` anomalies kept; garbage input produces one per 512-byte block. */
const MAX_INVALID_ANOMALIES = 20;
/**
 * Compressed bytes per write. minizlib inflates a whole write synchronously into memory before
 * tar sees it, so with tar's ratio cap of 1000 a 16 KiB write holds at most ~16 MiB at once,
 * and our limits can stop the parse after at most that much extra work.
 */
const FEED_CHUNK = 16 * 1024;
/** Writes between event-loop yields, so timers (timeouts, progress) keep running on big tarballs. */
const YIELD_EVERY = 64;

/** A tar path after our normalisation, used only for display and reporting (nothing is extracted). */
export interface NormalisedPath {
  /** Relative, `/`-separated, no `.`/`..`; a virtual `__escaped__/…` path when the entry escapes. */
  path: string;
  /** Why the entry does not land inside the package directory, when it does not. */
  escape?: string;
  /** The entry is the top-level directory itself (`package/`). */
  isRoot: boolean;
  /** Segments in the raw path. */
  depth: number;
  /** The path was too long to report and was replaced by a `__long-path__/…` name. */
  long?: boolean;
}

/**
 * Normalises a raw tar path like pacote's extraction would place it (`strip: 1`), but never
 * trusting it: `\` is a separator, drive letters and leading `/` are roots, `..` is resolved.
 * node-tar sanitises only in `Unpack` (CVE-2021-32804, CVE-2021-37713, …); its Parser hands
 * out raw paths, so this is our own.
 */
export function normaliseEntryPath(raw: string, maxDepth: number): NormalisedPath {
  let p = raw.replace(/\\/g, '/');
  let depth = 1;
  for (let i = 0; i < p.length; i++) if (p.charCodeAt(i) === 47) depth++;
  if (depth > maxDepth) {
    // Do not split a path of thousands of segments; keep its base name only.
    const base = p.slice(p.lastIndexOf('/') + 1) || 'entry';
    return { path: `${TOO_DEEP_DIR}/${base.slice(-200)}`, isRoot: false, depth };
  }

  let absolute = false;
  for (;;) {
    if (p.startsWith('/')) p = p.replace(/^\/+/, '');
    else if (/^[a-zA-Z]:/.test(p)) p = p.slice(2);
    else break;
    absolute = true;
  }
  const segments = p.split('/');
  // pacote extracts with strip: 1, whatever the top directory is called (usually `package`).
  if (!absolute) segments.shift();
  const stack: string[] = [];
  let escaped = false;
  for (const seg of segments) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (stack.length > 0) stack.pop();
      else escaped = true;
    } else {
      stack.push(seg);
    }
  }
  const full = stack.join('/');
  const rel = shorten(full);
  const long = rel !== full ? { long: true } : {};
  if (absolute) return { path: virtual(rel, raw), escape: 'starts at a file-system root ("/" or a drive letter)', isRoot: false, depth, ...long };
  if (escaped) return { path: virtual(rel, raw), escape: 'climbs out of the package directory with ".."', isRoot: false, depth, ...long };
  if (segments.length === 0) {
    // `index.js` with no directory: strip: 1 leaves nothing, npm does not install it.
    return { path: virtual(shorten(p), raw), escape: 'is not inside the package directory', isRoot: false, depth };
  }
  return { path: rel, isRoot: rel === '', depth, ...long };
}

/** Paths over MAX_PATH_CHARS become `__long-path__/<hash><ext>` (the analyser still sees the extension). */
function shorten(path: string): string {
  if (path.length <= MAX_PATH_CHARS) return path;
  const ext = /\.[A-Za-z0-9]{1,10}$/.exec(path)?.[0] ?? '';
  return `${LONG_PATH_DIR}/${shortHash(path)}${ext}`;
}

function virtual(rel: string, raw: string): string {
  return `${ESCAPED_DIR}/${rel === '' ? shortHash(raw) : rel}`;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** A raw path for messages: JSON-quoted (control characters visible), clipped. */
function quote(raw: string): string {
  const q = JSON.stringify(raw);
  return q.length > 200 ? `${q.slice(0, 200)}…"` : q;
}

/**
 * Reads a (gzipped) tar archive entry by entry as its bytes arrive, with tar's Parser: nothing is
 * ever extracted or written to disk, and no file is held whole unless the engine parses it (see
 * StreamedFile), so memory does not grow with the tarball. Links and devices are reported, never
 * followed; escaping paths are reported and their content kept under `__escaped__/`.
 * @throws DepcapsError E_TARBALL_LIMIT (bytes, entries, decompression ratio, compressed size),
 *   E_TARBALL_INVALID (not an archive, no entries), E_TARBALL_TRUNCATED (input ends early), or
 *   whatever DepcapsError the source throws (a failed download).
 */
export function readTarball(source: TarballSource, opts: ReadTarballOptions): Promise<TarballContents> {
  const { label, limits } = opts;
  if (source instanceof Uint8Array) {
    if (source.length === 0) return Promise.reject(emptyError(label));
    if (source.length > limits.maxTarballBytes) {
      return Promise.reject(limitError(label, `is ${source.length} bytes, over the ${limits.maxTarballBytes}-byte limit`, 'DEPCAPS_MAX_TARBALL_BYTES'));
    }
  }

  const files: PackageFile[] = [];
  const byPath = new Map<string, PackageFile>();
  const byFoldedPath = new Map<string, string>();
  const errors: FileError[] = [];
  const anomalies: Anomaly[] = [];
  let bytes = 0;
  let entries = 0;
  let metaEntries = 0;
  let invalidEntries = 0;
  let badArchive: string | undefined;

  // tar's `strict` is off on purpose: pacote extracts non-strict, so one bad header would make
  // npm skip an entry, not the package. We see what npm would see and turn every warning into
  // an anomaly or an error ourselves (strict would only turn them all into one opaque error).
  const parser = new Parser({ strict: false });

  return new Promise<TarballContents>((resolve, reject) => {
    // tar emits `error` and then may still emit `end` (or `eof` then `error` when we abort):
    // whatever comes first settles, everything after is ignored.
    let settled = false;
    let ended = false;
    const finish = (err?: DepcapsError): void => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else if (entries === 0) reject(new DepcapsError('E_TARBALL_INVALID', `${label}: the tarball has no entries.`));
      else resolve({ files, errors, anomalies, bytes });
      // Stop decompressing at once and free zlib; the `error` this emits lands in a settled promise.
      if (!ended) parser.abort(new Error('reading stopped'));
    };

    const count = (n: number): boolean => {
      bytes += n;
      if (bytes <= limits.maxBytes) return true;
      finish(limitError(label, `unpacks to more than ${limits.maxBytes} bytes`, '--max-bytes or DEPCAPS_MAX_BYTES'));
      return false;
    };
    const anomaly = (file: string, kind: string, message: string): void => {
      anomalies.push({ file, kind, message });
    };
    const drain = (entry: ReadEntry): void => {
      entry.on('data', (c: Buffer) => count(c.length));
      entry.resume();
    };

    const addFile = (file: PackageFile): void => {
      const path = file.path;
      const earlier = byPath.get(path);
      if (earlier) {
        // Extraction would overwrite: the later copy owns the path. The earlier one may hide
        // the payload a reviewer looks at, so it is analysed too, under `path~N`.
        let n = 1;
        while (byPath.has(`${path}~${n}`)) n++;
        earlier.path = `${path}~${n}`;
        byPath.set(earlier.path, earlier);
        anomaly(path, 'duplicate-entry', `"${path}" appears more than once; the last copy wins, the earlier one is analysed as "${earlier.path}".`);
      }
      const folded = path.normalize('NFC').toLowerCase();
      const other = byFoldedPath.get(folded);
      if (other !== undefined && other !== path) {
        anomaly(path, 'case-collision', `"${path}" and "${other}" are the same file on case-insensitive file systems; both are analysed.`);
      }
      byFoldedPath.set(folded, path);
      byPath.set(path, file);
      files.push(file);
    };

    const readFile = (entry: ReadEntry, path: string): void => {
      // Whatever its size, the body streams through: held whole only when it is code (or the
      // manifest) within the parse limit, else hashed, probed and, for code, scanned lexically.
      const file = new StreamedFile(path, { maxFileBytes: limits.maxFileBytes, ...(entry.size !== undefined ? { expectedSize: entry.size } : {}), ...(opts.index ? { index: opts.index } : {}) });
      // `end` first: adding a `data` listener starts the flow, and an empty entry ends at once.
      entry.on('end', () => {
        if (settled) return;
        const done = file.end();
        addFile(done.file);
        if (done.error) errors.push(done.error);
      });
      entry.on('data', (c: Buffer) => {
        if (!count(c.length)) return;
        file.write(c);
      });
    };

    parser.on('entry', (entry: ReadEntry) => {
      if (settled) return void entry.resume();
      if (++entries > limits.maxEntries) {
        return void finish(limitError(label, `has more than ${limits.maxEntries} entries`, 'DEPCAPS_MAX_ENTRIES'));
      }
      // A header announcing more than the budget left decides at once: tar reads exactly that many
      // bytes of body, so the package would go over the limit (a one-entry gzip bomb costs nothing).
      if ((entry.size ?? 0) > limits.maxBytes - bytes) {
        return void finish(limitError(label, `unpacks to more than ${limits.maxBytes} bytes (an entry announces ${entry.size} bytes)`, '--max-bytes or DEPCAPS_MAX_BYTES'));
      }
      const norm = normaliseEntryPath(entry.path, limits.maxPathDepth);
      let path = norm.path;
      if (norm.depth > limits.maxPathDepth) {
        anomaly(path, 'depth-limit', `${quote(entry.path)} has ${norm.depth} path segments (limit ${limits.maxPathDepth}).`);
      }
      if (norm.long) anomaly(path, 'long-path', `${quote(entry.path)} is too long to report; shown as "${path}".`);
      if (norm.escape) {
        const isDir = entry.type === 'Directory' || entry.type === 'GNUDumpDir';
        anomaly(path, 'path-escape', `${isDir ? 'directory ' : ''}${quote(entry.path)} ${norm.escape}${isDir ? '' : `; its content is analysed as "${path}"`}.`);
      }

      switch (entry.type) {
        case 'File':
        case 'OldFile':
        case 'ContiguousFile':
          if (norm.isRoot) {
            anomaly(ESCAPED_DIR, 'path-escape', `file ${quote(entry.path)} stands in for the package directory itself.`);
            path = `${ESCAPED_DIR}/${shortHash(entry.path)}`;
          }
          return readFile(entry, path);
        case 'Directory':
        case 'GNUDumpDir':
          return drain(entry);
        case 'SymbolicLink':
        case 'Link':
          // Never materialised or followed, whatever the target: link tricks are how most
          // node-tar CVEs escaped the root (CVE-2021-32803, CVE-2026-23745, CVE-2026-26960),
          // and npm itself filters links out of packages.
          anomaly(path, 'link', `${entry.type === 'Link' ? 'hard link' : 'symbolic link'} to ${quote(String(entry.linkpath ?? ''))}; not followed.`);
          return drain(entry);
        case 'CharacterDevice':
        case 'BlockDevice':
        case 'FIFO':
          anomaly(path, 'device', `${entry.type} entry; never created or read.`);
          return drain(entry);
        default:
          anomaly(path, 'unsupported-entry', `entry of type ${entry.type} is skipped.`);
          return drain(entry);
      }
    });

    // tar skips unknown entry types and oversized metadata itself; their bodies still cost
    // decompression, so they count against the limits like any other entry.
    parser.on('ignoredEntry', (entry: ReadEntry) => {
      if (settled) return;
      if (++entries > limits.maxEntries) {
        return void finish(limitError(label, `has more than ${limits.maxEntries} entries`, 'DEPCAPS_MAX_ENTRIES'));
      }
      const { path } = normaliseEntryPath(entry.path, limits.maxPathDepth);
      anomaly(path, 'unsupported-entry', `${entry.meta ? 'oversized metadata' : `entry of type ${entry.type}`} (${entry.size ?? 0} bytes) is skipped.`);
      entry.on('data', (c: Buffer) => count(c.length));
    });
    // Pax headers are not entries, but a stream of them is work: count them too.
    parser.on('meta', (meta: string) => {
      if (settled) return;
      if (++metaEntries > limits.maxEntries) {
        return void finish(limitError(label, `has more than ${limits.maxEntries} metadata headers`, 'DEPCAPS_MAX_ENTRIES'));
      }
      count(meta.length);
    });
    parser.on('warn', (code: string, message: string) => {
      if (code === 'TAR_BAD_ARCHIVE') {
        badArchive ??= message;
      } else if (++invalidEntries <= MAX_INVALID_ANOMALIES) {
        anomaly('', 'invalid-entry', `tar: ${message.slice(0, 200)}`);
      }
    });
    // Two zero blocks end the archive. tar ignores what follows but keeps buffering it, so we
    // stop feeding here: a bomb appended after the end marker costs nothing.
    parser.on('eof', () => {
      if (badArchive === undefined) finish();
    });
    parser.on('end', () => {
      ended = true;
      if (badArchive !== undefined) {
        const truncated = badArchive.startsWith('Truncated input');
        finish(new DepcapsError(truncated ? 'E_TARBALL_TRUNCATED' : 'E_TARBALL_INVALID',
          truncated ? `${label}: the tarball is truncated (${badArchive}).` : `${label}: not a tar archive (${badArchive}).`));
      } else {
        finish();
      }
    });
    parser.on('error', (err: Error) => finish(classifyTarError(label, err)));

    void (async () => {
      let compressed = 0;
      let writes = 0;
      const iterator = source instanceof Uint8Array ? undefined : source[Symbol.asyncIterator]();
      for (let offset = 0; !settled; ) {
        // `next()` only: the caller owns the stream and decides what happens to the rest.
        let chunk: Uint8Array;
        if (iterator === undefined) {
          if (offset >= (source as Uint8Array).length) break;
          chunk = (source as Uint8Array).subarray(offset, offset + FEED_CHUNK);
          offset += chunk.length;
        } else {
          const next = await iterator.next();
          if (next.done === true) break;
          chunk = next.value;
        }
        compressed += chunk.length;
        if (compressed > limits.maxTarballBytes) {
          return finish(limitError(label, `is over the ${limits.maxTarballBytes}-byte limit`, 'DEPCAPS_MAX_TARBALL_BYTES'));
        }
        for (let at = 0; at < chunk.length && !settled; at += FEED_CHUNK) {
          parser.write(chunk.subarray(at, at + FEED_CHUNK));
          if (++writes % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
        }
      }
      if (settled) return;
      if (compressed === 0) return finish(emptyError(label));
      parser.end();
    })().catch((err: unknown) => finish(classifyTarError(label, err)));
  });
}

function emptyError(label: string): DepcapsError {
  return new DepcapsError('E_TARBALL_INVALID', `${label}: the tarball is empty (0 bytes).`);
}

function limitError(label: string, what: string, setting: string): DepcapsError {
  return new DepcapsError('E_TARBALL_LIMIT', `${label}: the tarball ${what}.`, {
    hint: `If you trust this package, raise the limit (${setting}).`,
  });
}

function classifyTarError(label: string, err: unknown): DepcapsError {
  if (err instanceof DepcapsError) return err;
  const e = err as { message?: string; code?: string; errno?: number };
  const message = String(e.message ?? err).slice(0, 200);
  if (/max decompression ratio exceeded/.test(message)) {
    return new DepcapsError('E_TARBALL_LIMIT', `${label}: the tarball decompresses over 1000 times its size (${message}): a gzip bomb.`);
  }
  if (e.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(message)) {
    return new DepcapsError('E_TARBALL_TRUNCATED', `${label}: the tarball is truncated (gzip: unexpected end of file).`);
  }
  if (typeof e.code === 'string' && e.code.startsWith('Z_')) {
    return new DepcapsError('E_TARBALL_INVALID', `${label}: corrupt gzip data (${message}).`);
  }
  return new DepcapsError('E_TARBALL_INVALID', `${label}: could not read the tarball (${message}).`);
}
