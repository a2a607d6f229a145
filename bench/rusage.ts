/**
 * A `node --import` preload for benchmarks: when the process exits, its CPU time (every thread: the
 * main one, analysis workers, GC helpers) and peak RSS are written to the file DEPCAPS_BENCH_RUSAGE
 * names. Worker threads inherit the preload and write nothing.
 */
import { writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const out = process.env['DEPCAPS_BENCH_RUSAGE'];
if (out && isMainThread) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(out, JSON.stringify({ cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, maxRssKb: u.maxRSS }));
  });
}
