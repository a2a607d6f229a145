/**
 * False-positive benchmark of the behaviour signals: audits the ~920 real packages of the bench lockfile
 * (bench/audit-app, the same as the audit benchmark) with the analysis cache off, and lists every package
 * reported `obfuscated` (target: ≤ 0.5 % of packages) or `global-tamper`, with the signal or write and
 * where it fired, so each can be judged by hand. Tarballs come from pacote's cache in
 * .bench-corpus/obfuscation-cache after the first run.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AnalysisPool } from '../src/analyze/pool.js';
import { auditLockfile } from '../src/commands/audit.js';
import type { AuditPackage } from '../src/contract/index.js';
import { resolveLimits } from '../src/limits.js';
import { benchLockfile } from './audit.js';

/** The share of packages `obfuscated` may reach before the benchmark says so. */
const TARGET_SHARE = 0.005;

function describe(p: AuditPackage, capability: string): string {
  const evidence = p.evidence.filter((e) => e.capability === capability);
  const where = evidence.map((e) => `${e.api} @ ${e.file}:${e.line}  ${e.excerpt.slice(0, 100)}`);
  const more = (p.counts[capability] ?? 0) - evidence.length;
  return `  ${p.name}@${p.version}${p.dev ? ' (dev)' : ''}\n${where.map((w) => `      ${w}`).join('\n')}${more > 0 ? `\n      … ${more} more` : ''}`;
}

/** Runs the benchmark and prints its figures. */
export async function obfuscationBench(root: string): Promise<void> {
  const lockfile = benchLockfile(root);
  const cacheDir = join(root, '.bench-corpus', 'obfuscation-cache');
  mkdirSync(cacheDir, { recursive: true });
  const pool = new AnalysisPool(resolveLimits());
  try {
    const t0 = performance.now();
    const report = await auditLockfile(lockfile, { cacheDir, noCache: true, pool });
    const seconds = (performance.now() - t0) / 1000;
    // One entry per name@version: a package locked at several paths counts once.
    const unique = new Map<string, AuditPackage>();
    for (const p of report.packages) if (p.status !== 'error') unique.set(`${p.name}@${p.version}`, p);
    const packages = [...unique.values()];
    const obfuscated = packages.filter((p) => p.capabilities.includes('obfuscated'));
    const tamper = packages.filter((p) => p.capabilities.includes('global-tamper'));
    const share = obfuscated.length / Math.max(1, packages.length);
    console.log(
      `obfuscation signal on the bench lockfile: ${obfuscated.length} of ${packages.length} analysed packages flagged obfuscated ` +
        `(${(share * 100).toFixed(2)} %; target ≤ ${(TARGET_SHARE * 100).toFixed(1)} %${share > TARGET_SHARE ? ': OVER TARGET' : ''}), audit ${seconds.toFixed(1)} s, ${report.summary.errors} not analysed, ${report.summary.partial} partial`,
    );
    for (const p of obfuscated) console.log(describe(p, 'obfuscated'));
    console.log(`global-tamper on the bench lockfile: ${tamper.length} of ${packages.length} packages`);
    for (const p of tamper) console.log(describe(p, 'global-tamper'));
  } finally {
    await pool.close();
  }
}
