/**
 * Noise benchmark (opt-in: it needs the live registry): the own-code diffs of 370 consecutive releases
 * of 74 popular packages (bench/upgrade-pairs.txt). These are benign upgrades, so none should add a
 * high-severity capability, and `risk: low` should only fire where a call site really appeared, never
 * because identical code was re-reported (renamed minified identifiers, a version or byte size inside
 * an excerpt, a `node:` prefix). Prints both counts and every remaining `low` pair with its new call
 * sites so a reader can check them. Scans are cached in .bench-corpus/noise-cache: later runs are fast.
 *
 * Usage: npm run bench -- --only noise [--pairs FILE] [--noise-out FILE (every pair's diff as JSON)]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { catalog, SEVERITY_ORDER } from '../capabilities/index.js';
import { openSession } from '../src/commands/session.js';
import { scanPackage, type ScanOptions } from '../src/commands/scan.js';
import { mapLimit } from '../src/concurrency.js';
import type { DiffFinding, Finding, Risk, ScanReport } from '../src/contract/index.js';
import { diffOwn } from '../src/diff/own.js';
import { riskOf } from '../src/diff/risk.js';
import { resolveLimits } from '../src/limits.js';

interface Pair {
  name: string;
  from: string;
  to: string;
}

interface PairResult extends Pair {
  risk?: Risk;
  /** The risk and new findings by the excerpt as written (the matching before 2026-12), the same run's baseline. */
  literalRisk?: Risk;
  literalNew?: DiffFinding[];
  literalGone?: DiffFinding[];
  added?: string[];
  newFindings?: DiffFinding[];
  goneFindings?: DiffFinding[];
  partial?: boolean;
  error?: string;
}

const SEVERITY = new Map(catalog.map((c) => [c.id, SEVERITY_ORDER.indexOf(c.severity)]));
const HIGH = SEVERITY_ORDER.indexOf('high');
const MEDIUM = SEVERITY_ORDER.indexOf('medium');
const SHOWN_PER_PAIR = 4;

/** Reads `name from to` lines (`#` comments). */
export function readPairs(text: string): Pair[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [name, from, to] = l.split(/\s+/);
      if (!name || !from || !to) throw new Error(`upgrade pairs: bad line "${l}"`);
      return { name, from, to };
    });
}

/**
 * Whether every new finding has a gone twin with the same capability and API (a multiset match): the
 * shape of a diff whose `low` comes from code that was re-reported rather than added. After matching by
 * what a finding is, what is left of this shape is either a genuine move-and-add or a matching miss.
 */
export function onlyTwins(r: Pick<PairResult, 'newFindings' | 'goneFindings'>): boolean {
  const gone = new Map<string, number>();
  for (const g of r.goneFindings ?? []) gone.set(`${g.capability}\0${g.api}`, (gone.get(`${g.capability}\0${g.api}`) ?? 0) + 1);
  for (const f of r.newFindings ?? []) {
    const k = `${f.capability}\0${f.api}`;
    const n = gone.get(k) ?? 0;
    if (n === 0) return false;
    gone.set(k, n - 1);
  }
  return (r.newFindings ?? []).length > 0;
}

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * The baseline: findings matched by (capability, API, file, excerpt without whitespace), then without
 * the file, as depcaps did before findings were matched by what they are (src/diff/match.ts).
 */
export function literalDiff(from: readonly Finding[], to: readonly Finding[]): { added: Finding[]; gone: Finding[] } {
  const text = (f: Finding) => f.excerpt.replace(/^…|…$/g, '').replace(/\s+/g, '').replace(/;+$/, '');
  let added = [...to];
  let gone = [...from];
  for (const key of [(f: Finding) => `${f.capability}\0${f.api}\0${f.file}\0${text(f)}`, (f: Finding) => `${f.capability}\0${f.api}\0${text(f)}`]) {
    const left = new Map<string, Finding[]>();
    for (const f of gone) left.set(key(f), [...(left.get(key(f)) ?? []), f]);
    added = added.filter((f) => left.get(key(f))?.pop() === undefined);
    gone = [...left.values()].flat();
  }
  return { added, gone };
}

/** Runs the noise benchmark and prints its figures. */
export async function noiseBench(root: string, args: readonly string[]): Promise<void> {
  const at = args.indexOf('--pairs');
  const pairsFile = at !== -1 && args[at + 1] ? resolve(args[at + 1]!) : join(root, 'bench', 'upgrade-pairs.txt');
  const out = args.indexOf('--noise-out');
  const pairs = readPairs(await readFile(pairsFile, 'utf8'));
  const cacheDir = join(root, '.bench-corpus', 'noise-cache');
  const env = process.env;
  const limits = resolveLimits(undefined, env);
  const session = openSession({ cacheDir, onWarning: (m) => process.stderr.write(`warning: ${m}\n`) }, env, limits);
  const results: PairResult[] = [];
  const t0 = performance.now();
  try {
    const byPackage = new Map<string, Pair[]>();
    for (const p of pairs) byPackage.set(p.name, [...(byPackage.get(p.name) ?? []), p]);
    let done = 0;
    for (const [name, list] of byPackage) {
      // One package at a time: its versions' findings are dropped before the next package's are read.
      const options: ScanOptions = { cacheDir, env, limits, pool: session.pool, store: session.store, packumentCache: new Map() };
      const versions = [...new Set(list.flatMap((p) => [p.from, p.to]))];
      const scans = new Map<string, ScanReport | Error>();
      await mapLimit(versions, 3, async (v) => {
        try {
          scans.set(v, await scanPackage(`${name}@${v}`, options));
        } catch (err) {
          scans.set(v, err as Error);
        }
      });
      for (const p of list) {
        const from = scans.get(p.from);
        const to = scans.get(p.to);
        if (!from || !to || from instanceof Error || to instanceof Error) {
          const err = [from, to].find((s): s is Error => s instanceof Error);
          results.push({ ...p, error: err?.message.split('\n')[0] ?? 'not scanned' });
          continue;
        }
        const own = diffOwn(from, to);
        const literal = literalDiff(from.findings, to.findings);
        results.push({
          ...p,
          risk: riskOf(own.added, own.newFindings.length),
          added: own.added,
          newFindings: own.newFindings,
          goneFindings: own.goneFindings,
          partial: own.status !== 'ok',
          literalRisk: riskOf(own.added, literal.added.length),
          literalNew: literal.added,
          literalGone: literal.gone,
        });
      }
      done += list.length;
      process.stderr.write(`noise: ${done}/${pairs.length} pairs (${name})\n`);
    }
  } finally {
    await session.close();
  }
  const ms = performance.now() - t0;
  const ok = results.filter((r) => r.error === undefined);
  const severityOf = (r: PairResult) => Math.max(-1, ...(r.added ?? []).map((c) => SEVERITY.get(c) ?? MEDIUM));
  const high = ok.filter((r) => severityOf(r) >= HIGH);
  const medium = ok.filter((r) => severityOf(r) >= MEDIUM && severityOf(r) < HIGH);
  const low = ok.filter((r) => r.risk === 'low');
  const twins = low.filter(onlyTwins);
  const literalLow = ok.filter((r) => r.literalRisk === 'low');
  const literalTwins = literalLow.filter((r) => onlyTwins({ newFindings: r.literalNew ?? [], goneFindings: r.literalGone ?? [] }));
  const partial = ok.filter((r) => r.partial);
  const line = (r: PairResult) => `${r.name} ${r.from} → ${r.to}`;
  console.log(`noise, ${pairs.length} consecutive releases of ${new Set(pairs.map((p) => p.name)).size} packages (${(ms / 1000).toFixed(0)} s; ${ok.length} diffed, ${results.length - ok.length} failed, ${partial.length} with a partial side):`);
  console.log(`  own-code diffs adding a high-severity capability: ${high.length} of ${ok.length} (target 0)`);
  for (const r of high) console.log(`    ${line(r)}: ${r.added!.join(', ')}`);
  console.log(`  adding a medium one: ${medium.length}${medium.length > 0 ? ` (${medium.map((r) => `${line(r)}: ${r.added!.join(', ')}`).join('; ')})` : ''}`);
  console.log(`  risk low: ${low.length} of ${ok.length}; matching by the excerpt as written (same run): ${literalLow.length}`);
  console.log(`  low only through re-reported code (every new finding has a gone twin of the same capability and API): ${twins.length}; by the excerpt as written: ${literalTwins.length}`);
  for (const r of results.filter((x) => x.error !== undefined)) console.log(`  failed: ${line(r)}: ${r.error}`);
  if (low.length > 0) console.log('  remaining low pairs and their new call sites ("was": a gone finding of the same API in that file):');
  for (const r of low) {
    const news = r.newFindings ?? [];
    console.log(`    ${line(r)}: ${news.length} new${onlyTwins(r) ? ' (each has a gone twin of the same API: rewritten code?)' : ''}`);
    for (const f of news.slice(0, SHOWN_PER_PAIR)) {
      console.log(`      + ${f.capability} ${f.api} ${f.file}:${f.line}  ${cut(f.excerpt, 120)}`);
      const was = (r.goneFindings ?? []).find((g) => g.capability === f.capability && g.api === f.api && g.file === f.file);
      if (was) console.log(`        was ${was.file}:${was.line}  ${cut(was.excerpt, 120)}`);
    }
    if (news.length > SHOWN_PER_PAIR) console.log(`      … and ${news.length - SHOWN_PER_PAIR} more`);
  }
  if (out !== -1 && args[out + 1]) await writeFile(resolve(args[out + 1]!), `${JSON.stringify(results, null, 1)}\n`);
}
