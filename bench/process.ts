/** Running the CLI as users do, one process at a time, and the statistics the benchmarks print. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How one process went. */
export interface ProcessRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  wallMs: number;
  /** CPU time of every thread, and peak RSS, when measured (`rusage: true`). */
  cpuMs?: number;
  maxRssMb?: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link runNode}. */
export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Measure CPU time and peak RSS through bench/rusage (a preload: leave it off for start-up timings). */
  rusage?: { root: string };
  timeoutMs?: number;
}

/** Runs `node <args>` and times it from spawn to exit. */
export function runNode(args: readonly string[], options: RunOptions = {}): Promise<ProcessRun> {
  const dir = options.rusage ? mkdtempSync(join(tmpdir(), 'depcaps-bench-rusage-')) : undefined;
  const file = dir ? join(dir, 'rusage.json') : undefined;
  const pre = options.rusage ? ['--import', join(options.rusage.root, 'dist', 'bench', 'rusage.js')] : [];
  const env = { ...(options.env ?? process.env), ...(file ? { DEPCAPS_BENCH_RUSAGE: file } : {}) };
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...pre, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const wallMs = performance.now() - t0;
      clearTimeout(timer);
      let usage: { cpuMs: number; maxRssKb: number } | undefined;
      try {
        if (file) usage = JSON.parse(readFileSync(file, 'utf8')) as { cpuMs: number; maxRssKb: number };
      } catch {
        // Killed before its exit handler ran: no CPU or RSS figure.
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
      resolve({
        code,
        signal,
        wallMs,
        ...(usage ? { cpuMs: usage.cpuMs, maxRssMb: usage.maxRssKb / 1024 } : {}),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** The median of some numbers. */
export function median(xs: readonly number[]): number {
  return percentile(xs, 50);
}

/** The p-th percentile (nearest rank) of some numbers. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Bytes of every file under `dir` (what `du` would count, without block rounding). */
export function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += dirBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}
