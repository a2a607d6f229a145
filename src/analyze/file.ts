import { isBuiltin } from 'node:module';
import type { Anomaly, FileError, Finding } from '../contract/index.js';
import { defaultCatalogIndex, type CatalogIndex } from './catalog-index.js';
import { Evaluator } from './evaluate.js';
import { lexicalScan } from './lexical.js';
import { FindingCollector, SiteMatcher } from './match.js';
import { lexicalModuleFacts, type ModuleFacts } from './module-facts.js';
import { decodeSource, ParseFailure, parseSource } from './parse.js';
import { findObfuscation } from './obfuscation.js';
import { findTampering } from './tamper.js';
import { dropLocations, walkProgram } from './walk.js';
import { collectGarbage } from '../gc.js';

/**
 * Files at least this long (characters) get the memory-saving phase between parse and walk. At 2 Mi a
 * cold audit of the bench lockfile peaked at 0.79 GB instead of 1.06–1.10 GB (typescript.js and its
 * peers), with the same findings and ~5 % more CPU (one forced collection per such file).
 */
const LARGE_FILE = 2 * 1024 * 1024;

/** Everything the engine learned from one file. */
export interface FileAnalysis {
  findings: Finding[];
  errors: FileError[];
  anomalies: Anomaly[];
  imports: string[];
  /** What the module graph needs (absent when the file was not analysed: binary, crashed worker). */
  module?: ModuleFacts;
}

/**
 * Analyses one source text: parse, one walk building scopes and sites, then evaluation of each site
 * against the catalog. A file that does not parse gets a lexical scan and an error; never an empty result.
 */
export function analyzeSource(source: string, file: string, index: CatalogIndex = defaultCatalogIndex()): FileAnalysis {
  const out = new FindingCollector(file, source);
  const errors: FileError[] = [];
  let module: ModuleFacts;
  try {
    const ast = parseSource(source, file);
    if (source.length >= LARGE_FILE) {
      // Babel's location objects are about half of a large AST: clear them and collect before the walk
      // allocates the scope model, so it reuses that memory instead of growing the heap past the parse.
      dropLocations(ast.program);
      collectGarbage();
    }
    const evaluator = new Evaluator(index);
    const walk = walkProgram(ast.program, (spec) => evaluator.moduleValue(spec));
    evaluator.attach(ast.program, source);
    new SiteMatcher(index, evaluator, out).run(walk);
    // Tampering and obfuscation are judged over the whole file, not per site: counted as load time
    // (the earlier stage), never as code that may not run.
    out.atLoad = true;
    findTampering(ast.program, walk, evaluator, index, out);
    findObfuscation(source, walk, evaluator, index, out);
    module = out.module.facts(out.callTime);
  } catch (err) {
    const deep = err instanceof ParseFailure ? err.deep : err instanceof RangeError;
    const message = err instanceof Error ? err.message : String(err);
    errors.push({
      file,
      reason: deep ? 'too-deep' : err instanceof ParseFailure ? 'parse-error' : 'analysis-error',
      message: `${file}: ${message.split('\n')[0]}; lexical scan only`,
    });
    lexicalScan(source, index, out);
    out.atLoad = true;
    findObfuscation(source, null, null, index, out);
    module = lexicalModuleFacts(source, index, isBuiltin);
  }
  return { findings: out.findings, errors, anomalies: [], imports: [...out.imports].sort(), module };
}

/** Analyses one file's bytes: decoding (BOMs, bad UTF-8), binary detection, then `analyzeSource`. */
export function analyzeFileBytes(data: Uint8Array, file: string, index: CatalogIndex = defaultCatalogIndex()): FileAnalysis {
  const decoded = decodeSource(data);
  if (decoded.binary) {
    return {
      findings: [],
      errors: [{ file, reason: 'binary', message: `${file}: binary content in a source file; not parsed` }],
      anomalies: [],
      imports: [],
    };
  }
  const result = analyzeSource(decoded.text, file, index);
  if (decoded.encodingProblem) result.anomalies.push({ file, kind: 'bad-encoding', message: `${file}: ${decoded.encodingProblem}` });
  return result;
}
