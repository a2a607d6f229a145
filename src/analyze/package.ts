import type { Anomaly, FileError, Finding } from '../contract/index.js';
import { defaultCatalogIndex, type CatalogIndex } from './catalog-index.js';
import type { FileAnalysis } from './file.js';
import { isBuffered, isCodeFile, type BufferedSource, type SourceFile } from './intake.js';
import { analyzeManifest } from './manifest.js';
import type { AnalysisPool } from './pool.js';

export type { BufferedSource, SourceFile, SummarisedSource } from './intake.js';

/** What the engine found in a whole package. */
export interface PackageAnalysis {
  findings: Finding[];
  errors: FileError[];
  anomalies: Anomaly[];
  imports: string[];
  /** Code files in the package (those over the parse limit included). */
  codeFiles: number;
  /** Code files handed to the parser in this run (the others were reused). */
  parsedFiles: number;
  /** Bytes of the files parsed in this run. */
  parsedBytes: number;
  /** Results of the files parsed in this run, by path: what a cache can keep. */
  fresh: Map<string, FileAnalysis>;
}

/** Deterministic order: file, line, column, capability, api. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    a.line - b.line ||
    a.column - b.column ||
    (a.capability < b.capability ? -1 : a.capability > b.capability ? 1 : 0) ||
    (a.api < b.api ? -1 : a.api > b.api ? 1 : 0)
  );
}

/**
 * Analyses every file of a package: code files in the worker pool (tests, examples and build scripts
 * included: an attacker chooses where to hide), package.json and binaries on this thread. Results in
 * `reuse` (by path, from a content-addressed cache) are taken as they are and not parsed again. Files
 * known only by a summary bring their magic kind, and code files over the parse limit the lexical
 * scan made while they streamed.
 */
export async function analyzePackage(
  files: readonly SourceFile[],
  pool: AnalysisPool,
  index: CatalogIndex = defaultCatalogIndex(),
  reuse: ReadonlyMap<string, FileAnalysis> = new Map(),
): Promise<PackageAnalysis> {
  const code = files.filter((f): f is BufferedSource => isBuffered(f) && isCodeFile(f.path, f.data));
  const scanned = files.flatMap((f) => (!isBuffered(f) && f.scanned ? [f.scanned] : []));
  const toParse = code.filter((f) => !reuse.has(f.path));
  const manifest = analyzeManifest(files, index);
  const parsed = await pool.analyze(toParse);
  const fresh = new Map(toParse.map((f, i) => [f.path, parsed[i]!]));
  const findings: Finding[] = [...manifest.findings];
  const errors: FileError[] = [];
  const anomalies: Anomaly[] = [...manifest.anomalies];
  const imports = new Set<string>();
  for (const r of [...code.map((f) => fresh.get(f.path) ?? reuse.get(f.path)!), ...scanned]) {
    findings.push(...r.findings);
    errors.push(...r.errors);
    anomalies.push(...r.anomalies);
    for (const i of r.imports) imports.add(i);
  }
  findings.sort(compareFindings);
  errors.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { findings, errors, anomalies, imports: [...imports].sort(), codeFiles: code.length + scanned.length, parsedFiles: toParse.length, parsedBytes: toParse.reduce((n, f) => n + f.data.length, 0), fresh };
}
