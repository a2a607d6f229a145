import type { Node } from '@babel/types';
import type { ObfuscationSignal, ObfuscationThreshold } from '../../capabilities/define.js';
import type { Confidence } from '../contract/index.js';
import type { CatalogIndex } from './catalog-index.js';
import type { Evaluator } from './evaluate.js';
import { LineIndex } from './excerpt.js';
import type { FindingCollector } from './match.js';
import type { Scope } from './scope.js';
import { SITE_CALL, type WalkResult } from './walk.js';

type AnyNode = Node & Record<string, unknown>;

/** One signal measured on a file: its measure, its share where it has one, and where it first showed. */
export interface ObfuscationMeasure {
  signal: ObfuscationSignal;
  value: number;
  share?: number;
  /** Offset of the first place it showed; -1 when it never did. */
  offset: number;
}

/** Identifiers named the way javascript-obfuscator (and its forks) name them by default: `_0x3f2a1c`. */
const HEX_NAME = /(?<![\w$])_0x[0-9a-fA-F]{3,}(?![\w$])/g;
/** Distinct hex names counted at most: enough to pass any threshold, bounded memory on a hostile file. */
const MAX_HEX_NAMES = 10_000;
/** `\xNN` and `\uNNNN` escapes. */
const ESCAPE = /\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4}))/g;
/**
 * The dispatch loop of a flattened control flow: `switch (order[i++]) { case '0': …` over the numbered
 * pieces of a function (the order itself, `'3|0|4|1|2'`, is often hidden in the string array).
 */
const DISPATCH = /\bswitch\s*\(\s*[\w$]+\s*\[\s*[\w$]+\s*\+\+\s*\]\s*\)\s*\{\s*case\s*(['"])\d+\1\s*:/g;
/** A literal coerced to a string and indexed: `(![]+[])[+[]]`, `({}+"")[5]`, `(!""+"")[$]` (JSFuck, jjencode). */
const COERCION = /\(\s*(?:!{1,2}\s*(?:\[\s*\]|""|'')|\[\s*\]|\{\s*\})\s*\+\s*(?:\[\s*\]|""|''|\{\s*\})\s*\)\s*\[/g;
/** Longest arguments list of a string-array decoder call (javascript-obfuscator's wrappers take five). */
const MAX_DECODER_ARGS = 6;

/**
 * Runs of JSFuck characters (`[]()!+`) and whitespace at least 64 long: shorter runs are ordinary code.
 * (Written without a repeated group: `(?:[…]\s*){64,}` backtracks at every bracket of a large file.)
 */
const JSFUCK_RUN = /[[\]()!+][[\]()!+\s]{63,}/g;

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function isAlnum(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

/**
 * Longest run of JSFuck characters (whitespace inside a run not counted), and where it starts; 0 below
 * 64. A run counts only when it mixes all six characters with brackets making a fifth of it, as JSFuck
 * does throughout: deeply nested parentheses (`((((…))))`) are not JSFuck.
 */
function longestJsfuckRun(source: string): ObfuscationMeasure {
  let value = 0;
  let offset = -1;
  JSFUCK_RUN.lastIndex = 0;
  for (let m = JSFUCK_RUN.exec(source); m !== null; m = JSFUCK_RUN.exec(source)) {
    const run = m[0];
    let n = 0;
    let brackets = 0;
    const kinds = new Set<number>();
    for (let i = 0; i < run.length; i++) {
      const c = run.charCodeAt(i);
      if (isSpace(c)) continue;
      n++;
      kinds.add(c);
      if (c === 0x5b || c === 0x5d) brackets++;
    }
    if (kinds.size === 6 && brackets * 5 >= n && n > value) {
      value = n;
      offset = m.index;
    }
  }
  return { signal: 'jsfuck', value, offset };
}

function hexIdentifiers(source: string): ObfuscationMeasure {
  const names = new Set<string>();
  let offset = -1;
  if (!source.includes('_0x')) return { signal: 'hex-identifiers', value: 0, offset };
  HEX_NAME.lastIndex = 0;
  for (let m = HEX_NAME.exec(source); m !== null && names.size < MAX_HEX_NAMES; m = HEX_NAME.exec(source)) {
    if (offset === -1) offset = m.index;
    names.add(m[0]);
  }
  return { signal: 'hex-identifiers', value: names.size, offset };
}

/** Escapes of letters and digits, which never need one: their count and their share of all escapes. */
function escapedStrings(source: string): ObfuscationMeasure {
  let total = 0;
  let alnum = 0;
  let offset = -1;
  if (!source.includes('\\x') && !source.includes('\\u')) return { signal: 'escaped-strings', value: 0, share: 0, offset };
  ESCAPE.lastIndex = 0;
  for (let m = ESCAPE.exec(source); m !== null; m = ESCAPE.exec(source)) {
    total++;
    if (isAlnum(parseInt(m[1] ?? m[2]!, 16))) {
      if (offset === -1) offset = m.index;
      alnum++;
    }
  }
  return { signal: 'escaped-strings', value: alnum, share: total === 0 ? 0 : alnum / total, offset };
}

function dispatchers(source: string): ObfuscationMeasure {
  let count = 0;
  let offset = -1;
  if (!source.includes('switch')) return { signal: 'control-flow-flattening', value: 0, offset };
  DISPATCH.lastIndex = 0;
  for (let m = DISPATCH.exec(source); m !== null; m = DISPATCH.exec(source)) {
    if (offset === -1) offset = m.index;
    count++;
  }
  return { signal: 'control-flow-flattening', value: count, offset };
}

function coercions(source: string): ObfuscationMeasure {
  let count = 0;
  let offset = -1;
  COERCION.lastIndex = 0;
  for (let m = COERCION.exec(source); m !== null; m = COERCION.exec(source)) {
    if (offset === -1) offset = m.index;
    count++;
  }
  return { signal: 'coercion-strings', value: count, offset };
}

/** A number or string literal, as a decoder call's arguments are written (`0x1a2`, `-0x11d`, `'8dJK'`). */
function literalKind(node: Node): 'num' | 'str' | null {
  if (node.type === 'NumericLiteral') return 'num';
  if (node.type === 'StringLiteral') return 'str';
  if (node.type === 'UnaryExpression' && node.operator === '-' && node.argument.type === 'NumericLiteral') return 'num';
  return null;
}

/** Index of the first non-whitespace character from `from` (backwards or forwards); -1 past either end. */
function skipSpace(source: string, from: number, step: 1 | -1): number {
  for (let i = from; i >= 0 && i < source.length; i += step) if (!isSpace(source.charCodeAt(i))) return i;
  return -1;
}

/** Words after which `[` opens an array literal, not a computed member: `return [f(2)]`. */
const KEYWORDS_BEFORE_ARRAY = new Set(['return', 'typeof', 'in', 'of', 'case', 'void', 'delete', 'throw', 'yield', 'await', 'else', 'do', 'new', 'instanceof']);

/** True when the `[` at `open` indexes the expression before it (`obj[…]`, `f()[…]`) rather than opening an array literal. */
function indexesExpression(source: string, open: number): boolean {
  const end = skipSpace(source, open - 1, -1);
  if (end < 0) return false;
  const c = source.charCodeAt(end);
  if (c === 0x29 || c === 0x5d) return true; // `)` `]`
  if (!(isAlnum(c) || c === 0x5f || c === 0x24)) return false;
  let start = end;
  while (start > 0) {
    const p = source.charCodeAt(start - 1);
    if (!(isAlnum(p) || p === 0x5f || p === 0x24)) break;
    start--;
  }
  return !KEYWORDS_BEFORE_ARRAY.has(source.slice(start, end + 1));
}

/**
 * String-array lookups: a call of a plain function with only number and string literals (at least one
 * number) used as a computed key, `obj[_0x4f2a(0x1e8)]`. Obfuscators move every property name into a
 * string array and read it back this way; a minifier keeps `obj.name`.
 */
function stringArrayLookups(source: string, node: Node): boolean {
  if (node.type !== 'CallExpression' || node.callee.type !== 'Identifier') return false;
  const args = node.arguments;
  if (args.length === 0 || args.length > MAX_DECODER_ARGS) return false;
  let numbers = 0;
  for (const a of args) {
    const kind = literalKind(a as Node);
    if (kind === null) return false;
    if (kind === 'num') numbers++;
  }
  if (numbers === 0) return false;
  const open = skipSpace(source, (node.start ?? 0) - 1, -1);
  const close = skipSpace(source, node.end ?? source.length, 1);
  return open > 0 && source[open] === '[' && source[close] === ']' && indexesExpression(source, open);
}

/**
 * Measures the signals that need the AST, from the walk's call sites: string-array lookups, and code
 * strings computed right where they are run (`eval(function (p,a,c,k,e,d) {…}(…))`,
 * `eval(Function('…')(…))`, `new Function(atob('…'))`).
 */
function callSignals(source: string, walk: WalkResult, evaluator: Evaluator, index: CatalogIndex): ObfuscationMeasure[] {
  const lookups: ObfuscationMeasure = { signal: 'string-array', value: 0, offset: -1 };
  const packers: ObfuscationMeasure = { signal: 'eval-packer', value: 0, offset: -1 };
  const { siteNodes, siteScopes, siteKinds } = walk;
  for (let i = 0; i < siteNodes.length; i++) {
    if (siteKinds[i] !== SITE_CALL) continue;
    const node = siteNodes[i]!;
    if (stringArrayLookups(source, node)) {
      if (lookups.offset === -1) lookups.offset = node.start ?? -1;
      lookups.value++;
      continue;
    }
    if (isPackedRun(node, siteScopes[i]!, evaluator, index)) {
      if (packers.offset === -1) packers.offset = node.start ?? -1;
      packers.value++;
    }
  }
  return [lookups, packers];
}

const runnerNames = new WeakMap<CatalogIndex, ReadonlySet<string>>();

/** Last segments of the catalog's call-only globals (`eval`, `Function`): a cheap filter before evaluating a callee. */
function codeRunnerNames(index: CatalogIndex): ReadonlySet<string> {
  let names = runnerNames.get(index);
  if (names === undefined) {
    const set = new Set<string>();
    for (const [path, entries] of index.globals) if (entries.some((e) => e.when === 'call')) set.add(path.slice(path.lastIndexOf('.') + 1));
    runnerNames.set(index, (names = set));
  }
  return names;
}

/**
 * The callee could be a code-running global: named like one (`eval`, `window.eval`, `(0, eval)`) or
 * reached by a computed key. A renamed alias (`const e = eval; e(…)`) is left to the eval capability,
 * which reports it anyway: looking every callee up would cost more than the signal is worth.
 */
function mayRunCode(callee: AnyNode, index: CatalogIndex): boolean {
  if (callee.type === 'Identifier') return codeRunnerNames(index).has(callee.name as string);
  if (callee.type === 'MemberExpression' || callee.type === 'OptionalMemberExpression') {
    const p = callee.property as Node;
    return callee.computed === true || (p.type === 'Identifier' && codeRunnerNames(index).has(p.name));
  }
  return callee.type === 'SequenceExpression';
}

/** A call of a code-running global (`eval`, `Function`: the catalog's call-only globals) on a computed code string. */
function isPackedRun(node: Node, scope: Scope, evaluator: Evaluator, index: CatalogIndex): boolean {
  if (node.type !== 'CallExpression' && node.type !== 'NewExpression') return false;
  const code = node.arguments[node.arguments.length - 1];
  if (code === undefined || (code.type !== 'CallExpression' && code.type !== 'NewExpression')) return false;
  if (!mayRunCode(node.callee as AnyNode, index)) return false;
  if (!isCodeRunner(evaluator.evaluate(node.callee as Node, scope), index)) return false;
  return producesCode(code, scope, evaluator, index);
}

function isCodeRunner(fn: ReturnType<Evaluator['evaluate']>, index: CatalogIndex): boolean {
  if (fn.k !== 'glob' || fn.path.length === 0) return false;
  return index.globals.get(fn.path.join('.'))?.some((e) => e.when === 'call') ?? false;
}

/**
 * The call computes code: an inline function called on the spot (the p,a,c,k,e,d packer), a function
 * built by a code-running global and called (`Function('…')(…)`), or a catalog decoder (`atob(…)`,
 * `Buffer.from(…).toString()`).
 */
function producesCode(call: Node & { type: 'CallExpression' | 'NewExpression' }, scope: Scope, evaluator: Evaluator, index: CatalogIndex): boolean {
  const callee = call.callee as AnyNode;
  if (callee.type === 'FunctionExpression' || callee.type === 'ArrowFunctionExpression') return true;
  if (callee.type === 'CallExpression' || callee.type === 'NewExpression') {
    return isCodeRunner(evaluator.evaluate(callee.callee as Node, scope), index);
  }
  if (callee.type === 'MemberExpression' && (callee.object as Node).type === 'CallExpression') {
    // `Buffer.from(payload, 'base64').toString()`
    const inner = callee.object as Node & { callee: Node };
    const decoder = evaluator.evaluate(inner.callee, scope);
    return decoder.k === 'glob' && index.decoders.has(decoder.path.join('.'));
  }
  const fn = evaluator.evaluate(callee as Node, scope);
  return fn.k === 'glob' && index.decoders.has(fn.path.join('.'));
}

/** The signals read from the text alone (no AST): what a file that does not parse still gets. */
function lexicalSignals(source: string): ObfuscationMeasure[] {
  return [hexIdentifiers(source), dispatchers(source), escapedStrings(source), longestJsfuckRun(source), coercions(source)];
}

/**
 * Measures every obfuscation signal of a file (no thresholds applied): what the report and the benchmark
 * explain. Without a walk (the file did not parse), only the signals read from the text.
 */
export function measureObfuscation(source: string, walk: WalkResult | null, evaluator: Evaluator | null, index: CatalogIndex): ObfuscationMeasure[] {
  const lexical = lexicalSignals(source);
  return walk && evaluator ? [...lexical, ...callSignals(source, walk, evaluator, index)] : lexical;
}

/** True when a measure reaches its threshold. */
export function fires(measure: ObfuscationMeasure, threshold: ObfuscationThreshold | undefined): boolean {
  if (threshold === undefined || measure.offset < 0 || measure.value < threshold.min) return false;
  return threshold.share === undefined || (measure.share ?? 0) >= threshold.share;
}

/** Signals whose measure can be reached, rarely, by code that hides nothing: reported with medium confidence. */
const SOFT_SIGNALS: ReadonlySet<ObfuscationSignal> = new Set(['escaped-strings', 'coercion-strings']);

/**
 * Reports each obfuscation signal that fires in the file, once, where it first showed, under the catalog
 * capability that defines its threshold; `walk` is null for a file that did not parse (text signals only). Minified and bundled code reaches none of them (see the
 * thresholds' rationale in capabilities/obfuscated.ts).
 */
export function findObfuscation(source: string, walk: WalkResult | null, evaluator: Evaluator | null, index: CatalogIndex, out: FindingCollector): void {
  const caps = index.capabilities.filter((c) => c.obfuscation !== undefined);
  if (caps.length === 0) return;
  let lines: LineIndex | undefined;
  for (const m of measureObfuscation(source, walk, evaluator, index)) {
    for (const cap of caps) {
      if (!fires(m, cap.obfuscation!.signals[m.signal])) continue;
      const { line, column } = (lines ??= new LineIndex(source)).position(m.offset);
      const confidence: Confidence = SOFT_SIGNALS.has(m.signal) ? 'medium' : 'high';
      out.addAt(cap.id, m.signal, line, column, m.offset, confidence);
    }
  }
}
