/**
 * Gate benchmark: a pull request that changes 20 packages (15 upgrades, 5 new packages) of the
 * ~1,000-entry bench lockfile. The base lockfile is the bench app's with 15 packages moved back to
 * their previous published version and 5 packages taken out. Timed with an empty cache (cold) and
 * again (warm; target ≤ 2 s).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pacote from 'pacote';
import semver from 'semver';
import { runGate } from '../src/commands/gate.js';
import { benchLockfile } from './audit.js';

interface Entry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
}

/** Writes the base lockfile: `upgrades` packages one version back, `added` packages removed. */
async function makeBase(headPath: string, dir: string, upgrades: number, added: number): Promise<string[]> {
  const lock = JSON.parse(readFileSync(headPath, 'utf8')) as { packages: Record<string, Entry> };
  // Top-level, non-dev-tooling-specific picks spread over the alphabet, deterministic.
  const top = Object.keys(lock.packages).filter((k) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(k)).sort();
  const step = Math.floor(top.length / (upgrades + added));
  const picked: string[] = [];
  let downgraded = 0;
  let removed = 0;
  for (let i = 0; i < top.length && downgraded + removed < upgrades + added; i += step) {
    const key = top[i]!;
    const name = key.slice('node_modules/'.length);
    const entry = lock.packages[key]!;
    if (removed < added && (downgraded + removed) % 4 === 1) {
      delete lock.packages[key];
      removed++;
      picked.push(`+ ${name}@${entry.version}`);
      continue;
    }
    const packument = await pacote.packument(name, {});
    const previous = semver.maxSatisfying(Object.keys(packument.versions), `<${entry.version}`);
    if (!previous) continue;
    const manifest = await pacote.manifest(`${name}@${previous}`, {});
    lock.packages[key] = { ...entry, version: previous, resolved: manifest._resolved, integrity: manifest._integrity };
    downgraded++;
    picked.push(`↑ ${name} ${previous} → ${entry.version}`);
  }
  writeFileSync(join(dir, 'base-lock.json'), JSON.stringify(lock, null, 2));
  return picked;
}

/** Runs the gate benchmark and prints its figures. */
export async function gateBench(root: string): Promise<void> {
  const headPath = benchLockfile(root);
  const dir = mkdtempSync(join(tmpdir(), 'depcaps-bench-gate-'));
  const cacheDir = join(dir, 'cache');
  try {
    copyFileSync(join(dirname(headPath), 'package.json'), join(dir, 'package.json'));
    copyFileSync(headPath, join(dir, 'package-lock.json'));
    const picked = await makeBase(headPath, dir, 15, 5);
    const run = async () => {
      const t0 = performance.now();
      const report = await runGate({ base: join(dir, 'base-lock.json'), head: join(dir, 'package-lock.json'), cwd: dir, cacheDir });
      return { ms: performance.now() - t0, report };
    };
    const cold = await run();
    const warm = await run();
    const s = warm.report.summary;
    const changed = s.added + s.upgraded + s.downgraded + s.changed + s.removed;
    console.log(`gate, ${changed} changed packages (${s.upgraded} upgraded, ${s.added} added) in a ${warm.report.head.packages}-package lockfile: cold ${(cold.ms / 1000).toFixed(1)} s, warm ${(warm.ms / 1000).toFixed(2)} s (target ≤ 2 s); ${s.violations} violations with no policy`);
    if (changed !== picked.length) console.log(`  (picked: ${picked.join(', ')})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
