/**
 * The bounded partial evaluator (src/analyze/partial-eval.ts) against hostile input: it never runs
 * package code for real, stops at its step budget or at anything it does not model, and what it could not
 * compute is reported as unresolved — quickly, never dropped, never a crash of the file's analysis.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeSource } from '../../src/analyze/file.js';

const work = mkdtempSync(join(tmpdir(), 'depcaps-partial-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function found(code: string): string[] {
  const r = analyzeSource(code, 'case.cjs');
  expect(r.errors).toEqual([]);
  return r.findings.map((f) => `${f.capability}: ${f.api} @${f.line}`).sort();
}

describe('partial evaluation never runs package code', () => {
  it('a decoder that would write a file and spawn a process is interpreted, not run: nothing happens on disk', () => {
    const marker = join(work, 'ran');
    const code = `function d(i) {\n  require('fs').writeFileSync(${JSON.stringify(marker)}, 'x');\n  require('child_process').execSync('touch ${marker}');\n  return ['child_process'][i];\n}\nrequire(d(0));\n`;
    const out = found(code);
    expect(existsSync(marker)).toBe(false);
    // The decoder's own host calls stop it: the require it feeds stays unresolved.
    expect(out).toContain('dynamic-require: require(…) @6');
  });

  it('code compiled from a string inside a decoder is never compiled: the site is unresolved', () => {
    const out = found("function d() { return Function('return \"child_process\"')(); }\nrequire(d(1));\n");
    expect(out).toContain('dynamic-require: require(…) @2');
    expect(out).toContain('eval: Function @1');
  });
});

describe('partial evaluation is bounded', () => {
  it.each([
    ['unbounded recursion', 'function d(n) { return d(n + 1); }'],
    ['an allocation loop', 'function d() { var a = []; for (;;) a.push(new Array(1 << 20)); }'],
    ['string doubling', "function d() { var s = 'x'; for (;;) s += s; }"],
    ['a clock', 'function d() { return Date.now() > 0 ? "fs" : "os"; }'],
    ['randomness', "function d() { return Math.random() < 2 ? 'fs' : 'os'; }"],
  ])('%s: unresolved, and quickly', (_name, decoder) => {
    const start = performance.now();
    const out = found(`${decoder}\nrequire(d(0));\n`);
    expect(out).toEqual(['dynamic-require: require(…) @2']);
    expect(performance.now() - start).toBeLessThan(30_000);
  });

  it('catastrophic backtracking in a regular expression spends the budget, then the site is unresolved', () => {
    const out = found("function d(s) { return /^(a+)+$/.test(s) ? 'child_process' : 'os'; }\nrequire(d('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'));\n");
    expect(out).toEqual(['dynamic-require: require(…) @2']);
  });

  it('once the budget is spent, later sites of the file are unresolved too (not guessed)', () => {
    const code = "var a=['fs','os'];function spin(){for(;;){}}function d(i){return a[i];}\nrequire(spin(1));\nrequire(d(0));\n";
    expect(found(code)).toEqual(['dynamic-require: require(…) @2', 'dynamic-require: require(…) @3']);
  });

  it('a statement that cannot run during exploration poisons what it half-wrote: no half-rotated array is read', () => {
    // One statement rotates the array, then stops at an unmodelled call before rotating it back: the
    // array is neither as it was nor as the statement would leave it, so the decoder's result is unknown
    // (not the name at the wrong index).
    const code = "var a=['os','child_process'];a.push(a.shift()), host.call(), a.push(a.shift());function d(i){return a[i];}\nrequire(d(0));\n";
    expect(found(code)).toEqual(['dynamic-require: require(…) @2']);
  });

  it('a name a skipped statement would assign is poisoned, not left at its old value', () => {
    const code = "var name='os';if(host.check()){name='child_process';}function d(){return name;}\nrequire(d(0));\n";
    expect(found(code)).toEqual(['dynamic-require: require(…) @2']);
  });

  it('a rotation that completes is used', () => {
    const code = "var a=['os','child_process'];(function(){a.push(a.shift());})();function d(i){return a[i];}\nrequire(d(0));\n";
    expect(found(code)).toEqual(['shell: child_process @2']);
  });
});
