/**
 * Real-world benchmark (issue 10): a cold audit of the bench lockfile (bench/audit-app, 990 packages) as
 * users run it, one CLI process with an empty cache, next to the floors measured in the same run on the
 * same machine: downloading and gunzipping the same tarballs with no analysis, parsing the same code
 * with no analysis, and `npm ci --ignore-scripts` of the same lockfile with an empty npm cache (what
 * users already wait for). The audit runs first, so the registry's CDN is no warmer for it than for npm.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { Parser, type ReadEntry } from 'tar';
import { parseSource } from '../src/analyze/parse.js';
import { decodeSource, isCodeFile } from '../src/analyze/source.js';
import { mapLimit } from '../src/concurrency.js';
import type { AuditReport } from '../src/contract/index.js';
import { readLockfile } from '../src/lockfile/index.js';
import { benchLockfile } from './audit.js';
import { dirBytes, runNode } from './process.js';

const MB = 1024 * 1024;
const fmt = (n: number, digits = 1) => n.toFixed(digits);
const gunzipAsync = promisify(gunzip);

/** What the cold audit left behind for other groups (a warm cache), and its figures. */
export interface RealworldResult {
  lockfile: string;
  /** The cache of the cold audit: warm for the start-up group. */
  cacheDir: string;
  /** Removes the cache and everything else the run wrote. */
  cleanup(): void;
  auditMs: number;
  npmCiMs: number;
}

/** Where the public registry serves a version's tarball (what the audit fetches with the default config). */
function tarballUrl(name: string, version: string): string {
  return `https://registry.npmjs.org/${name}/-/${name.slice(name.lastIndexOf('/') + 1)}-${version}.tgz`;
}

/** The code files of a tarball, in memory, as the audit sees them (paths without `package/`). */
function codeFiles(tgz: Buffer): Promise<{ path: string; data: Buffer }[]> {
  return new Promise((resolve, reject) => {
    const files: { path: string; data: Buffer }[] = [];
    const parser = new Parser({ strict: false });
    parser.on('entry', (entry: ReadEntry) => {
      if (entry.type !== 'File') {
        entry.resume();
        return;
      }
      const chunks: Buffer[] = [];
      entry.on('data', (c: Buffer) => chunks.push(c));
      entry.on('end', () => {
        const path = entry.path.replace(/^[^/]+\//, '');
        const data = Buffer.concat(chunks);
        if (isCodeFile(path, data)) files.push({ path, data });
      });
    });
    parser.on('error', reject);
    parser.on('end', () => resolve(files));
    parser.end(tgz);
  });
}

/** Runs `npm ci --ignore-scripts` of the bench app in a temp dir with an empty npm cache; returns ms. */
async function npmCi(lockfile: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'depcaps-bench-npmci-'));
  try {
    mkdirSync(join(dir, 'app'));
    copyFileSync(lockfile, join(dir, 'app', 'package-lock.json'));
    copyFileSync(join(lockfile, '..', 'package.json'), join(dir, 'app', 'package.json'));
    const t0 = performance.now();
    await promisify(execFile)('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', '--cache', join(dir, 'npm-cache')], {
      cwd: join(dir, 'app'),
      maxBuffer: 64 * MB,
    });
    return performance.now() - t0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the real-world benchmark and prints its figures. */
export async function realworldBench(root: string): Promise<RealworldResult> {
  const lockfile = benchLockfile(root);
  const work = mkdtempSync(join(tmpdir(), 'depcaps-bench-realworld-'));
  const cacheDir = join(work, 'cache');
  const reportFile = join(work, 'audit.json');
  const cleanup = () => rmSync(work, { recursive: true, force: true });

  try {
    // 1. The cold audit, as a user runs it.
    const audit = await runNode([join(root, 'bin', 'depcaps.js'), 'audit', lockfile, '--json', '--cache-dir', cacheDir, '--output', reportFile, '--allow-missing'], {
      rusage: { root },
      timeoutMs: 30 * 60_000,
    });
    if (audit.code !== 0) throw new Error(`the cold audit failed (exit ${audit.code}): ${audit.stderr.slice(0, 2000)}`);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as AuditReport;
    const s = report.summary;
    const cacheBytes = dirBytes(cacheDir);

    // 2. Floor: the same tarballs downloaded and gunzipped, nothing else (8 at once, like the audit).
    const locked = (await readLockfile(lockfile)).packages.filter((p) => p.source === 'registry' && !p.bundled);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let downloaded = 0;
    let unpacked = 0;
    const tarballs = await mapLimit(locked, 8, async (p) => {
      const res = await fetch(p.resolved ?? tarballUrl(p.name, p.version));
      if (!res.ok) throw new Error(`${p.name}@${p.version}: HTTP ${res.status}`);
      const tgz = Buffer.from(await res.arrayBuffer());
      downloaded += tgz.length;
      unpacked += (await gunzipAsync(tgz)).length;
      return tgz;
    });
    const downloadMs = performance.now() - t0;
    const downloadCpu = process.cpuUsage(cpu0);

    // 3. Floor: the same code parsed (Babel, our options), nothing else, on this one thread.
    let parsedBytes = 0;
    let parseMs = 0;
    let parseCpuUs = 0;
    for (const tgz of tarballs) {
      for (const f of await codeFiles(tgz)) {
        const text = decodeSource(f.data).text;
        const p0 = performance.now();
        const c0 = process.cpuUsage();
        try {
          parseSource(text, f.path);
        } catch {
          // Unparseable files cost their attempts, as in the audit.
        }
        const c = process.cpuUsage(c0);
        parseCpuUs += c.user + c.system;
        parseMs += performance.now() - p0;
        parsedBytes += f.data.length;
      }
    }

    // 4. What users already wait for.
    const npmCiMs = await npmCi(lockfile);

    const cpuS = (audit.cpuMs ?? NaN) / 1000;
    console.log(`realworld: cold audit of bench/audit-app (${s.packages} packages) as one CLI process, empty cache:`);
    console.log(
      `  wall ${fmt(audit.wallMs / 1000)} s, CPU ${fmt(cpuS)} s (${fmt(cpuS / (audit.wallMs / 1000), 2)} cores busy), peak RSS ${fmt(audit.maxRssMb ?? NaN, 0)} MB; ` +
        `${fmt(s.tarballBytes / MB)} MB of tarballs downloaded, ${fmt(s.parsedBytes / MB)} MB of code parsed (${fmt(cpuS / (s.parsedBytes / MB), 3)} CPU-s per MB); ` +
        `${s.partial} partial, ${s.errors} not analysed; cache afterwards ${fmt(cacheBytes / MB)} MB`,
    );
    console.log(
      `  floor, download + gunzip of the same ${tarballs.length} tarballs (8 at once, no analysis): ${fmt(downloadMs / 1000)} s wall, ` +
        `${fmt((downloadCpu.user + downloadCpu.system) / 1e6)} CPU-s (${fmt(downloaded / MB)} MB → ${fmt(unpacked / MB)} MB)`,
    );
    console.log(
      `  floor, parse only of the same code (Babel, one thread, no analysis): ${fmt(parseMs / 1000)} s wall, ${fmt(parseCpuUs / 1e6)} CPU-s ` +
        `for ${fmt(parsedBytes / MB)} MB (${fmt(parseCpuUs / 1e6 / (parsedBytes / MB), 3)} CPU-s per MB)`,
    );
    console.log(
      `  npm ci --ignore-scripts of the same lockfile, empty npm cache: ${fmt(npmCiMs / 1000)} s → cold audit / npm ci = ${fmt(audit.wallMs / npmCiMs, 2)}× (target ≤ 1.5×)`,
    );
    return { lockfile, cacheDir, cleanup, auditMs: audit.wallMs, npmCiMs };
  } catch (err) {
    cleanup();
    throw err;
  }
}
