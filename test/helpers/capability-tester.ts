/**
 * A RuleTester for capabilities, after ESLint's: one table of `valid` snippets (must not report the
 * capability) and `invalid` snippets (must report exactly the listed findings of it, no more, no fewer).
 * Source cases run as CommonJS (`case.cjs`) and as an ES module (`case.mjs`) unless `module` pins one;
 * capabilities that only read manifests (no modules, globals, calls or unresolved sites in the catalog
 * entry) get `code` as the package's package.json and run through `analyzeManifest`.
 */
import { describe, expect, it } from 'vitest';
import { catalog, type CapabilityDefinition } from '../../capabilities/index.js';
import type { Finding } from '../../src/contract/index.js';
import { analyzeSource } from '../../src/analyze/file.js';
import { analyzeManifest } from '../../src/analyze/manifest.js';

export type ModuleKind = 'cjs' | 'esm';

/** Code that must not report the capability. A plain string runs in both module kinds. */
export type ValidCase =
  | string
  | {
      code: string;
      module?: ModuleKind;
      files?: Readonly<Record<string, string>>;
      /** The dependency edges (`imports`) the file must report, exactly; checked only when given. */
      imports?: readonly string[];
    };

/** One finding a case must produce. `column` and `confidence` are checked only when given. */
export interface ExpectedFinding {
  line: number;
  column?: number;
  api: string;
  confidence?: Finding['confidence'];
  /** File of the finding, for package cases whose findings are not in package.json. */
  file?: string;
}

/** Code that must report exactly `findings` of the capability. */
export interface InvalidCase {
  code: string;
  module?: ModuleKind;
  /** Other files of the package (package cases only), path → text. */
  files?: Readonly<Record<string, string>>;
  findings: readonly ExpectedFinding[];
  /** The dependency edges (`imports`) the file must report, exactly; checked only when given. */
  imports?: readonly string[];
  /** Names the evasion technique this case proves is seen through (meta-tests count these). */
  evasion?: string;
}

export interface CapabilityTable {
  valid: readonly ValidCase[];
  invalid: readonly InvalidCase[];
}

interface Run {
  findings: Finding[];
  errors: string[];
  imports: string[];
}

const MODULE_FILES: Record<ModuleKind, string> = { cjs: 'case.cjs', esm: 'case.mjs' };

/** True when the catalog entry matches nothing in source code: its cases are package manifests. */
export function isManifestOnly(cap: CapabilityDefinition): boolean {
  return !cap.modules?.length && !cap.globals?.length && !cap.calls?.length && !cap.unresolved?.length && !cap.tamper && !cap.obfuscation;
}

function runSource(code: string, kind: ModuleKind): Run {
  const result = analyzeSource(code, MODULE_FILES[kind]);
  return { findings: result.findings, errors: result.errors.map((e) => e.message), imports: result.imports };
}

function runPackage(code: string, files: Readonly<Record<string, string>> = {}): Run {
  const inputs = [{ path: 'package.json', data: Buffer.from(code) }];
  for (const [path, text] of Object.entries(files)) inputs.push({ path, data: Buffer.from(text) });
  const result = analyzeManifest(inputs);
  return { findings: result.findings, errors: result.anomalies.map((a) => `${a.kind}: ${a.message}`), imports: [] };
}

function matches(expected: ExpectedFinding, actual: Finding): boolean {
  return (
    expected.line === actual.line &&
    expected.api === actual.api &&
    (expected.column === undefined || expected.column === actual.column) &&
    (expected.confidence === undefined || expected.confidence === actual.confidence) &&
    (expected.file === undefined || expected.file === actual.file)
  );
}

/**
 * Pairs expected with actual findings one to one (a bipartite matching, so an expectation without a
 * column cannot steal the finding a more specific one needs) and returns what is left on either side.
 */
export function compareFindings(
  expected: readonly ExpectedFinding[],
  actual: readonly Finding[],
): { missing: ExpectedFinding[]; unexpected: string[] } {
  const owner: (number | undefined)[] = actual.map(() => undefined);
  const assign = (e: number, seen: boolean[]): boolean => {
    for (let a = 0; a < actual.length; a++) {
      if (seen[a] || !matches(expected[e]!, actual[a]!)) continue;
      seen[a] = true;
      const current = owner[a];
      if (current === undefined || assign(current, seen)) {
        owner[a] = e;
        return true;
      }
    }
    return false;
  };
  const missing: ExpectedFinding[] = [];
  expected.forEach((e, i) => {
    if (!assign(i, actual.map(() => false))) missing.push(e);
  });
  const unexpected = actual.filter((_, a) => owner[a] === undefined).map(describeFinding);
  return { missing, unexpected };
}

/** `api @line:column (confidence)`: how a finding reads in a failure. */
export function describeFinding(f: Finding): string {
  return `${f.api} @${f.line}:${f.column} (${f.confidence})${f.file.startsWith('case.') ? '' : ` in ${f.file}`}`;
}

/** A case's code on one line, cut for a test title. */
function title(code: string): string {
  const flat = code.replace(/\s+/g, ' ').trim();
  return flat.length > 90 ? `${flat.slice(0, 89)}…` : flat;
}

/**
 * Declares the vitest suite of one capability's table.
 * @throws Error when `id` is not in the catalog, when a case appears twice (in either list), when an
 * invalid case expects no finding, or when a package-only option is used on a source capability.
 */
export function testCapability(id: string, table: CapabilityTable): void {
  const cap = catalog.find((c) => c.id === id);
  if (!cap) throw new Error(`testCapability: unknown capability id "${id}" (catalog: ${catalog.map((c) => c.id).join(', ')})`);
  const manifestOnly = isManifestOnly(cap);

  const seen = new Set<string>();
  const check = (
    code: string,
    module: ModuleKind | undefined,
    files: Readonly<Record<string, string>> | undefined,
    imports: readonly string[] | undefined,
  ): void => {
    // One key per run, so `{ code }` and `{ code, module: 'cjs' }` collide on the CommonJS run.
    for (const kind of manifestOnly ? ['package'] : module ? [module] : ['cjs', 'esm']) {
      const key = JSON.stringify([code, kind, files ?? {}]);
      if (seen.has(key)) throw new Error(`testCapability(${id}): duplicate case ${JSON.stringify(code)} [${kind}]`);
      seen.add(key);
    }
    if (manifestOnly && module !== undefined) throw new Error(`testCapability(${id}): "module" makes no sense for a package.json case`);
    if (!manifestOnly && files !== undefined) throw new Error(`testCapability(${id}): "files" is for package.json cases only`);
    if (manifestOnly && imports !== undefined) throw new Error(`testCapability(${id}): "imports" is for source cases only`);
  };
  const valid = table.valid.map((v): Exclude<ValidCase, string> => (typeof v === 'string' ? { code: v } : v));
  for (const v of valid) check(v.code, v.module, v.files, v.imports);
  for (const c of table.invalid) {
    check(c.code, c.module, c.files, c.imports);
    if (c.findings.length === 0) throw new Error(`testCapability(${id}): invalid case ${JSON.stringify(c.code)} expects no finding; make it valid`);
  }

  /** The runs of a case: one per module kind, or the single package run. */
  const runsOf = (code: string, module: ModuleKind | undefined, files?: Readonly<Record<string, string>>): [string, () => Run][] => {
    if (manifestOnly) return [['package.json', () => runPackage(code, files)]];
    const kinds: ModuleKind[] = module ? [module] : ['cjs', 'esm'];
    return kinds.map((k) => [k, () => runSource(code, k)]);
  };
  const ofCapability = (run: Run): Finding[] => run.findings.filter((f) => f.capability === id);

  describe(`capability ${id}`, () => {
    describe('valid', () => {
      for (const v of valid) {
        for (const [label, run] of runsOf(v.code, v.module, v.files)) {
          it(`${title(v.code)} [${label}]`, () => {
            const result = run();
            expect({ errors: result.errors, findings: ofCapability(result).map(describeFinding) }).toEqual({ errors: [], findings: [] });
            if (v.imports) expect(result.imports).toEqual([...v.imports].sort());
          });
        }
      }
    });
    describe('invalid', () => {
      for (const c of table.invalid) {
        const prefix = c.evasion ? `evasion (${c.evasion}): ` : '';
        for (const [label, run] of runsOf(c.code, c.module, c.files)) {
          it(`${prefix}${title(c.code)} [${label}]`, () => {
            const result = run();
            const found = ofCapability(result);
            const { missing, unexpected } = compareFindings(c.findings, found);
            expect({ errors: result.errors, missing, unexpected }, `reported: ${found.map(describeFinding).join('; ') || 'nothing'}`).toEqual({
              errors: [],
              missing: [],
              unexpected: [],
            });
            if (c.imports) expect(result.imports).toEqual([...c.imports].sort());
          });
        }
      }
    });
  });
}
