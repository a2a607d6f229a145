/**
 * Meta-tests: the catalog is complete and documented, every capability has an honest test table, the
 * catalog's own examples behave as they claim, and the engine names no module or global (it reads
 * them from capabilities/).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from '@babel/parser';
import { VISITOR_KEYS, type Node } from '@babel/types';
import { describe, expect, it } from 'vitest';
import { catalog, runtime } from '../../capabilities/index.js';
import { analyzeManifest } from '../../src/analyze/manifest.js';
import { analyzeSource } from '../../src/analyze/file.js';
import { isManifestOnly } from '../helpers/capability-tester.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CAPABILITIES = join(ROOT, 'capabilities');
const TESTS = join(ROOT, 'test', 'capabilities');
const ENGINE = join(ROOT, 'src', 'analyze');
/** Files in capabilities/ that are infrastructure, not capabilities. */
const NOT_CAPABILITIES = new Set(['define.ts', 'index.ts', 'runtime.ts']);
const KEBAB = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

function parseTs(source: string, file: string): Node {
  try {
    return parse(source, { sourceType: 'module', plugins: ['typescript'] }).program;
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}

/** Every node of a tree, with its parent and the key it hangs from; iterative. */
function* nodes(root: Node): Generator<{ node: Node; parent: Node | null; key: string | null }> {
  const stack: { node: Node; parent: Node | null; key: string | null }[] = [{ node: root, parent: null, key: null }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    yield item;
    const record = item.node as unknown as Record<string, unknown>;
    for (const key of VISITOR_KEYS[item.node.type] ?? []) {
      const child = record[key];
      for (const c of Array.isArray(child) ? child : [child]) {
        if (c && typeof c === 'object' && typeof (c as Node).type === 'string') stack.push({ node: c as Node, parent: item.node, key });
      }
    }
  }
}

function propertyNamed(obj: Node, name: string): Node | undefined {
  if (obj.type !== 'ObjectExpression') return undefined;
  for (const p of obj.properties) {
    if (p.type !== 'ObjectProperty' || p.computed) continue;
    const key = p.key.type === 'Identifier' ? p.key.name : p.key.type === 'StringLiteral' ? p.key.value : undefined;
    if (key === name) return p.value as Node;
  }
  return undefined;
}

interface TableCounts {
  valid: number;
  invalid: number;
  evasion: number;
}

/**
 * Counts the cases of the `testCapability(id, { valid: [...], invalid: [...] })` call in a test file,
 * read from its syntax: the tables must be array literals (no spreads, no generated cases), so what
 * is counted is what is written. An evasion case is an invalid case with a non-empty `evasion` label.
 */
function countTable(file: string, id: string): TableCounts {
  const program = parseTs(readFileSync(file, 'utf8'), file);
  const calls: Node[] = [];
  for (const { node } of nodes(program)) {
    if (node.type !== 'CallExpression' || node.callee.type !== 'Identifier' || node.callee.name !== 'testCapability') continue;
    const first = node.arguments[0];
    if (first?.type === 'StringLiteral' && first.value === id) calls.push(node);
  }
  if (calls.length !== 1) throw new Error(`${file}: expected one testCapability('${id}', …) call, found ${calls.length}`);
  const table = (calls[0] as Node & { arguments: Node[] }).arguments[1];
  const list = (name: string): Node[] => {
    const value = table && propertyNamed(table, name);
    if (value?.type !== 'ArrayExpression') throw new Error(`${file}: "${name}" must be an array literal`);
    return value.elements.map((e) => {
      if (!e || e.type === 'SpreadElement') throw new Error(`${file}: "${name}" must list its cases literally`);
      return e;
    });
  };
  const invalid = list('invalid');
  const evasion = invalid.filter((c) => {
    const label = propertyNamed(c, 'evasion');
    return label?.type === 'StringLiteral' && label.value.trim() !== '';
  }).length;
  return { valid: list('valid').length, invalid: invalid.length, evasion };
}

/** Runs a catalog example: package.json text for manifest-only capabilities, CommonJS source otherwise. */
function capabilitiesReported(id: string, example: string): { capabilities: string[]; errors: string[] } {
  const cap = catalog.find((c) => c.id === id)!;
  if (isManifestOnly(cap)) {
    const result = analyzeManifest([{ path: 'package.json', data: Buffer.from(example) }]);
    return { capabilities: result.findings.map((f) => f.capability), errors: result.anomalies.map((a) => a.message) };
  }
  const result = analyzeSource(example, 'example.cjs');
  return { capabilities: result.findings.map((f) => f.capability), errors: result.errors.map((e) => e.message) };
}

describe('catalog', () => {
  const files = readdirSync(CAPABILITIES).filter((f) => f.endsWith('.ts') && !NOT_CAPABILITIES.has(f)).sort();

  it('registers every capability file in capabilities/index.ts', async () => {
    const unregistered: string[] = [];
    for (const file of files) {
      const mod = (await import(pathToFileURL(join(CAPABILITIES, file)).href)) as { default?: unknown };
      if (!catalog.includes(mod.default as never)) unregistered.push(file);
    }
    expect(unregistered).toEqual([]);
    expect(catalog.length).toBe(files.length);
  });

  it('has unique kebab-case ids, each in the file of that name', () => {
    const ids = catalog.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => !KEBAB.test(id))).toEqual([]);
    expect(ids.map((id) => `${id}.ts`).sort()).toEqual(files);
  });

  for (const cap of catalog) {
    describe(cap.id, () => {
      it('is documented: title, description, docs, examples', () => {
        for (const field of [cap.title, cap.description, cap.docs, cap.examples.flags, cap.examples.ok]) {
          expect(typeof field === 'string' && field.trim().length > 0).toBe(true);
        }
      });

      it('has a test table with ≥ 5 valid, ≥ 5 invalid and ≥ 1 evasion case', () => {
        const file = join(TESTS, `${cap.id}.test.ts`);
        expect(existsSync(file), `${file} is missing`).toBe(true);
        const counts = countTable(file, cap.id);
        expect(counts.valid).toBeGreaterThanOrEqual(5);
        expect(counts.invalid).toBeGreaterThanOrEqual(5);
        expect(counts.evasion).toBeGreaterThanOrEqual(1);
      });

      it('reports its examples.flags', () => {
        const run = capabilitiesReported(cap.id, cap.examples.flags);
        expect(run.errors).toEqual([]);
        expect(run.capabilities).toContain(cap.id);
      });

      it('does not report its examples.ok', () => {
        const run = capabilitiesReported(cap.id, cap.examples.ok);
        expect(run.errors).toEqual([]);
        expect(run.capabilities).not.toContain(cap.id);
      });
    });
  }
});

/** Every module name, global path and path root the catalog and the runtime model define. */
function runtimeNames(): Set<string> {
  const names = new Set<string>([runtime.builtinPrefix, runtime.constructorOfConstructor, ...runtime.globalObjects]);
  const addPath = (path: string): void => {
    names.add(path);
    names.add(path.split('.')[0]!);
  };
  const addModule = (name: string): void => {
    names.add(name);
    names.add(`${runtime.builtinPrefix}${name}`);
  };
  for (const cap of catalog) {
    for (const m of cap.modules ?? []) addModule(m.name);
    for (const c of cap.calls ?? []) if (c.module) addModule(c.module);
    for (const b of cap.bindings ?? []) names.add(b.name);
    for (const g of cap.globals ?? []) addPath(g.path);
    for (const c of cap.calls ?? []) addPath(c.callee);
  }
  for (const b of runtime.inertBindings) names.add(b);
  for (const p of [...runtime.requirePaths, ...runtime.bindingLoaders, ...runtime.symbolFactories, ...runtime.symbols]) addPath(p);
  for (const v of runtime.valueArguments) if (!v.method) addPath(v.callee);
  for (const d of runtime.decoders) addPath(d.path);
  for (const r of runtime.reflection) addPath(r.path);
  for (const r of runtime.resolvers) addPath(r);
  for (const b of runtime.builtins) addPath(b.path);
  for (const d of runtime.moduleDirectories) addPath(d);
  for (const f of [...runtime.fileRunners, ...runtime.pathJoiners]) addModule(f.module);
  for (const f of runtime.requireFactories) {
    addModule(f.module);
    names.add(`${f.module}.${f.member}`);
  }
  return names;
}

/**
 * Literals in the engine that coincide with a runtime name but do not name it. Each entry must still
 * be needed (a stale entry fails the test), so the list cannot quietly grow a loophole.
 */
const COINCIDENCES: readonly { file: string; literal: string; why: string }[] = [
  { file: 'parse.ts', literal: 'module', why: "Babel's sourceType option, not the CommonJS module object" },
  { file: 'lexical.ts', literal: 'require', why: 'an UnresolvedKind of the catalog schema (define.ts), not the require global' },
  { file: 'match.ts', literal: 'require', why: 'an UnresolvedKind of the catalog schema (define.ts), not the require global' },
  { file: 'module-facts.ts', literal: 'require', why: 'an UnresolvedKind of the catalog schema (define.ts), not the require global' },
  { file: 'module-graph.ts', literal: 'module', why: 'the package.json "module" entry field, not the CommonJS module object' },
  { file: 'evaluate.ts', literal: 'glob', why: "the engine's tag for a global-rooted Value (scope.ts), not the glob binding" },
  { file: 'match.ts', literal: 'glob', why: "the engine's tag for a global-rooted Value (scope.ts), not the glob binding" },
  { file: 'scope.ts', literal: 'glob', why: "the engine's tag for a global-rooted Value, not the glob binding" },
  { file: 'module-facts.ts', literal: 'glob', why: "the engine's tag for a global-rooted Value (scope.ts), not the glob binding" },
  { file: 'obfuscation.ts', literal: 'glob', why: "the engine's tag for a global-rooted Value (scope.ts), not the glob binding" },
  { file: 'tamper.ts', literal: 'glob', why: "the engine's tag for a global-rooted Value (scope.ts), not the glob binding" },
  { file: 'intake.ts', literal: 'buffer', why: "the intake's mode for a file held whole, not the buffer binding" },
  { file: 'partial-eval.ts', literal: 'glob', why: "the engine's tag for a global-rooted Value (scope.ts), not the glob binding" },
  { file: 'local-calls.ts', literal: 'glob', why: "the engine's tag for a global-rooted Value (scope.ts), not the glob binding" },
  { file: 'reflect.ts', literal: 'glob', why: "the engine's tag for a global-rooted Value (scope.ts), not the glob binding" },
  { file: 'tamper.ts', literal: 'undefined', why: 'a result of typeof, not the undefined global' },
  { file: 'js-values.ts', literal: 'undefined', why: 'a result of typeof, not the undefined global' },
  { file: 'js-interpreter.ts', literal: 'undefined', why: 'a result of typeof, not the undefined global' },
  { file: 'js-operators.ts', literal: 'undefined', why: 'String(undefined), not the undefined global' },
];

/** The texts of a file's string literals, template texts and regular expressions, by line. */
function engineLiterals(file: string): { text: string; line: number; regex: boolean }[] {
  const program = parseTs(readFileSync(file, 'utf8'), file);
  const out: { text: string; line: number; regex: boolean }[] = [];
  for (const { node, parent, key } of nodes(program)) {
    // The engine's own imports (`node:module`, `@babel/types`) are dependencies, not analysed names.
    if (key === 'source' && parent && /Import|Export/.test(parent.type)) continue;
    const line = node.loc?.start.line ?? 0;
    if (node.type === 'StringLiteral') out.push({ text: node.value, line, regex: false });
    else if (node.type === 'TemplateElement') out.push({ text: node.value.cooked ?? node.value.raw, line, regex: true });
    else if (node.type === 'RegExpLiteral') out.push({ text: node.pattern, line, regex: true });
  }
  return out;
}

/** True when `name` occurs in a pattern as a whole word, once escapes like `\b` and `\s` are blanked. */
function namesInPattern(pattern: string, name: string): boolean {
  const plain = pattern.replace(/\\[a-zA-Z]/g, ' ').replace(/\\(.)/g, '$1');
  let at = plain.indexOf(name);
  while (at !== -1) {
    const before = plain[at - 1] ?? ' ';
    const after = plain[at + name.length] ?? ' ';
    if (!/[\w$]/.test(before) && !/[\w$]/.test(after)) return true;
    at = plain.indexOf(name, at + 1);
  }
  return false;
}

describe('engine', () => {
  it('names no module or global: src/analyze reads them from the catalog and the runtime model', () => {
    const names = runtimeNames();
    const files = readdirSync(ENGINE).filter((f) => f.endsWith('.ts')).sort();
    expect(files.length).toBeGreaterThan(0);
    const hits: string[] = [];
    const usedCoincidences = new Set<string>();
    for (const file of files) {
      for (const lit of engineLiterals(join(ENGINE, file))) {
        for (const name of names) {
          const named = lit.regex ? lit.text === name || namesInPattern(lit.text, name) : lit.text === name;
          if (!named) continue;
          const coincidence = COINCIDENCES.find((c) => c.file === file && c.literal === name && lit.text === name);
          if (coincidence) usedCoincidences.add(`${file}:${name}`);
          else hits.push(`${file}:${lit.line} names ${JSON.stringify(name)} in ${JSON.stringify(lit.text)}`);
        }
      }
    }
    expect(hits).toEqual([]);
    expect(COINCIDENCES.map((c) => `${c.file}:${c.literal}`).filter((c) => !usedCoincidences.has(c))).toEqual([]);
  });
});
