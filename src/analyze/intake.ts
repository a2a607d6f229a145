import { createHash, type Hash } from 'node:crypto';
import { TextDecoder } from 'node:util';
import type { FileError } from '../contract/index.js';
import { defaultCatalogIndex, type CatalogIndex } from './catalog-index.js';
import type { FileAnalysis } from './file.js';
import { LexicalScanner } from './lexical.js';
import { isCodeFile } from './source.js';

export { isCodeFile };

/** A file whose bytes the engine holds: code files up to the parse limit, the root package.json, and small nested manifests and shell scripts. */
export interface BufferedSource {
  path: string;
  data: Uint8Array;
}

/**
 * A file known only by its path, size, hash and the start of its bytes: every non-code file,
 * whatever its size, and code files over the parse limit (with the lexical scan made as they
 * streamed). Its bytes were never held whole.
 */
export interface SummarisedSource {
  path: string;
  size: number;
  /** sha256 of the whole file, hex. */
  sha256: string;
  /** The first bytes (at most {@link HEAD_BYTES}): excerpts of files recognised by name. */
  head: Uint8Array;
  /** The catalog's name for its magic bytes (`ELF`, `PE`, …), when it is a known binary format. */
  magic?: string;
  /** A code file over the parse limit: what its streamed lexical scan found (always with an error saying so). */
  scanned?: FileAnalysis;
}

/** A package file as the engine sees it. */
export type SourceFile = BufferedSource | SummarisedSource;

/** True when the engine holds the file's bytes. */
export function isBuffered(file: SourceFile): file is BufferedSource {
  return 'data' in file;
}

/** The manifest is read whole whatever its extension says: install scripts live there. */
const MANIFEST = 'package.json';
/**
 * Small files the module graph reads besides code: nested package.json files (their `main`) and shell
 * scripts a lifecycle script runs (`sh install.sh`). Held whole up to {@link SIDE_FILE_BYTES}.
 */
const READ_BY_GRAPH = /(?:^|\/)package\.json$|\.(?:sh|bash|cmd|bat)$/i;
const SIDE_FILE_BYTES = 256 * 1024;

/** Bytes looked at for magic numbers and for the binary check of a non-code file. */
export const MAGIC_PROBE_BYTES = 4096;
/** Bytes of a code file looked at for NUL (binary content), as decodeSource does. */
const CODE_PROBE_BYTES = 8192;
/** Bytes a summary keeps of the start of a file. */
export const HEAD_BYTES = 512;

function hexPrefix(data: Uint8Array, hex: string): boolean {
  if (data.length < hex.length / 2) return false;
  for (let i = 0; i < hex.length / 2; i++) {
    if (data[i] !== parseInt(hex.slice(i * 2, i * 2 + 2), 16)) return false;
  }
  return true;
}

/**
 * The catalog's name for the binary format `head` starts with (`ELF`, `Mach-O 64`, `PE`, …), from its
 * first {@link MAGIC_PROBE_BYTES} bytes. Real executables always carry NUL bytes in their headers;
 * requiring one keeps text files that happen to start with "MZ" from being called native code.
 */
export function magicKind(head: Uint8Array, index: CatalogIndex = defaultCatalogIndex()): string | undefined {
  const probe = head.subarray(0, MAGIC_PROBE_BYTES);
  if (!probe.includes(0)) return undefined;
  for (const cap of index.capabilities) {
    for (const [kind, hex] of Object.entries(cap.files?.magic ?? {})) if (hexPrefix(probe, hex)) return kind;
  }
  return undefined;
}

/** Options of {@link StreamedFile}. */
export interface StreamedFileOptions {
  /** Largest file held whole (code files and the manifest); larger code files are scanned as they stream. */
  maxFileBytes: number;
  /** The size announced before the bytes (a tar header, a stat), when known: a larger file is never buffered. */
  expectedSize?: number;
  index?: CatalogIndex;
}

/** What a streamed file became, and whether it could not be read. */
export interface StreamedResult {
  file: SourceFile;
  /** Set when a file the engine needs whole (the manifest) was over the limit. */
  error?: FileError;
}

type Mode = 'probe' | 'buffer' | 'summary' | 'scan';

/**
 * One file as its bytes arrive, in memory bounded by the parse limit whatever the file's size: code
 * files and the manifest up to `maxFileBytes` are kept whole; every other file is hashed and its
 * magic bytes recognised; a code file over the limit is also scanned lexically, window by window.
 * The caller does the I/O (tar entries, file reads) and feeds the bytes in order.
 */
export class StreamedFile {
  private readonly path: string;
  private readonly max: number;
  private readonly index: CatalogIndex;
  private mode: Mode = 'probe';
  private chunks: Uint8Array[] = [];
  private held = 0;
  private size = 0;
  private head = Buffer.alloc(0);
  private hash: Hash | undefined;
  private scanner: LexicalScanner | undefined;
  private decoder: TextDecoder | undefined;
  private encodingProblem = false;
  private binary = false;
  private code = false;
  private readonly expectedSize: number | undefined;

  constructor(path: string, options: StreamedFileOptions) {
    this.path = path;
    this.max = options.maxFileBytes;
    this.index = options.index ?? defaultCatalogIndex();
    this.expectedSize = options.expectedSize;
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.size;
  }

  /** Feeds the next bytes of the file. */
  write(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.size += chunk.length;
    if (this.head.length < CODE_PROBE_BYTES) {
      const take = chunk.subarray(0, CODE_PROBE_BYTES - this.head.length);
      this.head = Buffer.concat([this.head, take]);
    }
    if (this.mode === 'probe') {
      this.chunks.push(chunk);
      this.held += chunk.length;
      if (this.head.length >= CODE_PROBE_BYTES) this.decide(this.head);
      return;
    }
    this.consume(chunk);
  }

  /** The file as the engine will see it, once every byte was written. */
  end(): StreamedResult {
    if (this.mode === 'probe') this.decide(this.head);
    if (this.mode === 'buffer') return { file: { path: this.path, data: this.take() } };
    const summary: SummarisedSource = {
      path: this.path,
      size: this.size,
      sha256: this.hash!.digest('hex'),
      head: Buffer.from(this.head.subarray(0, HEAD_BYTES)),
    };
    const magic = magicKind(this.head, this.index);
    if (magic !== undefined) summary.magic = magic;
    if (this.code) summary.scanned = this.scanResult();
    if (this.path === MANIFEST) {
      return {
        file: summary,
        error: { file: this.path, reason: 'file-too-large', message: `${this.size} bytes, over the ${this.max}-byte limit (maxFileBytes); not read.` },
      };
    }
    return { file: summary };
  }

  /** Called once the first bytes are in (or the file ended): the name, those bytes and the announced size decide. */
  private decide(head: Uint8Array): void {
    this.code = isCodeFile(this.path, head);
    const side = !this.code && this.path !== MANIFEST && READ_BY_GRAPH.test(this.path);
    const whole = this.code || this.path === MANIFEST || side;
    const fits = Math.max(this.expectedSize ?? 0, this.size) <= (side ? Math.min(this.max, SIDE_FILE_BYTES) : this.max);
    const held = this.chunks;
    this.chunks = [];
    this.held = 0;
    if (whole && fits) {
      this.mode = 'buffer';
    } else {
      this.startSummary();
    }
    for (const c of held) this.consume(c);
  }

  private startSummary(): void {
    this.mode = this.code ? 'scan' : 'summary';
    this.hash = createHash('sha256');
    if (!this.code) return;
    this.scanner = new LexicalScanner(this.path, this.index);
    const h = this.head;
    if (h.length >= 2 && h[0] === 0xff && h[1] === 0xfe) this.decoder = new TextDecoder('utf-16le');
    else if (h.length >= 2 && h[0] === 0xfe && h[1] === 0xff) this.decoder = new TextDecoder('utf-16be');
    else {
      const bom = h.length >= 3 && h[0] === 0xef && h[1] === 0xbb && h[2] === 0xbf ? 3 : 0;
      this.binary = h.subarray(bom, bom + CODE_PROBE_BYTES).includes(0);
      this.decoder = new TextDecoder('utf-8', { fatal: true });
    }
  }

  private consume(chunk: Uint8Array): void {
    if (this.mode === 'buffer') {
      if (this.held + chunk.length <= this.max) {
        this.chunks.push(chunk);
        this.held += chunk.length;
        return;
      }
      // Larger than announced (a directory file that grew): what was held goes through the scan.
      const held = this.chunks;
      this.chunks = [];
      this.held = 0;
      this.startSummary();
      for (const c of held) this.consume(c);
    }
    this.hash!.update(chunk);
    if (this.mode === 'scan' && !this.binary) this.scanner!.write(this.decode(chunk));
  }

  private decode(chunk: Uint8Array): string {
    try {
      return this.decoder!.decode(chunk, { stream: true });
    } catch {
      // Invalid UTF-8: from here on, replacement characters (decodeSource does the same for the whole file).
      this.encodingProblem = true;
      this.decoder = new TextDecoder('utf-8');
      return this.decoder.decode(chunk, { stream: true });
    }
  }

  private take(): Buffer {
    const data = Buffer.concat(this.chunks, this.held);
    this.chunks = [];
    return data;
  }

  private scanResult(): FileAnalysis {
    const path = this.path;
    if (this.binary) {
      return { findings: [], errors: [{ file: path, reason: 'binary', message: `${path}: binary content in a source file; not parsed` }], anomalies: [], imports: [] };
    }
    const tail = this.decoder!.decode();
    if (tail !== '') this.scanner!.write(tail);
    const result: FileAnalysis = {
      findings: this.scanner!.end(),
      errors: [{ file: path, reason: 'file-too-large', message: `${path}: ${this.size} bytes, over the ${this.max}-byte parse limit (--max-file-bytes); lexical scan only` }],
      anomalies: [],
      imports: [],
    };
    if (this.encodingProblem) result.anomalies.push({ file: path, kind: 'bad-encoding', message: `${path}: invalid UTF-8 (decoded with replacement characters)` });
    return result;
  }
}
