import { constants, type Dirent } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DepcapsError } from '../errors.js';
import { StreamedFile } from '../analyze/intake.js';
import type { Limits } from '../limits.js';
import type { Anomaly, FileError } from '../contract/index.js';
import type { PackageFile } from './types.js';

/** A package directory as read: code files and the manifest held, every other file summarised. */
export interface DirectoryContents {
  files: PackageFile[];
  errors: FileError[];
  anomalies: Anomaly[];
  /** Bytes of the files read. */
  bytes: number;
}

/** Not part of a package: installed dependencies and version control. */
const SKIPPED_DIRS = new Set(['node_modules', '.git']);

/**
 * Reads every file below `root` as it streams from disk, breadth-first, in sorted order. Symlinks are
 * reported and never followed; sockets, FIFOs and devices are reported and never opened.
 * @throws DepcapsError E_TARBALL_LIMIT when the files exceed `maxBytes` or `maxEntries`,
 *   E_USAGE when `root` cannot be listed.
 */
export async function readDirectory(root: string, opts: { label: string; limits: Limits }): Promise<DirectoryContents> {
  const { label, limits } = opts;
  const out: DirectoryContents = { files: [], errors: [], anomalies: [], bytes: 0 };
  let entries = 0;
  // An explicit queue, not recursion: a hostile tree may be thousands of levels deep.
  const queue: { dir: string; rel: string; depth: number }[] = [{ dir: root, rel: '', depth: 0 }];
  for (let i = 0, next = queue[0]; next !== undefined; next = queue[++i]) {
    let dirents: Dirent[];
    try {
      dirents = await readdir(next.dir, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      if (next.rel === '') throw new DepcapsError('E_USAGE', `Cannot read directory ${root} (${code}).`);
      out.errors.push({ file: next.rel, reason: 'unreadable', message: `directory not readable (${code}).` });
      continue;
    }
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of dirents) {
      const rel = next.rel === '' ? d.name : `${next.rel}/${d.name}`;
      const abs = join(next.dir, d.name);
      if (SKIPPED_DIRS.has(d.name) && (d.isDirectory() || d.isSymbolicLink())) continue;
      if (++entries > limits.maxEntries) {
        throw new DepcapsError('E_TARBALL_LIMIT', `${label}: the directory has more than ${limits.maxEntries} entries.`, {
          hint: 'If you trust this package, raise the limit (DEPCAPS_MAX_ENTRIES).',
        });
      }
      if (d.isSymbolicLink()) {
        // Never followed: a link can point anywhere on this machine (~/.ssh, /etc), and npm
        // does not publish links either.
        out.anomalies.push({ file: rel, kind: 'link', message: 'symbolic link; not followed.' });
      } else if (d.isDirectory()) {
        if (next.depth + 1 >= limits.maxPathDepth) {
          out.anomalies.push({ file: rel, kind: 'depth-limit', message: `deeper than ${limits.maxPathDepth} path segments; not read.` });
        } else {
          queue.push({ dir: abs, rel, depth: next.depth + 1 });
        }
      } else if (d.isFile()) {
        await readOneFile(abs, rel, out, opts);
      } else {
        out.anomalies.push({ file: rel, kind: 'device', message: 'socket, FIFO or device; never opened.' });
      }
    }
  }
  return out;
}

/** Bytes read from disk at once. */
const READ_CHUNK = 256 * 1024;

/**
 * Reads one regular file into `out` as it streams from disk (see StreamedFile: code up to the parse
 * limit is kept, anything else summarised, whatever its size), refusing anything swapped in since
 * listing (a link, a FIFO) or grown past its size.
 * @throws DepcapsError E_TARBALL_LIMIT when the package's files exceed `maxBytes`.
 */
export async function readOneFile(abs: string, rel: string, out: DirectoryContents, opts: { label: string; limits: Limits }): Promise<void> {
  const { limits, label } = opts;
  let handle;
  try {
    // O_NOFOLLOW and O_NONBLOCK: if the entry became a symlink or a FIFO after readdir, opening
    // fails or returns at once instead of following the link or blocking forever.
    handle = await open(abs, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ELOOP') out.anomalies.push({ file: rel, kind: 'link', message: 'became a symbolic link while reading; not followed.' });
    else out.errors.push({ file: rel, reason: 'unreadable', message: `could not open (${code}).` });
    return;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      out.anomalies.push({ file: rel, kind: 'device', message: 'not a regular file when opened; not read.' });
      return;
    }
    if (out.bytes + stat.size > limits.maxBytes) {
      throw new DepcapsError('E_TARBALL_LIMIT', `${label}: the directory holds more than ${limits.maxBytes} bytes.`, {
        hint: 'If you trust this package, raise the limit (--max-bytes or DEPCAPS_MAX_BYTES).',
      });
    }
    const file = new StreamedFile(rel, { maxFileBytes: limits.maxFileBytes, expectedSize: stat.size });
    // One byte more than stat said: a file that grows while we read is noticed, not cut silently.
    const buf = Buffer.alloc(Math.min(READ_CHUNK, stat.size + 1));
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, stat.size + 1 - length), length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > stat.size) {
        out.errors.push({ file: rel, reason: 'unreadable', message: 'the file grew while it was read; not read.' });
        return;
      }
      // A copy: the file may keep it, and the buffer is reused for the next read.
      file.write(Buffer.from(buf.subarray(0, bytesRead)));
    }
    out.bytes += length;
    const done = file.end();
    out.files.push(done.file);
    if (done.error) out.errors.push(done.error);
  } finally {
    await handle.close();
  }
}
