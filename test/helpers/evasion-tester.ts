/**
 * A table tester for one evasion class, after the capability tester (capability-tester.ts): `flags` are
 * snippets that hide a capability use and must report exactly the listed findings, `clean` are look-alikes
 * that must report nothing. Unlike a capability table, a case lists findings of any capability: an evasion
 * is closed when the right capability comes out at the right place and nothing stray comes with it.
 * The `obfuscated` signal is judged by its own tables (obfuscated.test.ts, obfuscation-tools.test.ts) and
 * left out here unless a case asks for it. Cases run as CommonJS and as an ES module unless `module` pins one.
 */
import { describe, expect, it } from 'vitest';
import { catalog } from '../../capabilities/index.js';
import type { Finding } from '../../src/contract/index.js';
import { analyzeSource } from '../../src/analyze/file.js';
import { compareFindings, describeFinding, type ExpectedFinding, type ModuleKind } from './capability-tester.js';

/** One finding a flagged case must produce. */
export interface ExpectedEvasionFinding extends ExpectedFinding {
  capability: string;
}

/** Code that hides a capability use. */
export interface FlagCase {
  code: string;
  module?: ModuleKind;
  /** What the case proves (the test title); the code itself when omitted. */
  name?: string;
  findings: readonly ExpectedEvasionFinding[];
  /** Capabilities compared; all but `obfuscated` when omitted. Generated fixtures name the ones they are about. */
  capabilities?: readonly string[];
  /**
   * Further findings with the capability and API of an expected one are allowed (JSFuck compiles helper
   * code with `Function` once per character it cannot spell otherwise: each is a real use).
   */
  repeats?: boolean;
}

/** A look-alike that must report nothing (of `capabilities`, or of any capability but `obfuscated`). */
export type CleanCase = string | { code: string; module?: ModuleKind; name?: string; capabilities?: readonly string[] };

export interface EvasionTable {
  flags: readonly FlagCase[];
  clean: readonly CleanCase[];
}

const MODULE_FILES: Record<ModuleKind, string> = { cjs: 'case.cjs', esm: 'case.mjs' };
const ids = new Set(catalog.map((c) => c.id));

function title(code: string, name: string | undefined): string {
  if (name) return name;
  const flat = code.replace(/\s+/g, ' ').trim();
  return flat.length > 90 ? `${flat.slice(0, 89)}…` : flat;
}

function keep(capabilities: readonly string[] | undefined): (f: Finding) => boolean {
  return capabilities ? (f) => capabilities.includes(f.capability) : (f) => f.capability !== 'obfuscated';
}

/** `capability: api @line:column (confidence)`. */
function describeWithCapability(f: Finding): string {
  return `${f.capability}: ${describeFinding(f)}`;
}

/**
 * Declares the vitest suite of one evasion class.
 * @throws Error on an unknown capability id, a duplicate case, or a flagged case that expects nothing.
 */
export function testEvasionClass(name: string, table: EvasionTable): void {
  const seen = new Set<string>();
  const check = (code: string, module: ModuleKind | undefined, capabilities: readonly string[] | undefined): void => {
    for (const kind of module ? [module] : ['cjs', 'esm']) {
      const key = JSON.stringify([code, kind]);
      if (seen.has(key)) throw new Error(`testEvasionClass(${name}): duplicate case ${JSON.stringify(code.slice(0, 80))} [${kind}]`);
      seen.add(key);
    }
    for (const id of capabilities ?? []) if (!ids.has(id)) throw new Error(`testEvasionClass(${name}): unknown capability "${id}"`);
  };
  for (const c of table.flags) {
    check(c.code, c.module, c.capabilities);
    if (c.findings.length === 0) throw new Error(`testEvasionClass(${name}): flagged case ${JSON.stringify(c.code.slice(0, 80))} expects nothing`);
    for (const f of c.findings) if (!ids.has(f.capability)) throw new Error(`testEvasionClass(${name}): unknown capability "${f.capability}"`);
  }
  const clean = table.clean.map((c) => (typeof c === 'string' ? { code: c } : c));
  for (const c of clean) check(c.code, c.module, c.capabilities);

  describe(`evasion class: ${name}`, () => {
    describe('flags', () => {
      for (const c of table.flags) {
        for (const kind of c.module ? [c.module] : (['cjs', 'esm'] as const)) {
          it(`${title(c.code, c.name)} [${kind}]`, () => {
            const result = analyzeSource(c.code, MODULE_FILES[kind]);
            const found = result.findings.filter(keep(c.capabilities));
            const byCapability = new Map<string, Finding[]>();
            for (const f of found) byCapability.set(f.capability, [...(byCapability.get(f.capability) ?? []), f]);
            const missing: string[] = [];
            const unexpected: string[] = [];
            for (const id of new Set([...c.findings.map((f) => f.capability), ...byCapability.keys()])) {
              const compared = compareFindings(
                c.findings.filter((f) => f.capability === id),
                byCapability.get(id) ?? [],
              );
              missing.push(...compared.missing.map((m) => `${id}: ${m.api} @${m.line}${m.column === undefined ? '' : `:${m.column}`}`));
              const repeated = (u: string): boolean => c.repeats === true && c.findings.some((f) => f.capability === id && u.startsWith(`${f.api} @`));
              unexpected.push(...compared.unexpected.filter((u) => !repeated(u)).map((u) => `${id}: ${u}`));
            }
            expect(
              { errors: result.errors.map((e) => e.message), missing, unexpected },
              `reported: ${found.map(describeWithCapability).join('; ') || 'nothing'}`,
            ).toEqual({ errors: [], missing: [], unexpected: [] });
          });
        }
      }
    });
    describe('clean', () => {
      for (const c of clean) {
        for (const kind of c.module ? [c.module] : (['cjs', 'esm'] as const)) {
          it(`${title(c.code, c.name)} [${kind}]`, () => {
            const result = analyzeSource(c.code, MODULE_FILES[kind]);
            expect({
              errors: result.errors.map((e) => e.message),
              findings: result.findings.filter(keep(c.capabilities)).map(describeWithCapability),
            }).toEqual({ errors: [], findings: [] });
          });
        }
      }
    });
  });
}

/**
 * The 1-based line and column where `needle` (a string or a pattern) starts in `code`, first at or after
 * offset `after`, for expectations on generated fixtures.
 * @throws Error when `needle` is not in `code`.
 */
export function positionOf(code: string, needle: string | RegExp, after = 0): { line: number; column: number } {
  let at: number;
  if (typeof needle === 'string') at = code.indexOf(needle, after);
  else {
    const re = new RegExp(needle.source, needle.flags.includes('g') ? needle.flags : `${needle.flags}g`);
    re.lastIndex = after;
    at = re.exec(code)?.index ?? -1;
  }
  if (at === -1) throw new Error(`positionOf: ${String(needle)} is not in the fixture`);
  const before = code.slice(0, at);
  const line = before.split('\n').length;
  return { line, column: at - before.lastIndexOf('\n') };
}
