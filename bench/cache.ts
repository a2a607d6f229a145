/**
 * Cache benchmark (issue: "SQLite cache"): cold vs warm scans of a large package and of 50 small
 * ones, and a warm re-scan of a new version of the large package. Tarballs are fetched once into
 * .bench-corpus/ (the registry is only asked on the first run), then scanned as local tarballs, so
 * the figures measure analysis and cache, not the network.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pacote from 'pacote';
import { AnalysisPool } from '../src/analyze/pool.js';
import { resolveLimits } from '../src/limits.js';
import { scanPackage } from '../src/commands/scan.js';

async function tarball(corpusDir: string, spec: string): Promise<string> {
  const file = join(corpusDir, `${spec.replace(/[/@^]/g, '_')}.tgz`);
  if (!existsSync(file)) {
    process.stderr.write(`fetching ${spec}\n`);
    await writeFile(file, await pacote.tarball(spec, { cache: join(corpusDir, '.pacote') }));
  }
  return file;
}

/** Runs the cache benchmark and prints its figures. */
export async function cacheBench(root: string): Promise<void> {
  const corpusDir = join(root, '.bench-corpus');
  await mkdir(corpusDir, { recursive: true });
  const limits = resolveLimits();
  const pool = new AnalysisPool(limits);
  const cacheDir = mkdtempSync(join(tmpdir(), 'depcaps-bench-cache-'));
  const time = async (target: string) => {
    const t0 = performance.now();
    const r = await scanPackage(target, { cacheDir, pool, limits });
    return { ms: performance.now() - t0, report: r };
  };
  try {
    await pool.analyze([{ path: 'warm.js', data: Buffer.from("require('fs')") }]);
    const oldLarge = await tarball(corpusDir, 'rxjs@7.8.0');
    const large = await tarball(corpusDir, 'rxjs@7.8.1');
    const cold = await time(large);
    const warm = await time(large);
    console.log(
      `large package rxjs@7.8.1 (${cold.report.stats.files} files, ${(cold.report.stats.bytes / 1048576).toFixed(1)} MiB): cold ${cold.ms.toFixed(0)} ms, warm ${warm.ms.toFixed(1)} ms → ${(cold.ms / warm.ms).toFixed(0)}× (target ≥ 20×)`,
    );
    // A new version against a cache that knows the previous one: only changed files are parsed.
    rmSync(cacheDir, { recursive: true, force: true });
    await time(oldLarge);
    const bump = await time(large);
    const codeFiles = bump.report.stats.parsedFiles + bump.report.stats.reusedFiles;
    console.log(
      `new version rxjs 7.8.0 → 7.8.1 with 7.8.0 cached: ${bump.ms.toFixed(0)} ms = ${((bump.ms / cold.ms) * 100).toFixed(0)} % of cold (target < 25 %); parsed ${bump.report.stats.parsedFiles} of ${codeFiles} code files (${((bump.report.stats.parsedFiles / codeFiles) * 100).toFixed(1)} %)`,
    );
    const specs = (await readFile(join(root, 'bench', 'small-pkgs.txt'), 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const smalls: string[] = [];
    for (const spec of specs) smalls.push(await tarball(corpusDir, spec));
    rmSync(cacheDir, { recursive: true, force: true });
    let coldSmall = 0;
    let warmSmall = 0;
    for (const f of smalls) coldSmall += (await time(f)).ms;
    for (const f of smalls) warmSmall += (await time(f)).ms;
    console.log(`${smalls.length} small packages: cold ${coldSmall.toFixed(0)} ms, warm ${warmSmall.toFixed(0)} ms → ${(coldSmall / warmSmall).toFixed(0)}× (${(warmSmall / smalls.length).toFixed(1)} ms each warm)`);
  } finally {
    await pool.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}
