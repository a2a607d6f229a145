import { createHash } from 'node:crypto';
import type { FileAnalysis } from '../analyze/file.js';
import type { CatalogIndex } from '../analyze/catalog-index.js';
import type { ModuleFacts } from '../analyze/module-facts.js';
import { isBuffered, type SourceFile } from '../analyze/intake.js';
import { toolVersion } from '../version.js';

/**
 * Version of what a cached result holds besides findings: 2 added module facts to file results and
 * `runs` to package reports. Bumped whenever those shapes or their meaning change, so no cache serves
 * results without them.
 */
const RESULT_SHAPE_VERSION = 2;

/** The content key of one file: its bytes, and how they are parsed (by extension). */
export function fileKey(path: string, data: Uint8Array): { sha256: string; mode: string } {
  const base = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  const dot = base.lastIndexOf('.');
  return { sha256: createHash('sha256').update(data).digest('hex'), mode: dot > 0 ? base.slice(dot + 1) : 'none' };
}

/**
 * The analyzer version results are cached under: the catalog and engine (catalogVersion) and the tool
 * version, so a catalog change or a new release never serves results of another analyzer.
 */
export function analyzerVersionOf(index: CatalogIndex): string {
  return createHash('sha256').update(`${toolVersion()}\0${index.version}\0${RESULT_SHAPE_VERSION}`).digest('hex').slice(0, 16);
}

/** A package key for sources without a tarball (directories, single files): every path and its bytes' hash. */
export function contentIntegrity(files: readonly SourceFile[]): string {
  const h = createHash('sha512');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    // Summarised files were hashed as they streamed: the same digest, without their bytes.
    const digest = isBuffered(f) ? createHash('sha256').update(f.data).digest() : Buffer.from(f.sha256, 'hex');
    h.update(f.path).update('\0').update(digest).update('\0');
  }
  return `content-sha512-${h.digest('base64')}`;
}

/** A file result as cached: without its path, so the same bytes elsewhere (a moved file) reuse it. */
export interface StoredFileResult {
  findings: Omit<FileAnalysis['findings'][number], 'file'>[];
  errors: { reason?: string; message: string }[];
  anomalies: { kind: string; message: string }[];
  imports: string[];
  /** Module facts (they hold no path); absent for results of files that were not analysed. */
  module?: ModuleFacts;
}

function stripPath(message: string, path: string): string {
  return message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
}

/** Removes the path from a file result. */
export function encodeFileResult(r: FileAnalysis, path: string): StoredFileResult {
  return {
    findings: r.findings.map(({ file: _file, ...rest }) => rest),
    errors: r.errors.map((e) => ({ ...(e.reason !== undefined ? { reason: e.reason } : {}), message: stripPath(e.message, path) })),
    anomalies: r.anomalies.map((a) => ({ kind: a.kind, message: stripPath(a.message, path) })),
    imports: r.imports,
    ...(r.module ? { module: r.module } : {}),
  };
}

/** Puts `path` back into a cached file result. */
export function decodeFileResult(s: StoredFileResult, path: string): FileAnalysis {
  return {
    findings: s.findings.map((f) => ({ capability: f.capability, api: f.api, file: path, line: f.line, column: f.column, excerpt: f.excerpt, confidence: f.confidence })),
    errors: s.errors.map((e) => ({ file: path, ...(e.reason !== undefined ? { reason: e.reason } : {}), message: `${path}: ${e.message}` })),
    anomalies: s.anomalies.map((a) => ({ file: path, kind: a.kind, message: `${path}: ${a.message}` })),
    imports: s.imports,
    ...(s.module ? { module: s.module } : {}),
  };
}
