/**
 * V8 as the arbiter of files Babel cannot parse. A package ships `.js` files that are not JavaScript
 * (vitepress's `<%= … %>` templates, node-domexception's broken `.history/` backups); Node could not
 * run them either, so they are data and must not make the package `partial`. Real code we fail to
 * read must: the gate fails closed on it. V8 only compiles here: nothing is evaluated, no module is
 * linked, no package code runs.
 */
import vm from 'node:vm';
import type { FileAnalysis } from './file.js';
import type { NodeSourceKind } from './source.js';

/** What V8 says about a file Babel could not parse. */
export type CompileVerdict =
  /** V8 compiled it in a way Node loads it: Node could run it, so it stays unread code. */
  | { kind: 'runs'; as: NodeSourceKind }
  /** V8 rejected it every way Node could load it: Node could not run it. */
  | { kind: 'not-code'; reasons: string[] }
  /** No decision (no ES module compiler, the check timed out or crashed): treated as code. */
  | { kind: 'undecided'; why: string };

const KIND_LABEL: Record<NodeSourceKind, string> = { commonjs: 'CommonJS', esm: 'ES module' };

/**
 * Compiles `text` the ways Node could load it, without running anything: a CommonJS body as a function
 * (what Node's loader compiles; top-level `return` is legal there), an ES module as a
 * `vm.SourceTextModule` that is never linked nor evaluated (it exists only in a thread started with
 * `--experimental-vm-modules`; without it a module verdict is undecided).
 */
export function compileAsNode(text: string, kinds: readonly NodeSourceKind[]): CompileVerdict {
  const reasons: string[] = [];
  for (const kind of kinds) {
    try {
      if (kind === 'commonjs') vm.compileFunction(text);
      // Absent unless the thread was started with --experimental-vm-modules.
      else if (typeof vm.SourceTextModule === 'function') new vm.SourceTextModule(text);
      else return { kind: 'undecided', why: 'no ES module compiler in this thread' };
      return { kind: 'runs', as: kind };
    } catch (err) {
      // Only a syntax error is V8's "no"; anything else (stack, memory) decides nothing.
      if (!(err instanceof Error) || err.name !== 'SyntaxError') return { kind: 'undecided', why: err instanceof Error ? err.message : String(err) };
      reasons.push(`${KIND_LABEL[kind]}: ${err.message}`);
    }
  }
  return reasons.length > 0 ? { kind: 'not-code', reasons } : { kind: 'undecided', why: 'not a file Node loads as JavaScript' };
}

/** True when a file result is a Babel parse failure that V8 should judge. */
export function needsVerdict(result: FileAnalysis): boolean {
  return result.errors.length > 0 && result.errors.every((e) => e.reason === 'parse-error');
}

/**
 * Applies V8's verdict to a file result. Not code: the parse error becomes a `not-code` anomaly (the
 * lexical findings stay) and the file no longer makes its package partial. Code, or undecided: the
 * error stays, saying what V8 found.
 */
export function applyVerdict(result: FileAnalysis, file: string, verdict: CompileVerdict): FileAnalysis {
  const babel = result.errors.map((e) => e.message.replace(/^.*?: syntax error: /, '').replace(/; lexical scan only$/, '')).join('; ');
  if (verdict.kind === 'not-code') {
    return {
      ...result,
      errors: [],
      anomalies: [
        ...result.anomalies,
        { file, kind: 'not-code', message: `${file}: not JavaScript that Node could run (Babel: ${babel}; V8 ${verdict.reasons.join('; V8 ')}); treated as data, lexical scan only` },
      ],
    };
  }
  const note = verdict.kind === 'runs' ? `V8 compiles it as ${KIND_LABEL[verdict.as]}: Node could run it` : `V8 could not decide: ${verdict.why}`;
  return {
    ...result,
    errors: result.errors.map((e) => ({ ...e, message: e.message.replace(/; lexical scan only$/, `; ${note}; lexical scan only`) })),
  };
}
