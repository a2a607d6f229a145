/**
 * `npm run bench`: analysis speed on the pinned corpus of bench/corpus-pkgs.txt (45 real packages),
 * against a parse-only pass over the same files, plus the hostile-size cases; the real-world audit
 * against its floors and `npm ci`; start-up times against bare node. Tarballs are fetched once from
 * the registry into .bench-corpus/ (gitignored); later runs of those groups are offline.
 *
 * Usage: npm run bench [-- --only parse,analysis,pool,graph,large,large-dense,cache,audit,gate,obfuscation,deep,realworld,startup,noise,reliability,pg,stream]
 *   [--corpus FILE] [--rounds N] [--list FILE] [--limit N]
 * With no --only, everything but `large-dense`, `noise`, `reliability`, `pg` and `stream` runs; peak RSS is per
 * process, so the large-file figures are cleanest alone: `npm run bench -- --only large`. `noise`
 * (bench/noise.ts: own-code diffs of 370 real consecutive releases) fetches ~440 versions from the live
 * registry on its first run. `reliability` (opt-in, about half an hour) scans the ~1,000 packages of
 * bench/top-packages.txt, or --list, one process each. `pg` (bench/pg.ts) starts a PostgreSQL server and
 * audits the bench lockfile cold, then through the store. `stream` (bench/stream.ts) builds 30 MB and
 * 300 MB synthetic packages in a temporary directory.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@babel/parser';
import pacote from 'pacote';
import { defaultCatalogIndex } from '../src/analyze/catalog-index.js';
import { analyzeFileBytes } from '../src/analyze/file.js';
import { decodeSource, isCodeFile } from '../src/analyze/parse.js';
import { isBuffered, type BufferedSource } from '../src/analyze/intake.js';
import { analyzePackage, type SourceFile } from '../src/analyze/package.js';
import { AnalysisPool } from '../src/analyze/pool.js';
import { readTarball } from '../src/fetch/tarball.js';
import { resolveLimits } from '../src/limits.js';
import { auditBench } from './audit.js';
import { gateBench } from './gate.js';
import { cacheBench } from './cache.js';
import { noiseBench } from './noise.js';
import { obfuscationBench } from './obfuscation.js';
import { pgBench } from './pg.js';
import { realworldBench, type RealworldResult } from './realworld.js';
import { reliabilityBench } from './reliability.js';
import { startupBench } from './startup.js';
import { streamBench } from './stream.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const corpusDir = join(root, '.bench-corpus');
const args = process.argv.slice(2);
const only = new Set((args[args.indexOf('--only') + 1] ?? '').split(',').filter(Boolean));
const want = (name: string) => !args.includes('--only') || only.has(name);
const flag = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const corpusList = resolve(flag('--corpus') ?? join(root, 'bench', 'corpus-pkgs.txt'));

interface CodeFile {
  path: string;
  data: Uint8Array;
}

const MB = 1024 * 1024;
const fmt = (n: number, d = 1) => n.toFixed(d);

/** The corpus packages, every file of each (fetched once into .bench-corpus/). */
async function loadPackages(): Promise<{ spec: string; files: SourceFile[] }[]> {
  const specs = (await readFile(corpusList, 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  await mkdir(corpusDir, { recursive: true });
  const out: { spec: string; files: SourceFile[] }[] = [];
  const limits = resolveLimits();
  for (const spec of specs) {
    const file = join(corpusDir, `${spec.replace(/[/@]/g, '_')}.tgz`);
    if (!existsSync(file)) {
      process.stderr.write(`fetching ${spec}\n`);
      const data = await pacote.tarball(spec, { cache: join(corpusDir, '.pacote') });
      await writeFile(file, data);
    }
    const contents = await readTarball(await readFile(file), { label: spec, limits });
    out.push({ spec, files: contents.files });
  }
  return out;
}

async function loadCorpus(): Promise<CodeFile[]> {
  const files: CodeFile[] = [];
  for (const { spec, files: all } of await loadPackages()) {
    for (const f of all) if ('data' in f && isCodeFile(f.path, f.data)) files.push({ path: `${spec}/${f.path}`, data: f.data });
  }
  return files;
}

/**
 * What the module graph costs: the main-thread part (lifecycle scripts, resolution, verdicts) against the
 * workers' analysis time of the same packages, and the share of findings per `runs`. (The walk's own
 * extra work — function contexts, specifiers — happens inside the analysis time measured here.)
 */
async function graphBench(): Promise<void> {
  const packages = await loadPackages();
  const pool = new AnalysisPool(resolveLimits(), 1);
  try {
    await pool.analyze(packages[0]!.files.filter((f): f is BufferedSource => isBuffered(f) && isCodeFile(f.path, f.data)).slice(0, 50));
    const before = pool.stats().busyMs;
    let graphMs = 0;
    const runs: Record<string, number> = {};
    let atInstall = 0;
    for (const p of packages) {
      const a = await analyzePackage(p.files, pool);
      graphMs += a.graphMs;
      if (a.runsAtInstall) atInstall++;
      for (const f of a.findings) runs[f.runs ?? 'none'] = (runs[f.runs ?? 'none'] ?? 0) + 1;
    }
    const analysisMs = pool.stats().busyMs - before;
    const total = Object.values(runs).reduce((a, b) => a + b, 0);
    console.log(`module graph, ${packages.length} packages: ${fmt(graphMs, 0)} ms on the main thread against ${fmt(analysisMs / 1000, 2)} s of analysis in the worker = ${fmt((graphMs / analysisMs) * 100, 2)} % (target ≤ 10 %)`);
    console.log(`  findings by runs: ${['install', 'import', 'call', 'unreached'].map((r) => `${r} ${runs[r] ?? 0} (${fmt(((runs[r] ?? 0) / Math.max(1, total)) * 100)} %)`).join(', ')}; ${atInstall} package(s) run code at install`);
  } finally {
    await pool.close();
  }
}

function time<T>(fn: () => T): { ms: number; value: T } {
  const t0 = performance.now();
  const value = fn();
  return { ms: performance.now() - t0, value };
}

function parseOnly(files: CodeFile[]): number {
  let n = 0;
  for (const f of files) {
    const text = decodeSource(f.data).text;
    try {
      parse(text, { sourceType: 'unambiguous', errorRecovery: true, allowReturnOutsideFunction: true, plugins: f.path.endsWith('ts') ? ['typescript'] : ['jsx'], attachComment: false });
    } catch {
      n++;
    }
  }
  return n;
}

function rssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/**
 * One line of scope-heavy code, like a minified bundle, `bytes` long. `dense`: a filesystem and an env
 * finding every ~200 bytes (258k findings: the worst case for memory); otherwise one every ~25 KB.
 */
function minifiedLine(bytes: number, dense: boolean): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const use = dense || i % 100 === 0;
    const mod = use ? 'fs' : `m${i % 50}`;
    const env = use ? `t.env.K${i}` : `t.k${i}`;
    const chunk = `!function(e,t){var n=e("${mod}"),r=${env},o=function(a,s){for(var u=0;u<a.length;u++)s.push(a[u]*${i});return s};function c(a){return n.readFileSync(a+"${i}")}t.exports={o:o,r:r,c:c,x:[1,2,3].map(function(q){return q+r})}}(require,process);`;
    parts.push(chunk);
    size += chunk.length;
  }
  return parts.join('');
}

/** Parse-only throughput of 1 and 2 bare workers: the ceiling any analysis pool can reach here. */
async function parseScaling(files: CodeFile[]): Promise<number[]> {
  const { Worker } = await import('node:worker_threads');
  const parserPath = fileURLToPath(import.meta.resolve('@babel/parser'));
  const code = `const { parentPort } = require('node:worker_threads');
const { parse } = require(${JSON.stringify(parserPath)});
parentPort.on('message', (texts) => {
  for (const t of texts) { try { parse(t, { sourceType: 'unambiguous', errorRecovery: true, plugins: ['jsx'], attachComment: false }); } catch {} }
  parentPort.postMessage(0);
});`;
  const texts = files.map((f) => decodeSource(f.data).text).sort((a, b) => b.length - a.length);
  const out: number[] = [];
  for (const n of [1, 2]) {
    const parts: string[][] = Array.from({ length: n }, () => []);
    const loads: number[] = new Array(n).fill(0);
    for (const t of texts) {
      const k = loads.indexOf(Math.min(...loads));
      parts[k]!.push(t);
      loads[k]! += t.length;
    }
    const workers = parts.map(() => new Worker(code, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 192 } }));
    const t0 = performance.now();
    await Promise.all(workers.map((w, i) => new Promise((resolve) => { w.once('message', resolve); w.postMessage(parts[i]); })));
    out.push(performance.now() - t0);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return out;
}

async function main(): Promise<void> {
  const index = defaultCatalogIndex();
  const cores = availableParallelism();
  console.log(`depcaps bench — node ${process.version}, ${cores} cores, catalog ${index.version}`);
  const results: Record<string, unknown> = {};
  if (want('parse') || want('analysis') || want('pool')) {
    const files = await loadCorpus();
    const bytes = files.reduce((s, f) => s + f.data.length, 0);
    console.log(`corpus: ${files.length} code files, ${fmt(bytes / MB)} MiB`);
    // Warm-up so both passes run with optimised code.
    const warm = files.slice(0, 300);
    parseOnly(warm);
    for (const f of warm) analyzeFileBytes(f.data, f.path, index);
    let parseMs = 0;
    if (want('parse') || want('analysis')) {
      const p = time(() => parseOnly(files));
      parseMs = p.ms;
      console.log(`parse only, main thread:      ${fmt(p.ms / 1000, 2)} s  ${fmt(bytes / MB / (p.ms / 1000))} MB/s  (${p.value} files failed)`);
      results.parseMs = p.ms;
    }
    if (want('analysis')) {
      let findings = 0;
      let errors = 0;
      const a = time(() => {
        for (const f of files) {
          const r = analyzeFileBytes(f.data, f.path, index);
          findings += r.findings.length;
          errors += r.errors.length;
        }
      });
      console.log(`full analysis, main thread:   ${fmt(a.ms / 1000, 2)} s  ${fmt(bytes / MB / (a.ms / 1000))} MB/s  ratio to parse ${fmt(a.ms / parseMs, 2)}×  (${findings} findings, ${errors} file errors)`);
      console.log(`peak RSS so far: ${fmt(rssMb(), 0)} MiB`);
      results.analysisMs = a.ms;
    }
    if (want('pool')) {
      const limits = resolveLimits();
      const timings: number[] = [];
      for (const size of [1, Math.max(2, cores)]) {
        const pool = new AnalysisPool(limits, size);
        await pool.analyze(files.slice(0, 200)); // spawn and warm the workers
        const t0 = performance.now();
        await pool.analyze(files);
        const ms = performance.now() - t0;
        await pool.close();
        timings.push(ms);
        console.log(`worker pool, ${size} worker(s):     ${fmt(ms / 1000, 2)} s  ${fmt(bytes / MB / (ms / 1000))} MB/s  ${fmt(files.length / (ms / 1000), 0)} files/s`);
      }
      console.log(`speed-up with ${Math.max(2, cores)} workers: ${fmt(timings[0]! / timings[1]!, 2)}×`);
      results.poolMs = timings;
      const ceiling = await parseScaling(files);
      console.log(`ceiling — parse only, bare workers: 1 worker ${fmt(ceiling[0]! / 1000, 2)} s, 2 workers ${fmt(ceiling[1]! / 1000, 2)} s, speed-up ${fmt(ceiling[0]! / ceiling[1]!, 2)}×`);
    }
  }
  if (want('graph')) await graphBench();
  if (want('large') || want('large-dense')) {
    // Peak RSS is per process: run each alone (`--only large`, `--only large-dense`) for a clean figure.
    const dense = want('large-dense') && !want('large');
    const data = Buffer.from(minifiedLine(20 * MB, dense));
    const pool = new AnalysisPool(resolveLimits(), 1);
    const t0 = performance.now();
    const [r] = await pool.analyze([{ path: 'big.min.js', data }]);
    const ms = performance.now() - t0;
    await pool.close();
    const caps = [...new Set(r!.findings.map((f) => f.capability))].sort().join(',');
    console.log(`20 MiB single-line file${dense ? ', dense findings' : ''} (worker): ${fmt(ms / 1000, 1)} s, ${r!.findings.length} findings [${caps}], errors ${r!.errors.length}, process peak RSS ${fmt(rssMb(), 0)} MiB`);
    results.largeMs = ms;
  }
  if (want('cache')) await cacheBench(root);
  if (want('audit')) await auditBench(root);
  if (want('gate')) await gateBench(root);
  if (only.has('noise')) await noiseBench(root, args);
  if (want('obfuscation')) await obfuscationBench(root);
  let realworld: RealworldResult | undefined;
  try {
    if (want('realworld')) realworld = await realworldBench(root);
    if (want('startup')) await startupBench(root, { ...(realworld ? { cacheDir: realworld.cacheDir } : {}), ...(flag('--rounds') ? { rounds: Number(flag('--rounds')) } : {}) });
  } finally {
    realworld?.cleanup();
  }
  // Opt-in only: half an hour of registry traffic.
  if (only.has('reliability')) {
    await reliabilityBench(root, {
      list: resolve(flag('--list') ?? join(root, 'bench', 'top-packages.txt')),
      ...(flag('--limit') ? { limit: Number(flag('--limit')) } : {}),
    });
  }
  if (only.has('pg')) await pgBench(root);
  if (only.has('stream')) await streamBench(root);
  if (want('deep')) {
    const shapes: Record<string, string> = {
      'arrays 10k': `${'['.repeat(10_000)}${']'.repeat(10_000)}; require('net')`,
      'parens 10k': `x = ${'('.repeat(10_000)}1${')'.repeat(10_000)}; require('net')`,
      'objects 10k': `x = ${'{a:'.repeat(10_000)}1${'}'.repeat(10_000)}; require('net')`,
      "'a'+ 20k": `x = ${Array.from({ length: 20_000 }, () => "'a'").join('+')}; require('net')`,
      'else if 50k': `${Array.from({ length: 50_000 }, (_, i) => `if (x === ${i}) {}`).join(' else ')} require('net')`,
    };
    const pool = new AnalysisPool(resolveLimits(), 1);
    for (const [name, code] of Object.entries(shapes)) {
      const t0 = performance.now();
      const [r] = await pool.analyze([{ path: 'deep.js', data: Buffer.from(code) }]);
      console.log(`deep ${name}: ${fmt(performance.now() - t0, 0)} ms, findings ${r!.findings.length}, errors ${r!.errors.map((e) => e.reason).join(',') || 'none'}`);
    }
    await pool.close();
  }
}

await main();
