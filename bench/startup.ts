/**
 * Start-up benchmark (issue 10): what a user waits for as a whole process — `depcaps --help`,
 * `--version`, a warm `scan name@version --json` and a warm audit of the bench lockfile — against a bare
 * `node -e 0` measured in the same rounds. The commands of a round run back to back and the rounds are
 * interleaved, so load on the (shared) machine hits every command alike; figures are medians, and the
 * overhead is the median of each round's difference to bare node. CPU time (every thread, from
 * bench/rusage, which every process of the comparison loads, bare node included) is printed too: on a
 * busy machine it moves far less than wall time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchLockfile } from './audit.js';
import { median, runNode } from './process.js';

/** The package the warm scan asks for (small; any cached package would do). */
const WARM_SPEC = 'ms@2.1.3';

interface Probe {
  name: string;
  args: string[];
  /** Target overhead over bare node, ms. */
  targetMs: number;
}

/**
 * Runs the start-up benchmark. `cacheDir`: a cache that already holds the bench lockfile's packages
 * (the realworld group's); without one, a cold audit fills a temporary one first.
 */
export async function startupBench(root: string, options: { cacheDir?: string; rounds?: number } = {}): Promise<void> {
  const bin = join(root, 'bin', 'depcaps.js');
  const lockfile = benchLockfile(root);
  const own = options.cacheDir === undefined ? mkdtempSync(join(tmpdir(), 'depcaps-bench-startup-')) : undefined;
  const cacheDir = options.cacheDir ?? own!;
  try {
    // Warm the cache: both runs below must be answered by it alone.
    for (const args of [['scan', WARM_SPEC, '--json'], ['audit', lockfile, '--json', '--allow-missing']]) {
      const r = await runNode([bin, ...args, '--cache-dir', cacheDir], { timeoutMs: 30 * 60_000 });
      if (r.code !== 0) throw new Error(`warming the cache: depcaps ${args.join(' ')} exited ${r.code}: ${r.stderr.slice(0, 2000)}`);
    }
    const probes: Probe[] = [
      { name: '--help', args: [bin, '--help'], targetMs: 100 },
      { name: '--version', args: [bin, '--version'], targetMs: 100 },
      { name: `warm scan ${WARM_SPEC} --json`, args: [bin, 'scan', WARM_SPEC, '--json', '--cache-dir', cacheDir], targetMs: 400 },
      { name: 'warm audit of bench/audit-app --json', args: [bin, 'audit', lockfile, '--json', '--allow-missing', '--cache-dir', cacheDir], targetMs: 1000 },
    ];
    const rounds = options.rounds ?? 9;
    const bare: number[] = [];
    const bareCpu: number[] = [];
    const times = probes.map(() => [] as number[]);
    const overheads = probes.map(() => [] as number[]);
    const cpuOverheads = probes.map(() => [] as number[]);
    for (let round = 0; round < rounds; round++) {
      const base = await runNode(['-e', '0'], { rusage: { root } });
      bare.push(base.wallMs);
      bareCpu.push(base.cpuMs ?? NaN);
      for (const [i, probe] of probes.entries()) {
        const r = await runNode(probe.args, { rusage: { root } });
        if (r.code !== 0) throw new Error(`${probe.name} exited ${r.code}: ${r.stderr.slice(0, 2000)}`);
        // A warm run must be answered by the cache: a fetch or a parse here would be a regression.
        if (probe.name.startsWith('warm scan') && !(JSON.parse(r.stdout) as { stats: { cached: boolean } }).stats.cached) throw new Error('the warm scan was not served by the cache');
        times[i]!.push(r.wallMs);
        overheads[i]!.push(r.wallMs - base.wallMs);
        cpuOverheads[i]!.push((r.cpuMs ?? NaN) - (base.cpuMs ?? NaN));
      }
    }
    console.log(
      `start-up, whole processes, medians of ${rounds} interleaved rounds; bare \`node -e 0\` in the same rounds: ${median(bare).toFixed(0)} ms wall, ${median(bareCpu).toFixed(0)} ms CPU`,
    );
    for (const [i, probe] of probes.entries()) {
      const over = median(overheads[i]!);
      console.log(
        `  ${probe.name.padEnd(40)} ${median(times[i]!).toFixed(0).padStart(5)} ms  = bare node + ${over.toFixed(0).padStart(4)} ms wall ` +
          `(target ≤ ${probe.targetMs} ms: ${over <= probe.targetMs ? 'met' : 'NOT met'}), + ${median(cpuOverheads[i]!).toFixed(0).padStart(4)} ms CPU`,
      );
    }
  } finally {
    if (own) rmSync(own, { recursive: true, force: true });
  }
}
