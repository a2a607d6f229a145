/**
 * Audit benchmark: a ~1,000-package lockfile of a realistic app (bench/audit-app/package.json, locked by
 * npm on first run into .bench-corpus/audit-app/), audited against the live registry with an empty cache
 * (cold) and again (warm).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditLockfile } from '../src/audit.js';

/** Runs the audit benchmark and prints its figures. */
export async function auditBench(root: string): Promise<void> {
  const dir = join(root, '.bench-corpus', 'audit-app');
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(root, 'bench', 'audit-app', 'package.json'), join(dir, 'package.json'));
  if (!existsSync(join(dir, 'package-lock.json'))) {
    process.stderr.write('locking bench/audit-app with npm (once)\n');
    execFileSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' });
  }
  const cacheDir = mkdtempSync(join(tmpdir(), 'depcaps-bench-audit-'));
  try {
    const run = async () => {
      const t0 = performance.now();
      const report = await auditLockfile(join(dir, 'package-lock.json'), { cacheDir });
      return { ms: performance.now() - t0, report };
    };
    const cold = await run();
    const warm = await run();
    const s = cold.report.summary;
    console.log(`audit of a ${s.packages}-package lockfile: cold ${(cold.ms / 1000).toFixed(1)} s (${s.errors} not analysed), warm ${(warm.ms / 1000).toFixed(2)} s (${warm.report.summary.cached} from cache; target ≤ 3 s)`);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}
