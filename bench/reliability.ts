/**
 * Reliability run (opt-in: `npm run bench -- --only reliability`): `depcaps scan name@version --json`
 * of the ~1,000 most used npm packages (bench/top-packages.txt), one CLI process each, as users run it,
 * with an empty cache. Targets: 0 crashes, ≤ 0.5 % partial. Prints the distribution of wall time and
 * peak RSS, every crash and every partial package with its first error; every row goes to
 * .bench-corpus/reliability.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mapLimit } from '../src/concurrency.js';
import type { ScanReport } from '../src/contract/index.js';
import { percentile, runNode } from './process.js';

/** How one package went. */
interface Row {
  spec: string;
  /** `crash`: a signal, an internal error, an unexpected exit code or output that is not the report. */
  outcome: 'ok' | 'partial' | 'not-analysed' | 'crash';
  wallMs: number;
  maxRssMb?: number;
  files?: number;
  bytes?: number;
  /** First error (partial), the one-line message (not analysed), or what went wrong (crash). */
  detail?: string;
}

function classify(spec: string, r: Awaited<ReturnType<typeof runNode>>): Row {
  const base = { spec, wallMs: r.wallMs, ...(r.maxRssMb !== undefined ? { maxRssMb: r.maxRssMb } : {}) };
  const firstLine = r.stderr.split('\n').find((l) => l.startsWith('depcaps: ') && !l.startsWith('depcaps: warning')) ?? '';
  if (r.signal) return { ...base, outcome: 'crash', detail: `killed by ${r.signal}` };
  if (r.code === 0) {
    try {
      const report = JSON.parse(r.stdout) as ScanReport;
      return {
        ...base,
        outcome: report.status === 'ok' ? 'ok' : 'partial',
        files: report.stats.files,
        bytes: report.stats.bytes,
        ...(report.status !== 'ok' ? { detail: report.errors[0]?.message ?? report.status } : {}),
      };
    } catch {
      return { ...base, outcome: 'crash', detail: `exit 0 without a JSON report: ${r.stdout.slice(0, 200)}` };
    }
  }
  if ((r.code === 2 || r.code === 3) && firstLine && !firstLine.includes('internal error')) return { ...base, outcome: 'not-analysed', detail: firstLine };
  return { ...base, outcome: 'crash', detail: `exit ${r.code}: ${firstLine || r.stderr.slice(0, 300)}` };
}

const dist = (xs: number[], unit: string, digits = 0) =>
  `p50 ${percentile(xs, 50).toFixed(digits)} ${unit}, p90 ${percentile(xs, 90).toFixed(digits)}, p99 ${percentile(xs, 99).toFixed(digits)}, max ${Math.max(...xs).toFixed(digits)}`;

/** Runs the reliability benchmark and prints its figures. */
export async function reliabilityBench(root: string, options: { list: string; limit?: number; concurrency?: number }): Promise<void> {
  const specs = readFileSync(options.list, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .slice(0, options.limit ?? Infinity);
  const cacheDir = mkdtempSync(join(tmpdir(), 'depcaps-bench-reliability-'));
  const bin = join(root, 'bin', 'depcaps.js');
  let done = 0;
  const t0 = performance.now();
  try {
    const rows = await mapLimit(specs, options.concurrency ?? 2, async (spec) => {
      const r = await runNode([bin, 'scan', spec, '--json', '--cache-dir', cacheDir], { rusage: { root }, timeoutMs: 15 * 60_000 });
      const row = classify(spec, r);
      if (++done % 50 === 0 || row.outcome === 'crash') process.stderr.write(`reliability: ${done}/${specs.length}${row.outcome === 'crash' ? ` CRASH ${spec}: ${row.detail}` : ''}\n`);
      return row;
    });
    const count = (o: Row['outcome']) => rows.filter((r) => r.outcome === o);
    const partial = count('partial');
    const crashes = count('crash');
    const notAnalysed = count('not-analysed');
    const scanned = rows.length - notAnalysed.length;
    console.log(
      `reliability: ${rows.length} of the most used packages, one process each, ${((performance.now() - t0) / 60_000).toFixed(1)} min: ` +
        `${count('ok').length} ok, ${partial.length} partial (${((partial.length / Math.max(1, scanned)) * 100).toFixed(2)} % of those scanned; target ≤ 0.5 %), ` +
        `${crashes.length} crashes (target 0), ${notAnalysed.length} not analysed (registry or input errors)`,
    );
    const measured = rows.filter((r) => r.outcome === 'ok' || r.outcome === 'partial');
    console.log(`  wall per package: ${dist(measured.map((r) => r.wallMs / 1000), 's', 2)}`);
    const rss = measured.flatMap((r) => (r.maxRssMb !== undefined ? [r.maxRssMb] : []));
    if (rss.length > 0) console.log(`  peak RSS per process: ${dist(rss, 'MB')}`);
    for (const r of [...crashes, ...partial, ...notAnalysed]) console.log(`  ${r.outcome.padEnd(12)} ${r.spec}: ${r.detail ?? ''}`.slice(0, 300));
    mkdirSync(join(root, '.bench-corpus'), { recursive: true });
    writeFileSync(join(root, '.bench-corpus', 'reliability.json'), `${JSON.stringify(rows, null, 1)}\n`);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}
