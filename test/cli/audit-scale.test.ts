/**
 * `depcaps audit` at scale: a 2,000-entry package-lock.json synthesized against a real registry on
 * 127.0.0.1 (1,900 packages, 100 of them also nested at a second version). Proves bounded fetch
 * concurrency, progress that counts every package exactly once, correct per-package results, and a
 * second run (through the CLI, with a TTY progress bar) that is served from the cache without a request.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLockfile, type AuditProgress, type AuditReport } from '../../src/commands/audit.js';
import { run } from '../../src/cli/index.js';
import { startRegistry, tarballPath, type LocalRegistry, type RegistryPackage } from '../helpers/local-registry.js';
import { makeTmpEnv, type TmpEnv } from '../helpers/tmp-env.js';

const PACKAGES = 1_900;
const NESTED = 100;
const CONCURRENCY = 6;

const name = (i: number) => `pkg-${String(i).padStart(4, '0')}`;

/** What package i does, and so which capabilities it must be reported with. */
function source(i: number, major: number): { code: string; caps: string[] } {
  if (i % 7 === 0) return { code: `module.exports = (u) => require('https').get(u); // v${major}\n`, caps: ['network'] };
  if (i % 11 === 0) return { code: `const { exec: run } = require('child_process');\nmodule.exports = () => run('ls'); // v${major}\n`, caps: ['shell'] };
  if (i % 13 === 0) return { code: `module.exports = process.env['HOME' + ${major}];\n`, caps: ['env'] };
  return { code: `module.exports = (a) => a + ${i * 10 + major};\n`, caps: [] };
}

let tmp: TmpEnv;
let registry: LocalRegistry;
let lockPath: string;
const expected = new Map<string, string[]>();

beforeAll(async () => {
  tmp = makeTmpEnv({ DEPCAPS_FETCH_RETRIES: '0' });
  const packages: Record<string, RegistryPackage> = {};
  for (let i = 0; i < PACKAGES; i++) {
    const versions: RegistryPackage['versions'] = { '1.0.0': { files: { 'index.js': source(i, 1).code } } };
    expected.set(`${name(i)}@1.0.0`, source(i, 1).caps);
    if (i < NESTED) {
      versions['2.0.0'] = { files: { 'index.js': source(i, 2).code } };
      expected.set(`${name(i)}@2.0.0`, source(i, 2).caps);
    }
    packages[name(i)] = { versions };
  }
  registry = await startRegistry({ packages });
  // Some tarballs answer slowly, so the fetches overlap and the concurrency bound is actually exercised.
  for (let i = 0; i < 120; i++) registry.setFaults(tarballPath(name(i), '1.0.0'), { kind: 'delay', ms: 100 });
  // npm v3 layout: every package hoisted at 1.0.0; the first 100 also nested at 2.0.0 under the next one.
  const entries: Record<string, unknown> = {
    '': { name: 'big-app', version: '1.0.0', dependencies: Object.fromEntries([...Array(PACKAGES).keys()].map((i) => [name(i), '^1.0.0'])) },
  };
  const entry = (n: string, v: string, dev: boolean) => ({
    version: v,
    resolved: registry.tarballUrl(n, v),
    integrity: registry.integrity(n, v),
    ...(dev ? { dev: true } : {}),
  });
  for (let i = 0; i < PACKAGES; i++) entries[`node_modules/${name(i)}`] = entry(name(i), '1.0.0', i % 5 === 0);
  for (let i = 0; i < NESTED; i++) entries[`node_modules/${name(i + 1)}/node_modules/${name(i)}`] = entry(name(i), '2.0.0', (i + 1) % 5 === 0);
  lockPath = join(tmp.project, 'package-lock.json');
  writeFileSync(lockPath, JSON.stringify({ name: 'big-app', version: '1.0.0', lockfileVersion: 3, requires: true, packages: entries }, null, 2));
}, 120_000);

afterAll(async () => {
  await registry?.close();
  tmp?.cleanup();
});

describe('audit of a 2,000-entry lockfile', () => {
  let cold: AuditReport;
  const progress: AuditProgress[] = [];

  it('audits every entry once, with bounded fetch concurrency and exact progress', async () => {
    cold = await auditLockfile(lockPath, {
      env: tmp.env,
      cwd: tmp.project,
      registry: registry.url,
      concurrency: CONCURRENCY,
      onProgress: (p) => progress.push({ ...p }),
    });
    expect(cold.summary).toMatchObject({ packages: PACKAGES + NESTED, analyzed: PACKAGES + NESTED, errors: 0, partial: 0, cached: 0 });
    // Every entry, with the capabilities its code has.
    const got = new Map(cold.packages.map((p) => [`${p.name}@${p.version}`, p.capabilities]));
    expect(got.size).toBe(expected.size);
    for (const [id, caps] of expected) expect(got.get(id), id).toEqual(caps);
    expect(cold.summary.capabilities).toEqual({
      env: [...expected.values()].filter((c) => c[0] === 'env').length,
      network: [...expected.values()].filter((c) => c[0] === 'network').length,
      shell: [...expected.values()].filter((c) => c[0] === 'shell').length,
    });
    const dev = cold.packages.filter((p) => p.dev);
    expect(dev.length).toBe(PACKAGES / 5 + NESTED / 5);
    // Each tarball fetched exactly once; never more than --concurrency at a time, and the bound is used.
    const tarballs = registry.log.filter((r) => r.route.includes('/-/'));
    expect(tarballs).toHaveLength(PACKAGES + NESTED);
    expect(new Set(tarballs.map((r) => r.route)).size).toBe(PACKAGES + NESTED);
    expect(registry.peakInFlight('tarball')).toBeLessThanOrEqual(CONCURRENCY);
    expect(registry.peakInFlight('tarball')).toBeGreaterThanOrEqual(CONCURRENCY - 2);
    // Progress: one event per package, done counting 1..N, total constant, every package named once.
    expect(progress.map((p) => p.done)).toEqual([...Array(PACKAGES + NESTED).keys()].map((i) => i + 1));
    expect(new Set(progress.map((p) => p.total))).toEqual(new Set([PACKAGES + NESTED]));
    expect(new Set(progress.map((p) => p.current)).size).toBe(PACKAGES + NESTED);
    expect(progress.at(-1)!.cached).toBe(0);
  }, 300_000);

  it('a second run through the CLI comes from the cache: no request, same report, a progress bar on a TTY', async () => {
    const before = registry.log.length;
    let stdout = '';
    let stderr = '';
    const code = await run(['node', 'depcaps', 'audit', lockPath, '--registry', registry.url, '--concurrency', String(CONCURRENCY), '--json', '--allow-missing'], {
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      stdoutIsTTY: false,
      stderrIsTTY: true,
      env: tmp.env,
    });
    expect(code, stderr).toBe(0);
    expect(stderr).toBe(''); // --json: quiet even on a TTY
    const warm = JSON.parse(stdout) as AuditReport;
    expect(registry.log.length).toBe(before);
    expect(warm.summary.cached).toBe(PACKAGES + NESTED);
    const strip = (r: AuditReport) => r.packages.map(({ cached: _cached, tarballBytes: _t, parsedBytes: _p, ...rest }) => rest);
    expect(strip(warm)).toEqual(strip(cold));

    stderr = '';
    const text = await run(['node', 'depcaps', 'audit', lockPath, '--registry', registry.url, '--allow-missing'], {
      stdout: () => {},
      stderr: (t) => void (stderr += t),
      stdoutIsTTY: false,
      stderrIsTTY: true,
      env: tmp.env,
    });
    expect(text).toBe(0);
    // Throttled redraws (not one per package), the last one complete, cleared before the report.
    const draws = stderr.split('\r\u001b[2K').filter(Boolean);
    expect(draws.length).toBeGreaterThan(0);
    expect(draws.length).toBeLessThan(200);
    expect(draws.at(-1)).toMatch(/^\[#{24}\] 2000\/2000 · 2000 cached · pkg-\d{4}@[12]\.0\.0$/);
    expect(stderr.endsWith('\r\u001b[2K')).toBe(true);
  }, 120_000);
});
