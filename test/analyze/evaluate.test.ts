import { describe, expect, it } from 'vitest';
import { analyzeSource } from '../../src/analyze/file.js';

describe('evaluation of long call chains', () => {
  it('a 3,000-link method chain is evaluated once per call (regenerate-unicode-properties never finished before)', () => {
    const chain = ".addRange(0x41, 0x5A)".repeat(3000);
    const src = `const set = require('regenerate')();\nset${chain};\nrequire('child_process').execSync(set.toString());\n`;
    const r = analyzeSource(src, 'chain.js');
    expect(r.errors).toEqual([]);
    expect(r.findings.map((f) => `${f.capability}:${f.api}:${f.line}`).sort()).toEqual(['shell:child_process.execSync:3', 'shell:child_process:3']);
    expect(r.imports).toEqual(['regenerate']);
  });
});

describe('evaluation through self-referential object literals', () => {
  it.each([
    ['an object whose property reads itself', "var o = { a: o.a };\nrequire(o.a);\nrequire('child_process').exec(o.a.b);\n"],
    ['two objects that read each other', "var a = { x: b.y }, b = { y: a.x };\nrequire(a.x);\nrequire('child_process').exec(b.y);\n"],
    ['a cycle through a computed member', "var k = 'p', o = { p: o[k] };\nrequire(o[k]);\nrequire('child_process').exec(o.p);\n"],
  ])('%s: fully analysed (it overflowed the stack: ajv.min.js), the unresolvable require reported as such', (_name, src) => {
    const r = analyzeSource(src, 'cycle.js');
    expect(r.errors).toEqual([]);
    const found = r.findings.map((f) => `${f.capability}:${f.api}:${f.line}`);
    expect(found).toContain('dynamic-require:require(…):2');
    expect(found).toContain('shell:child_process.exec:3');
  });
});

describe('evaluation of `a && b`', () => {
  it('is the right operand (a falsy left operand names nothing): a guarded require is the module', () => {
    const r = analyzeSource("const cp = process.env.SHELL && require('child_process');\ncp.exec(cmd);\n", 'guard.js');
    expect(r.findings.map((f) => `${f.capability}:${f.api}:${f.line}`).sort()).toEqual([
      'env:process.env.SHELL:1',
      'shell:child_process.exec:2',
      'shell:child_process:1',
    ]);
  });

  it('falls back to the left operand when the right one is unknown', () => {
    const r = analyzeSource('const f = globalThis.fetch && makeClient();\nf(url);\n', 'fallback.js');
    expect(r.findings.map((f) => `${f.capability}:${f.api}:${f.line}`).sort()).toEqual(['network:fetch:1', 'network:fetch:2']);
  });
});
