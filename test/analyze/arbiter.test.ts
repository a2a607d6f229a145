/**
 * V8 as the arbiter of files Babel cannot parse (issue 10, item 5): a file Node could not run either is
 * data (a `not-code` anomaly, lexical findings kept, the package not partial); a file Node could run
 * stays a parse error (the gate fails closed); what V8 cannot decide stays a parse error too. The pool
 * runs the check in its own thread, against the built workers in dist/ (npm test builds first).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyVerdict, compileAsNode, needsVerdict } from '../../src/analyze/arbiter.js';
import type { FileAnalysis } from '../../src/analyze/file.js';
import { AnalysisPool } from '../../src/analyze/pool.js';
import { nodeSourceKinds } from '../../src/analyze/source.js';
import { scanPackage } from '../../src/commands/scan.js';
import { resolveLimits } from '../../src/limits.js';

/** vitepress 1.6.3 ships this as template/.vitepress/config.js. */
const TEMPLATE = [
  "import { defineConfig } from 'vitepress'",
  'export default defineConfig({',
  '  title: <%= title %>,',
  "  description: <%= description %><% if (defaultTheme) { %>,",
  "  themeConfig: { nav: [{ text: 'Home', link: '/' }] }<% } %>",
  '})',
].join('\n');

/** node-domexception 1.0.0 ships a backup like this under .history/ (a `catch` without its `}`). */
const BROKEN_BACKUP = [
  "if (!globalThis.DOMException) {",
  '  try {',
  "    const { MessageChannel } = require('worker_threads')",
  "    require('child_process').exec('x')",
  '  catch (err) {',
  '    console.log(err)',
  '  }',
  '}',
].join('\n');

describe('compileAsNode', () => {
  const table: { name: string; code: string; kinds: ('commonjs' | 'esm')[]; verdict: string }[] = [
    { name: 'CommonJS with a top-level return', code: 'if (!x) return;\nmodule.exports = 1', kinds: ['commonjs', 'esm'], verdict: 'runs' },
    { name: 'a hashbang script', code: '#!/usr/bin/env node\nrequire("./cli")', kinds: ['commonjs', 'esm'], verdict: 'runs' },
    // As CommonJS only: this thread has no ES module compiler (the pool test below covers both).
    { name: 'an EJS template', code: TEMPLATE, kinds: ['commonjs'], verdict: 'not-code' },
    { name: 'a broken backup', code: BROKEN_BACKUP, kinds: ['commonjs'], verdict: 'not-code' },
    { name: 'TypeScript is not what Node compiles', code: 'let x: number = 1', kinds: ['commonjs'], verdict: 'not-code' },
  ];
  for (const c of table) {
    it(`${c.name}: ${c.verdict}`, () => {
      expect(compileAsNode(c.code, c.kinds).kind).toBe(c.verdict);
    });
  }

  it('an ES module needs a module compiler: in a thread without one, the verdict is undecided, never not-code', () => {
    // The test thread was not started with --experimental-vm-modules; only the arbiter's thread is.
    expect(compileAsNode('import x from "y";\nexport default x', ['esm'])).toMatchObject({ kind: 'undecided' });
  });

  it('names the file kinds Node loads as JavaScript; TypeScript and JSX get none', () => {
    expect(nodeSourceKinds('a/b.cjs')).toEqual(['commonjs']);
    expect(nodeSourceKinds('a/b.mjs')).toEqual(['esm']);
    expect(nodeSourceKinds('a/b.js')).toEqual(['commonjs', 'esm']);
    expect(nodeSourceKinds('bin/cli')).toEqual(['commonjs', 'esm']);
    for (const f of ['a.ts', 'a.mts', 'a.tsx', 'a.jsx']) expect(nodeSourceKinds(f)).toEqual([]);
  });
});

describe('applyVerdict', () => {
  const failed: FileAnalysis = {
    findings: [{ capability: 'shell', api: 'child_process', file: 'x.js', line: 4, column: 5, excerpt: "require('child_process')", confidence: 'low' }],
    errors: [{ file: 'x.js', reason: 'parse-error', message: 'x.js: syntax error: Unexpected token (5:2); lexical scan only' }],
    anomalies: [],
    imports: [],
  };

  it('only parse errors are judged', () => {
    expect(needsVerdict(failed)).toBe(true);
    expect(needsVerdict({ ...failed, errors: [{ file: 'x.js', reason: 'too-deep', message: 'x' }] })).toBe(false);
    expect(needsVerdict({ ...failed, errors: [] })).toBe(false);
  });

  it('not code: the error becomes a not-code anomaly, the lexical findings stay', () => {
    const r = applyVerdict(failed, 'x.js', { kind: 'not-code', reasons: ["CommonJS: Unexpected token 'catch'"] });
    expect(r.errors).toEqual([]);
    expect(r.findings).toEqual(failed.findings);
    expect(r.anomalies).toEqual([
      { file: 'x.js', kind: 'not-code', message: "x.js: not JavaScript that Node could run (Babel: Unexpected token (5:2); V8 CommonJS: Unexpected token 'catch'); treated as data, lexical scan only" },
    ]);
  });

  it('code Node could run, or no decision: the parse error stays (fail closed) and says why', () => {
    const runs = applyVerdict(failed, 'x.js', { kind: 'runs', as: 'commonjs' });
    expect(runs.errors).toEqual([{ ...failed.errors[0], message: 'x.js: syntax error: Unexpected token (5:2); V8 compiles it as CommonJS: Node could run it; lexical scan only' }]);
    expect(runs.anomalies).toEqual([]);
    const undecided = applyVerdict(failed, 'x.js', { kind: 'undecided', why: 'the V8 check timed out after 10 ms' });
    expect(undecided.errors[0]!.message).toMatch(/V8 could not decide: the V8 check timed out/);
  });
});

describe('the pool asks V8 about files Babel cannot parse', () => {
  it('templates and broken backups are data; broken TypeScript stays unread code; good files are untouched', async () => {
    const pool = new AnalysisPool(resolveLimits(), 1);
    try {
      const files = {
        'template/.vitepress/config.js': TEMPLATE,
        'template/theme.mjs': TEMPLATE,
        '.history/index_20210527213843.js': BROKEN_BACKUP,
        'src/broken.ts': 'export const x: = <%= value %>;',
        'lib/index.js': "require('net').connect(80)",
      };
      const results = await pool.analyze(Object.entries(files).map(([path, text]) => ({ path, data: Buffer.from(text) })));
      const [template, moduleTemplate, backup, ts, good] = results;
      for (const r of [template!, moduleTemplate!, backup!]) {
        expect(r.errors).toEqual([]);
        expect(r.anomalies.map((a) => a.kind)).toEqual(['not-code']);
      }
      // The ES module verdict came from the arbiter's thread: V8's module error, not "undecided".
      expect(moduleTemplate!.anomalies[0]!.message).toMatch(/V8 ES module: Unexpected token/);
      expect(backup!.findings.map((f) => `${f.capability}:${f.line}:${f.confidence}`)).toEqual(['shell:4:low']);
      expect(ts!.errors.map((e) => e.reason)).toEqual(['parse-error']);
      expect(ts!.anomalies).toEqual([]);
      expect(good!.errors).toEqual([]);
      expect(good!.anomalies).toEqual([]);
    } finally {
      await pool.close();
    }
  });

  it('a package whose only unparseable files are data is ok, with the anomaly in its report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'depcaps-arbiter-'));
    try {
      const files: Record<string, string> = {
        'package.json': JSON.stringify({ name: 'has-template', version: '1.0.0' }),
        'index.js': "module.exports = require('https').get;",
        'template/.vitepress/config.js': TEMPLATE,
      };
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      const report = await scanPackage(dir, { noCache: true });
      expect(report.status).toBe('ok');
      expect(report.errors).toEqual([]);
      expect(report.capabilities).toEqual(['network']);
      expect(report.anomalies).toEqual([expect.objectContaining({ file: 'template/.vitepress/config.js', kind: 'not-code' })]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
