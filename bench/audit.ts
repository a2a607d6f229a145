/**
 * Audit benchmark: the 990-package lockfile of a realistic app (bench/audit-app, checked in), audited
 * in this process against the live registry with an empty cache (cold) and again (warm). Then the
 * parse phase alone, with 1 and with 2 workers (the analysis cache off), to show how parsing scales
 * over the cores (tarballs downloaded again: depcaps keeps none). `realworld` measures the same audit as users run it: one CLI process.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnalysisPool } from '../src/analyze/pool.js';
import { auditLockfile, type AuditOptions } from '../src/commands/audit.js';
import { resolveLimits } from '../src/limits.js';

const MB = 1024 * 1024;

/** Bytes of every file under `dir`. */
function dirBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const st = statSync(join(dir, name));
    if (st.isFile()) total += st.size;
  }
  return total;
}
const fmt = (n: number, digits = 1) => n.toFixed(digits);

/**
 * The bench app's lockfile (990 packages, locked by npm on 2026-12-04 and checked in, so figures
 * compare across time), copied with its package.json into .bench-corpus/audit-app/; returns its path.
 */
export function benchLockfile(root: string): string {
  const dir = join(root, '.bench-corpus', 'audit-app');
  mkdirSync(dir, { recursive: true });
  for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(root, 'bench', 'audit-app', f), join(dir, f));
  return join(dir, 'package-lock.json');
}

async function timed(lockfile: string, options: AuditOptions, workers = availableParallelism()) {
  const pool = new AnalysisPool(resolveLimits(), workers);
  try {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const report = await auditLockfile(lockfile, { ...options, pool });
    const cpu = process.cpuUsage(cpu0);
    return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, report, pool: pool.stats() };
  } finally {
    await pool.close();
  }
}

/** Runs the audit benchmark and prints its figures. */
export async function auditBench(root: string): Promise<void> {
  const lockfile = benchLockfile(root);
  const cacheDir = mkdtempSync(join(tmpdir(), 'depcaps-bench-audit-'));
  try {
    const cold = await timed(lockfile, { cacheDir });
    const warm = await timed(lockfile, { cacheDir });
    const s = cold.report.summary;
    const util = cold.pool.busyMs / (cold.pool.workers * Math.max(1, cold.pool.activeMs));
    console.log(`audit of a ${s.packages}-package lockfile, cold: ${fmt(cold.ms / 1000)} s, ${fmt(s.tarballBytes / MB)} MB of tarballs fetched, ${fmt(s.parsedBytes / MB)} MB of code parsed (${s.errors} not analysed, ${s.partial} partial)`);
    console.log(`  cold: workers busy ${fmt(cold.pool.activeMs / 1000)} s of ${fmt(cold.ms / 1000)} s; utilisation of ${cold.pool.workers} workers while parsing ${fmt(util * 100, 0)} %`);
    console.log(`audit, warm: ${fmt(warm.ms / 1000, 2)} s (${warm.report.summary.cached} from cache; target ≤ 3 s); cache directory ${fmt(dirBytes(cacheDir) / MB)} MB (target ≤ 50 MB)`);
    // When the findings of the lockfile's code run: install first.
    const runs = { install: 0, import: 0, call: 0, unreached: 0 };
    for (const p of cold.report.packages) for (const k of Object.keys(runs) as (keyof typeof runs)[]) runs[k] += p.runs?.[k] ?? 0;
    const total = Math.max(1, runs.install + runs.import + runs.call + runs.unreached);
    const installers = cold.report.packages.filter((p) => p.runsAtInstall).length;
    console.log(
      `findings by runs: ${Object.entries(runs).map(([k, n]) => `${k} ${n} (${fmt((n / total) * 100)} %)`).join(', ')}; ${installers} of ${s.packages} packages run code at install`,
    );
    // The parse phase alone: same tarballs (downloaded again), analysis cache off, 1 then 2 workers.
    const one = await timed(lockfile, { cacheDir, noCache: true }, 1);
    const two = await timed(lockfile, { cacheDir, noCache: true }, 2);
    const speedup = one.pool.activeMs / two.pool.activeMs;
    console.log(
      `parse phase, cache off: 1 worker ${fmt(one.pool.activeMs / 1000)} s (${fmt(one.report.summary.parsedBytes / MB / (one.pool.activeMs / 1000))} MB/s), ` +
        `2 workers ${fmt(two.pool.activeMs / 1000)} s (${fmt(two.report.summary.parsedBytes / MB / (two.pool.activeMs / 1000))} MB/s): ` +
        `${fmt(speedup, 2)}× = ${fmt((speedup / 2) * 100, 0)} % of ideal 2-core scaling (target ≥ 80 %); whole audit ${fmt(one.ms / 1000)} s → ${fmt(two.ms / 1000)} s`,
    );
    // Where the CPU goes: all threads of the process (main thread, workers, GC helpers) against wall time.
    console.log(
      `  CPU of the whole process: 1 worker ${fmt(one.cpuMs / 1000)} s in ${fmt(one.ms / 1000)} s wall (${fmt(one.cpuMs / one.ms, 2)} cores busy), ` +
        `2 workers ${fmt(two.cpuMs / 1000)} s in ${fmt(two.ms / 1000)} s wall (${fmt(two.cpuMs / two.ms, 2)} cores busy)`,
    );
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}
