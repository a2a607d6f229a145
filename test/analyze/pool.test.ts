/**
 * The worker pool's defences (RELIABILITY items 12–14, 16, 19): a hostile file can kill its worker,
 * never the scan. Runs against the built worker in dist/ (npm test builds first).
 */
import { describe, expect, it } from 'vitest';
import { AnalysisPool } from '../../src/analyze/pool.js';
import { resolveLimits } from '../../src/limits.js';

const GOOD = { path: 'good.js', data: Buffer.from("require('net').connect(80)\n") };

function summary(r: { findings: { capability: string; api: string; line: number }[]; errors: { reason?: string }[] }) {
  return { findings: r.findings.map((f) => `${f.capability}:${f.api}:${f.line}`).sort(), errors: r.errors.map((e) => e.reason) };
}

describe('AnalysisPool', () => {
  it('returns results in task order across batches and workers', async () => {
    const pool = new AnalysisPool(resolveLimits(), 2);
    try {
      const tasks = Array.from({ length: 300 }, (_, i) => ({
        path: `f${i}.js`,
        data: Buffer.from(i % 3 === 0 ? `require('fs').readFileSync('${i}')` : `module.exports = ${i};`),
      }));
      const results = await pool.analyze(tasks);
      expect(results).toHaveLength(300);
      results.forEach((r, i) => {
        expect(r.findings.every((f) => f.file === `f${i}.js`)).toBe(true);
        expect(r.findings.length).toBe(i % 3 === 0 ? 2 : 0);
      });
    } finally {
      await pool.close();
    }
  });

  it('deep nesting (10k arrays, parens, objects; 20k-term concatenation; 50k else-if) is analysed, not a crash', async () => {
    const pool = new AnalysisPool(resolveLimits(), 1);
    try {
      const shapes = [
        `x = ${'['.repeat(10_000)}${']'.repeat(10_000)};\nrequire('net')`,
        `x = ${'('.repeat(10_000)}1${')'.repeat(10_000)};\nrequire('net')`,
        `x = ${'{a:'.repeat(10_000)}1${'}'.repeat(10_000)};\nrequire('net')`,
        `x = ${Array.from({ length: 20_000 }, () => "'a'").join('+')};\nrequire('net')`,
        `${Array.from({ length: 50_000 }, (_, i) => `if (x === ${i}) {}`).join(' else ')}\nrequire('net')`,
        `x = a${'.b'.repeat(30_000)};\nrequire('net')`,
      ];
      const results = await pool.analyze([...shapes.map((code, i) => ({ path: `deep${i}.js`, data: Buffer.from(code) })), GOOD]);
      for (const r of results.slice(0, shapes.length)) expect(summary(r)).toEqual({ findings: ['network:net:2'], errors: [] });
      expect(summary(results.at(-1)!).findings).toEqual(['network:net.connect:1', 'network:net:1']);
    } finally {
      await pool.close();
    }
  });

  it("a new worker's start-up (loading the parser) does not count against the first file's budget", async () => {
    const pool = new AnalysisPool(resolveLimits({ fileTimeoutMs: 100 }), 1);
    try {
      // Cold: the worker is spawned for this batch; loading @babel/parser alone takes longer than 100 ms here.
      const [r] = await pool.analyze([GOOD]);
      expect(r!.errors).toEqual([]);
      expect(summary(r!).findings).toEqual(['network:net.connect:1', 'network:net:1']);
    } finally {
      await pool.close();
    }
  });

  it('a file that exceeds the time budget is blamed alone: error + lexical scan, the rest of its batch is analysed', async () => {
    const pool = new AnalysisPool(resolveLimits({ fileTimeoutMs: 300 }), 1);
    try {
      // Start the worker first: its start-up (loading the parser) must not count against a file's budget.
      await pool.analyze([{ path: 'warm.js', data: Buffer.from('1') }]);
      // ~4 MB of dense code takes seconds to parse: far over a 300 ms budget.
      const slow = `require('child_process');\n${'function f(a,b){return a.b(c)+d[e]}'.repeat(120_000)}`;
      const results = await pool.analyze([GOOD, { path: 'slow.js', data: Buffer.from(slow) }, { ...GOOD, path: 'after.js' }]);
      expect(summary(results[0]!).findings).toEqual(['network:net.connect:1', 'network:net:1']);
      expect(results[1]!.errors).toMatchObject([{ file: 'slow.js', reason: 'timeout' }]);
      expect(results[1]!.errors[0]!.message).toMatch(/timed out after 300 ms; lexical scan only/);
      expect(results[1]!.findings).toMatchObject([{ capability: 'shell', api: 'child_process', line: 1, confidence: 'low' }]);
      expect(summary(results[2]!).findings).toEqual(['network:net.connect:1', 'network:net:1']);
    } finally {
      await pool.close();
    }
  });

  it('a file that exhausts the worker heap is blamed alone and the pool recovers', async () => {
    const pool = new AnalysisPool(resolveLimits({ workerHeapMb: 48, workerYoungMb: 8 }), 1);
    try {
      const huge = `require('dgram');\n${'var a=[1,2,3,{b:c}];'.repeat(600_000)}`;
      const results = await pool.analyze([{ path: 'huge.js', data: Buffer.from(huge) }, GOOD]);
      expect(results[0]!.errors).toMatchObject([{ file: 'huge.js', reason: 'out-of-memory' }]);
      expect(results[0]!.findings).toMatchObject([{ capability: 'network', api: 'dgram', confidence: 'low' }]);
      expect(summary(results[1]!)).toEqual({ findings: ['network:net.connect:1', 'network:net:1'], errors: [] });
    } finally {
      await pool.close();
    }
  });

  it('rejects work after close', async () => {
    const pool = new AnalysisPool(resolveLimits(), 1);
    await pool.close();
    await expect(pool.analyze([GOOD])).rejects.toThrow(/closed/);
  });
});
