/**
 * Module facts survive the file-level cache: a second version whose code files are all reused from the
 * cache (nothing parsed) still gets every `runs` right, including call-time findings and edges.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AnalysisPool } from '../../src/analyze/pool.js';
import { scanPackage } from '../../src/commands/scan.js';
import type { ScanReport } from '../../src/contract/index.js';
import { resolveLimits } from '../../src/limits.js';
import { makePackageTarball } from '../helpers/make-tarball.js';
import { makeTmpEnv, type TmpEnv } from '../helpers/tmp-env.js';

let tmp: TmpEnv;
let pool: AnalysisPool;

beforeAll(() => {
  tmp = makeTmpEnv();
  pool = new AnalysisPool(resolveLimits(), 1);
});

afterAll(async () => {
  await pool.close();
  tmp.cleanup();
});

const CODE = {
  'index.js': "process.env.A;\nmodule.exports = function () {\n  require('fs').readFileSync('x');\n  return require('./lazy');\n};\n",
  'lazy.js': 'module.exports = process.env.L;\n',
  'test/t.js': "require('child_process').exec('x');\n",
};

function runsOf(report: ScanReport): Record<string, string> {
  return Object.fromEntries(report.findings.map((f) => [`${f.file} ${f.api}`, f.runs ?? 'missing']));
}

it('a version whose code comes entirely from the file cache gets the same runs as a fresh parse', async () => {
  const cacheDir = join(tmp.root, 'cache');
  const v1 = join(tmp.project, 'v1.tgz');
  const v2 = join(tmp.project, 'v2.tgz');
  writeFileSync(v1, makePackageTarball({ 'package.json': JSON.stringify({ name: 'p', version: '1.0.0', main: 'index.js' }), ...CODE }));
  writeFileSync(v2, makePackageTarball({ 'package.json': JSON.stringify({ name: 'p', version: '2.0.0', main: 'index.js', scripts: { postinstall: 'node lazy.js' } }), ...CODE }));
  const first = await scanPackage(v1, { pool, cacheDir, env: tmp.env, cwd: tmp.project });
  expect(first.stats.parsedFiles).toBe(3);
  expect(runsOf(first)).toEqual({
    'index.js process.env.A': 'import',
    'index.js fs': 'call',
    'index.js fs.readFileSync': 'call',
    'lazy.js process.env.L': 'call',
    'test/t.js child_process': 'unreached',
    'test/t.js child_process.exec': 'unreached',
  });
  const second = await scanPackage(v2, { pool, cacheDir, env: tmp.env, cwd: tmp.project });
  expect(second.stats).toMatchObject({ parsedFiles: 0, reusedFiles: 3, cached: false });
  expect(runsOf(second)).toEqual({
    'index.js process.env.A': 'import',
    'index.js fs': 'call',
    'index.js fs.readFileSync': 'call',
    'lazy.js process.env.L': 'install',
    'package.json postinstall': 'install',
    'test/t.js child_process': 'unreached',
    'test/t.js child_process.exec': 'unreached',
  });
});
