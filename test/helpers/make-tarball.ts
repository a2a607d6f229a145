/**
 * Builds tar / tar.gz archives at test time from tar's own `Header` and `Pax` classes, the way
 * node-tar's test/fixtures/make-tar.ts does, so hostile archives (links, devices, `../` paths,
 * absolute paths, lying sizes, bombs) need no binary fixtures. Bodies can be generated lazily:
 * a 1 GiB entry is streamed through gzip chunk by chunk and never held in memory.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { Header, Pax, type HeaderData } from 'tar';

/** One archive entry. `body` wins over `data`; `size` is the declared size (defaults to the data length). */
export interface TarEntry {
  path: string;
  /** tar type name: `File` (default), `Directory`, `SymbolicLink`, `Link`, `CharacterDevice`, `FIFO`, … */
  type?: HeaderData['type'];
  data?: string | Buffer;
  /** Lazy body, for entries too large to hold in memory; must yield exactly `size` bytes. */
  body?: () => Iterable<Buffer>;
  /** Declared size. Defaults to the length of `data` (0 without data). */
  size?: number;
  linkpath?: string;
  mode?: number;
  /** Force a pax header carrying the path (automatic when the path does not fit the ustar fields). */
  pax?: boolean;
}

const BLOCK = 512;
const MiB = 1024 * 1024;
const FIXED_MTIME = new Date('2020-01-01T00:00:00Z');

/** Raw tar bytes of the entries, lazily, one block group at a time; ends with the two zero blocks. */
export function* tarChunks(entries: readonly TarEntry[], opts: { endMarker?: boolean } = {}): Generator<Buffer> {
  for (const entry of entries) {
    const data = typeof entry.data === 'string' ? Buffer.from(entry.data) : entry.data;
    const size = entry.size ?? data?.length ?? 0;
    const type = entry.type ?? 'File';
    const fields: HeaderData = {
      path: entry.path,
      type,
      size: type === 'File' || type === 'OldFile' || type === 'ContiguousFile' ? size : entry.size ?? 0,
      mode: entry.mode ?? (type === 'Directory' ? 0o755 : 0o644),
      uid: 0,
      gid: 0,
      mtime: FIXED_MTIME,
      uname: '',
      gname: '',
      ...(entry.linkpath !== undefined ? { linkpath: entry.linkpath } : {}),
    };
    const header = new Header(fields);
    const block = Buffer.alloc(BLOCK);
    const needPax = header.encode(block, 0);
    if (needPax || entry.pax) {
      yield new Pax({ path: entry.path, linkpath: entry.linkpath }).encode();
      // The ustar fields may hold a truncated path now; the pax record wins when reading.
      new Header({ ...fields, path: entry.path.slice(-99) }).encode(block, 0);
    }
    yield block;
    let written = 0;
    const bodies = entry.body ? entry.body() : data ? [data] : [];
    for (const chunk of bodies) {
      written += chunk.length;
      yield chunk;
    }
    const pad = (BLOCK - (written % BLOCK)) % BLOCK;
    if (pad > 0) yield Buffer.alloc(pad);
  }
  if (opts.endMarker !== false) yield Buffer.alloc(BLOCK * 2);
}

/** An uncompressed tar archive in one Buffer (small archives only). */
export function makeTar(entries: readonly TarEntry[], opts: { endMarker?: boolean } = {}): Buffer {
  return Buffer.concat([...tarChunks(entries, opts)]);
}

/** A gzipped tar archive in one Buffer, built synchronously (small archives only). */
export function makeTgz(entries: readonly TarEntry[]): Buffer {
  return zlib.gzipSync(makeTar(entries), { level: 9 });
}

/**
 * A gzipped tar archive streamed through `zlib.createGzip`: only the compressed output is kept,
 * so lazily generated bodies of gigabytes cost their compressed size in memory.
 */
export async function makeTgzStreamed(entries: readonly TarEntry[], level = 9): Promise<Buffer> {
  const gzip = zlib.createGzip({ level });
  const out: Buffer[] = [];
  gzip.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<void>((resolve, reject) => {
    gzip.on('end', resolve);
    gzip.on('error', reject);
  });
  Readable.from(batch(tarChunks(entries), 256 * 1024), { objectMode: false }).pipe(gzip);
  await done;
  return Buffer.concat(out);
}

/** Groups small chunks (512-byte headers) into writes of at least `size` bytes: a stream write per header is slow. */
function* batch(chunks: Iterable<Buffer>, size: number): Generator<Buffer> {
  let pending: Buffer[] = [];
  let length = 0;
  for (const chunk of chunks) {
    if (length === 0 && chunk.length >= size) {
      yield chunk;
      continue;
    }
    pending.push(chunk);
    length += chunk.length;
    if (length >= size) {
      yield Buffer.concat(pending, length);
      pending = [];
      length = 0;
    }
  }
  if (length > 0) yield Buffer.concat(pending, length);
}

/** `size` zero bytes, yielded as slices of one shared 1 MiB buffer. */
export function* zeros(size: number, chunk = MiB): Generator<Buffer> {
  const z = Buffer.alloc(Math.min(chunk, Math.max(size, 1)));
  for (let left = size; left > 0; left -= z.length) yield left >= z.length ? z : z.subarray(0, left);
}

/** A normal npm-style tarball: every file under `package/` (or `opts.prefix`), gzipped. */
export function makePackageTarball(files: Record<string, string | Buffer>, opts: { prefix?: string } = {}): Buffer {
  const prefix = opts.prefix ?? 'package';
  return makeTgz(Object.entries(files).map(([path, data]) => ({ path: `${prefix}/${path}`, data })));
}

/**
 * A gzip of many members: each part is compressed once and its member repeated `times`.
 * gunzip (and tar) read concatenated members as one stream, so a bomb of gigabytes is built in
 * milliseconds from one small member. Parts must line up with tar blocks themselves.
 */
export function gzipMembers(parts: readonly { raw: Buffer; times?: number }[]): Buffer {
  const out: Buffer[] = [];
  for (const part of parts) {
    const member = zlib.gzipSync(part.raw, { level: 9 });
    for (let i = 0; i < (part.times ?? 1); i++) out.push(member);
  }
  return Buffer.concat(out);
}

/**
 * A bomb whose ratio stays under tar's 1000 cap: one `path` entry of `blocks` × (1 KiB random +
 * 400 KiB zeros), built with {@link gzipMembers}. Unpacks to `blocks × 401 KiB`.
 */
export function lowRatioBomb(path: string, blocks: number): { tgz: Buffer; unpacked: number } {
  const unit = Buffer.concat([randomBytes(1024), Buffer.alloc(400 * 1024)]);
  const unpacked = unit.length * blocks;
  const header = makeTar([{ path, size: unpacked }], { endMarker: false }).subarray(0, BLOCK);
  const tgz = gzipMembers([{ raw: header }, { raw: unit, times: blocks }, { raw: Buffer.alloc(BLOCK * 2) }]);
  return { tgz, unpacked };
}

/** The first `fraction` of a buffer (a truncated download). */
export function truncate(data: Buffer, fraction = 0.5): Buffer {
  return Buffer.from(data.subarray(0, Math.floor(data.length * fraction)));
}
