/**
 * `depcaps cache info|clear|prune` end-to-end, and where the cache lives: --cache-dir, else
 * DEPCAPS_CACHE_DIR, else $XDG_CACHE_HOME/depcaps, else ~/.cache/depcaps.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_FILE, openCache } from '../../cache/open.js';
import type { CacheInfo } from '../../cache/store.js';
import type { ScanReport } from '../../src/contract/index.js';
import { startRegistry, type LocalRegistry } from '../helpers/local-registry.js';
import { makePackageTarball } from '../helpers/make-tarball.js';
import { parseJson, runCli, type CliResult } from '../helpers/run-cli.js';
import { listDir, makeTmpEnv, type TmpEnv } from '../helpers/tmp-env.js';

type Info = CacheInfo & { currentAnalyzer: string };
type Removed = { removed: { packages: number; files: number; packuments: number; legacyTarballBytes?: number } };

/** What depcaps before streaming left in the cache dir: pacote's content cache. Returns its bytes. */
function legacyTarballCache(cacheDir: string): number {
  const blob = join(cacheDir, 'pacote', '_cacache', 'content-v2', 'sha512', 'ab');
  mkdirSync(blob, { recursive: true });
  writeFileSync(join(blob, 'cdef'), Buffer.alloc(40_000));
  return 40_000;
}

const FILES = {
  'package.json': JSON.stringify({ name: 'cmd-pkg', version: '1.0.0' }),
  'index.js': "require('child_process').exec('ls');\n",
  'lib/a.js': "module.exports = require('fs').readFileSync('x');\n",
};

const envs: TmpEnv[] = [];
let registry: LocalRegistry;

beforeAll(async () => {
  registry = await startRegistry({ packages: { 'reg-pkg': { versions: { '1.0.0': { files: { 'index.js': "require('net');\n" } } } } } });
});

afterAll(async () => {
  await registry.close();
  for (const e of envs) e.cleanup();
});

function newEnv(): { tmp: TmpEnv; tgz: string } {
  const tmp = makeTmpEnv();
  envs.push(tmp);
  const tgz = join(tmp.project, 'pkg.tgz');
  writeFileSync(tgz, makePackageTarball(FILES));
  return { tmp, tgz };
}

function cli(tmp: TmpEnv, args: string[], env: NodeJS.ProcessEnv = tmp.env): Promise<CliResult> {
  return runCli(args, { env, cwd: tmp.project, timeoutMs: 30_000 });
}

async function info(tmp: TmpEnv, extra: string[] = [], env?: NodeJS.ProcessEnv): Promise<Info> {
  const r = await cli(tmp, ['cache', 'info', '--json', ...extra], env);
  expect(r.code, r.stderr).toBe(0);
  return parseJson<Info>(r);
}

describe('depcaps cache info / clear / prune', () => {
  it('info after scans: path, counts, the current analyzer; text form too', async () => {
    const { tmp, tgz } = newEnv();
    const scans = await Promise.all([cli(tmp, ['scan', tgz, '--json']), cli(tmp, ['scan', 'reg-pkg@^1.0.0', '--json', '--registry', registry.url])]);
    for (const s of scans) expect(s.code, s.stderr).toBe(0);
    const i = await info(tmp);
    expect(i.path).toBe(join(tmp.cacheDir, DB_FILE));
    expect(i).toMatchObject({ packages: 2, files: 3, packuments: 1, versions: 1 });
    expect(i.bytes).toBeGreaterThan(0);
    expect(i.currentAnalyzer).toMatch(/^[0-9a-f]{16}$/);
    expect(i.analyzers).toEqual([{ analyzer: i.currentAnalyzer, packages: 2, files: 3 }]);

    const text = await cli(tmp, ['cache', 'info']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`path        ${join(tmp.cacheDir, DB_FILE)}`);
    expect(text.stdout).toMatch(/^packages {4}2$/m);
    expect(text.stdout).toMatch(new RegExp(`^analyser {4}${i.currentAnalyzer} \\(current\\)$`, 'm'));
  });

  it('clear removes every row (and an old tarball cache); the next scan recomputes', async () => {
    const { tmp, tgz } = newEnv();
    await Promise.all([cli(tmp, ['scan', tgz, '--json']), cli(tmp, ['scan', 'reg-pkg@1.0.0', '--json', '--registry', registry.url])]);
    // Scans keep results only: the database and nothing else.
    expect(listDir(tmp.cacheDir).filter((n) => !n.startsWith(DB_FILE))).toEqual([]);
    legacyTarballCache(tmp.cacheDir);
    const r = await cli(tmp, ['cache', 'clear', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(parseJson<Removed>(r).removed).toEqual({ packages: 2, files: 3, packuments: 0 });
    expect(await info(tmp)).toMatchObject({ packages: 0, files: 0, packuments: 0, versions: 0, analyzers: [] });
    expect(listDir(tmp.cacheDir)).not.toContain('pacote');
    const again = parseJson<ScanReport>(await cli(tmp, ['scan', tgz, '--json']));
    expect(again.stats).toMatchObject({ cached: false, parsedFiles: 2 });
  });

  it('prune --older-than 30d keeps recent results of this analyzer and drops other analyzers; 0s drops everything', async () => {
    const { tmp, tgz } = newEnv();
    for (const s of await Promise.all([cli(tmp, ['scan', tgz, '--json']), cli(tmp, ['scan', 'reg-pkg@^1.0.0', '--json', '--registry', registry.url])])) {
      expect(s.code, s.stderr).toBe(0);
    }
    // A result of another (older) analyzer, used just now: prune drops it whatever its age.
    const o = openCache(tmp.cacheDir);
    o.store!.putPackage({ integrity: 'sha512-stale', analyzer: 'stale-analyzer', name: 'old', version: '0.0.1', report: {}, files: [{ sha256: 'a'.repeat(64), mode: 'js', result: {} }] });
    o.store!.close();
    const before = await info(tmp);
    expect(before).toMatchObject({ packages: 3, files: 4, packuments: 1 });

    const month = await cli(tmp, ['cache', 'prune', '--older-than', '30d', '--json']);
    expect(month.code, month.stderr).toBe(0);
    expect(parseJson<Removed>(month).removed).toEqual({ packages: 1, files: 1, packuments: 0, legacyTarballBytes: 0 });
    const after = await info(tmp);
    expect(after).toMatchObject({ packages: 2, files: 3, packuments: 1, versions: 1 });
    expect(after.analyzers.map((a) => a.analyzer)).toEqual([after.currentAnalyzer]);
    // What survived is still served from the cache.
    expect(parseJson<ScanReport>(await cli(tmp, ['scan', tgz, '--json'])).stats.cached).toBe(true);

    const now = await cli(tmp, ['cache', 'prune', '--older-than', '0s', '--json']);
    expect(now.code, now.stderr).toBe(0);
    expect(parseJson<Removed>(now).removed).toEqual({ packages: 2, files: 3, packuments: 1, legacyTarballBytes: 0 });
    expect(await info(tmp)).toMatchObject({ packages: 0, files: 0, packuments: 0, versions: 0 });

    const text = await cli(tmp, ['cache', 'prune']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe('removed 0 packages, 0 files, 0 packuments\n');
  });

  it('info reports everything on disk; prune removes the tarball cache an older depcaps left', async () => {
    const { tmp, tgz } = newEnv();
    expect((await cli(tmp, ['scan', tgz, '--json'])).code).toBe(0);
    const clean = await info(tmp);
    expect(clean.breakdown).toMatchObject({ legacyTarballCache: 0, other: 0 });
    expect(clean.bytes).toBe(clean.breakdown.database);
    const legacy = legacyTarballCache(tmp.cacheDir);
    const before = await info(tmp);
    expect(before.breakdown.legacyTarballCache).toBe(legacy);
    expect(before.bytes).toBeGreaterThanOrEqual(clean.bytes + legacy - 64 * 1024);
    const text = await cli(tmp, ['cache', 'info']);
    expect(text.stdout).toMatch(/^size {8}[\d.]+ (KiB|MiB) on disk: results [\d.]+ (KiB|MiB), old tarball cache 39\.1 KiB \(`depcaps cache prune` removes it\)$/m);
    const pruned = await cli(tmp, ['cache', 'prune']);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toBe('removed 0 packages, 0 files, 0 packuments, and the old tarball cache (39.1 KiB)\n');
    expect(listDir(tmp.cacheDir)).not.toContain('pacote');
    expect((await info(tmp)).breakdown.legacyTarballCache).toBe(0);
    // The results are still there.
    expect(parseJson<ScanReport>(await cli(tmp, ['scan', tgz, '--json'])).stats.cached).toBe(true);
  });

  it('prune --older-than bogus is a usage error (exit 2) and touches no cache', async () => {
    const { tmp } = newEnv();
    const dir = join(tmp.root, 'never-created');
    const r = await cli(tmp, ['cache', 'prune', '--older-than', 'bogus', '--cache-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/--older-than takes an age such as 30d.*"bogus"/);
    expect(existsSync(dir)).toBe(false);
  });

  it('cache info on an unusable cache directory: the warning, then E_CACHE (exit 3)', async () => {
    const { tmp } = newEnv();
    const file = join(tmp.root, 'a-file');
    writeFileSync(file, 'x');
    const r = await cli(tmp, ['cache', 'info', '--cache-dir', join(file, 'depcaps')]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`depcaps: warning: cache disabled: cannot create ${join(file, 'depcaps')}`);
    expect(r.stderr).toContain('cannot be used');
  });
});

describe('where the cache lives', () => {
  it('only XDG_CACHE_HOME set: $XDG_CACHE_HOME/depcaps/cache.db', async () => {
    const { tmp, tgz } = newEnv();
    const { DEPCAPS_CACHE_DIR: _d, ...env } = tmp.env;
    const r = await cli(tmp, ['scan', tgz, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const xdg = join(tmp.env['XDG_CACHE_HOME']!, 'depcaps');
    expect(existsSync(join(xdg, DB_FILE))).toBe(true);
    expect(existsSync(join(tmp.cacheDir, DB_FILE))).toBe(false);
    expect(existsSync(join(tmp.home, '.cache'))).toBe(false);
    expect((await info(tmp, [], env)).path).toBe(join(xdg, DB_FILE));
    expect(parseJson<ScanReport>(await cli(tmp, ['scan', tgz, '--json'], env)).stats.cached).toBe(true);
  });

  it('neither DEPCAPS_CACHE_DIR nor XDG_CACHE_HOME: ~/.cache/depcaps/cache.db', async () => {
    const { tmp, tgz } = newEnv();
    const { DEPCAPS_CACHE_DIR: _d, XDG_CACHE_HOME: _x, ...env } = tmp.env;
    const r = await cli(tmp, ['scan', tgz, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(tmp.home, '.cache', 'depcaps', DB_FILE))).toBe(true);
    expect(listDir(tmp.env['XDG_CACHE_HOME']!)).toEqual([]);
    expect(existsSync(join(tmp.cacheDir, DB_FILE))).toBe(false);
  });

  it('DEPCAPS_CACHE_DIR wins over XDG_CACHE_HOME, and --cache-dir wins over both', async () => {
    const { tmp, tgz } = newEnv();
    const xdgDb = join(tmp.env['XDG_CACHE_HOME']!, 'depcaps', DB_FILE);
    expect((await cli(tmp, ['scan', tgz, '--json'])).code).toBe(0);
    expect(existsSync(join(tmp.cacheDir, DB_FILE))).toBe(true);
    expect(existsSync(xdgDb)).toBe(false);

    const explicit = join(tmp.root, 'explicit');
    mkdirSync(explicit);
    const r = await cli(tmp, ['scan', tgz, '--json', '--cache-dir', explicit]);
    expect(r.code, r.stderr).toBe(0);
    // A cold cache there, although the DEPCAPS_CACHE_DIR cache holds this tarball.
    expect(parseJson<ScanReport>(r).stats.cached).toBe(false);
    expect(existsSync(join(explicit, DB_FILE))).toBe(true);
    expect(existsSync(xdgDb)).toBe(false);
    expect((await info(tmp, ['--cache-dir', explicit])).packages).toBe(1);
    expect((await info(tmp)).path).toBe(join(tmp.cacheDir, DB_FILE));
  });
});
