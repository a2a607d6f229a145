/**
 * The cache through the library API (`scanPackage`): package-level reuse (a repeat scan fetches and
 * parses nothing), file-level reuse across versions, invalidation by analyzer version, packument
 * freshness and ETag revalidation against a real registry on 127.0.0.1, --no-cache, --offline, and an
 * unusable cache directory.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DB_FILE, openCache } from '../../cache/open.js';
import type { CatalogIndex } from '../../src/analyze/catalog-index.js';
import { AnalysisPool } from '../../src/analyze/pool.js';
import { DepcapsError } from '../../src/errors.js';
import { resolveLimits } from '../../src/limits.js';
import type { ScanReport } from '../../src/contract/index.js';
import { analyzerVersionOf } from '../../src/commands/scan-cache.js';
import { scanPackage, type ScanOptions } from '../../src/commands/scan.js';
import { packumentPath, startRegistry, tarballPath, type LocalRegistry } from '../helpers/local-registry.js';
import { makePackageTarball } from '../helpers/make-tarball.js';
import { makeTmpEnv, type TmpEnv } from '../helpers/tmp-env.js';

let tmp: TmpEnv;
let pool: AnalysisPool;
let registry: LocalRegistry;
let seq = 0;

/** 20 code files, each with evidence in it, so wrong paths or lost results show in the findings. */
function baseFiles(version: string): Record<string, string> {
  const files: Record<string, string> = { 'package.json': JSON.stringify({ name: 'multi', version }) };
  for (let i = 0; i < 20; i++) {
    files[`lib/f${i}.js`] = i % 2 === 0 ? `const fs = require('fs');\nmodule.exports = () => fs.readFileSync('/data/${i}');\n` : `module.exports = function f${i}() { return process.env.HOME_${i}; };\n`;
  }
  return files;
}

const SIMPLE = {
  'package.json': JSON.stringify({ name: 'simple', version: '1.0.0' }),
  'index.js': "const cp = require('child_process');\ncp.exec('ls');\n",
  'lib/net.js': "require('https').get('https://example.com/');\n",
};

/** A code file of 4,000 bytes (parsed under the default limit, scanned lexically under 1,000). */
const BIG_CODE = {
  'index.js': `module.exports = 1;\n${'// padding\n'.repeat(350)}require('child_process').exec('id');\n`,
};
/** A 3 MiB ELF executable: its header, then bytes no parser reads. */
const ELF = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(3 * 1024 * 1024, 0x90)]);

beforeAll(async () => {
  tmp = makeTmpEnv();
  pool = new AnalysisPool(resolveLimits(), 2);
  registry = await startRegistry({
    packages: {
      'exact-pkg': { versions: { '1.0.0': { files: { 'index.js': "require('net').connect(1);\n" } } } },
      'range-pkg': {
        versions: {
          '1.0.0': { files: { 'index.js': "require('dgram');\n" } },
          '1.2.0': { files: { 'index.js': "require('http').get('http://x.example/');\n" } },
          '2.0.0': { files: { 'index.js': 'module.exports = 2;\n' } },
        },
      },
      'offline-pkg': { versions: { '1.0.0': { files: { 'index.js': "require('fs').writeFileSync('x', 'y');\n" } } } },
      'limit-pkg': { versions: { '1.0.0': { files: BIG_CODE } } },
      'native-pkg': { versions: { '1.0.0': { files: { 'index.js': 'module.exports = 1;\n', 'bin/engine': ELF } } } },
    },
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  await pool.close();
  await registry.close();
  tmp.cleanup();
});

function freshCacheDir(): string {
  return join(tmp.root, `cache-${++seq}`);
}

function writeTarball(files: Record<string, string>): string {
  const file = join(tmp.project, `pkg-${++seq}.tgz`);
  writeFileSync(file, makePackageTarball(files));
  return file;
}

/** scanPackage with this suite's environment, shared pool and fast-failing network limits. */
function scan(target: string, options: ScanOptions): Promise<ScanReport> {
  return scanPackage(target, {
    env: tmp.env,
    cwd: tmp.project,
    pool,
    registry: registry.url,
    limits: { fetchRetries: 0, fetchTimeoutMs: 5000 },
    ...options,
  });
}

/** The report without the fields that legitimately differ between a computed and a cached run. */
function comparable(r: ScanReport): unknown {
  const { ms: _ms, cached: _cached, parsedFiles: _p, reusedFiles: _r, parsedBytes: _pb, tarballBytes: _tb, ...stats } = r.stats;
  return { ...r, stats };
}

describe('package-level reuse', () => {
  it('a re-scan of the same tarball is a cache hit: nothing parsed, identical report', async () => {
    const cacheDir = freshCacheDir();
    const tgz = writeTarball(SIMPLE);
    const analyze = vi.spyOn(pool, 'analyze');
    const first = await scan(tgz, { cacheDir });
    expect(first.stats).toMatchObject({ cached: false, parsedFiles: 2, reusedFiles: 0, tarballBytes: readFileSync(tgz).length });
    expect(first.stats.parsedBytes).toBeGreaterThan(0);
    expect(first.capabilities).toEqual(['network', 'shell']);
    expect(analyze).toHaveBeenCalledTimes(1);

    const second = await scan(tgz, { cacheDir });
    expect(second.stats).toMatchObject({ cached: true, parsedFiles: 0, reusedFiles: 0, parsedBytes: 0 });
    expect(second.stats.tarballBytes).toBeUndefined(); // nothing was read in this run
    expect(analyze).toHaveBeenCalledTimes(1); // the pool never saw the second scan
    expect(second.findings).toEqual(first.findings);
    expect(comparable(second)).toEqual(comparable(first));
  });

  it('name@version: the second scan makes no request at all and is cached', async () => {
    const cacheDir = freshCacheDir();
    const first = await scan('exact-pkg@1.0.0', { cacheDir });
    expect(first.stats.cached).toBe(false);
    expect(first.package.integrity).toBe(registry.integrity('exact-pkg', '1.0.0'));
    expect(registry.requests(tarballPath('exact-pkg', '1.0.0'))).toHaveLength(1);

    const before = registry.log.length;
    const second = await scan('exact-pkg@1.0.0', { cacheDir });
    expect(registry.log.slice(before)).toEqual([]);
    expect(second.stats).toMatchObject({ cached: true, parsedFiles: 0 });
    expect(second.package.source).toBe('registry');
    expect(comparable(second)).toEqual(comparable(first));
  });

  it('name@range: fresh packument reused for 5 minutes, then revalidated with If-None-Match; --refresh revalidates at once (304, no tarball)', async () => {
    const cacheDir = freshCacheDir();
    const route = packumentPath('range-pkg');
    // The local registry sends no validators, so the first answer to OUR packument request is
    // scripted: the real packument body plus an ETag and a Last-Modified.
    const body = await (await fetch(`${registry.url}range-pkg`, { headers: { accept: 'application/json' } })).text();
    registry.setFaults(route, [
      { kind: 'status', status: 200, body, headers: { etag: '"rev-1"', 'last-modified': 'Wed, 01 Jan 2020 00:00:00 GMT' }, times: 1 },
    ]);
    const start = registry.log.length;
    const first = await scan('range-pkg@^1.0.0', { cacheDir });
    expect(first.package.version).toBe('1.2.0');
    expect(first.stats.cached).toBe(false);
    const firstRequests = registry.log.slice(start);
    expect(firstRequests[0]).toMatchObject({ route, status: 200, fault: 'status' });
    expect(firstRequests[0]!.headers['if-none-match']).toBeUndefined();
    expect(firstRequests.filter((r) => r.route === tarballPath('range-pkg', '1.2.0'))).toHaveLength(1);

    // Within 5 minutes: no request, cached.
    let before = registry.log.length;
    const second = await scan('range-pkg@^1.0.0', { cacheDir });
    expect(registry.log.slice(before)).toEqual([]);
    expect(second.stats.cached).toBe(true);
    expect(second.package.version).toBe('1.2.0');

    // --refresh: exactly one conditional packument request, answered 304; the result is still cached.
    registry.setFaults(route, { kind: 'status', status: 304, body: '', headers: { etag: '"rev-1"' } });
    before = registry.log.length;
    const third = await scan('range-pkg@^1.0.0', { cacheDir, refresh: true });
    const refreshed = registry.log.slice(before);
    expect(refreshed).toHaveLength(1);
    expect(refreshed[0]).toMatchObject({ route, status: 304 });
    expect(refreshed[0]!.headers['if-none-match']).toBe('"rev-1"');
    expect(refreshed[0]!.headers['if-modified-since']).toBe('Wed, 01 Jan 2020 00:00:00 GMT');
    expect(third.stats.cached).toBe(true);
    expect(comparable(third)).toEqual(comparable(first));

    // Six minutes later (the stored fetch time moved back): stale, so revalidated once without --refresh,
    // and the 304 makes it fresh again: the next scan asks nothing.
    const db = new Database(join(cacheDir, DB_FILE));
    try {
      expect(db.prepare('UPDATE packuments SET fetched_at = fetched_at - ? WHERE name = ?').run(6 * 60 * 1000, 'range-pkg').changes).toBe(1);
    } finally {
      db.close();
    }
    before = registry.log.length;
    const fourth = await scan('range-pkg@^1.0.0', { cacheDir });
    const stale = registry.log.slice(before);
    expect(stale).toHaveLength(1);
    expect(stale[0]).toMatchObject({ route, status: 304 });
    expect(stale[0]!.headers['if-none-match']).toBe('"rev-1"');
    expect(fourth.stats.cached).toBe(true);
    before = registry.log.length;
    await scan('range-pkg@^1.0.0', { cacheDir });
    expect(registry.log.slice(before)).toEqual([]);
    registry.setFaults(route, []);
  });
});

describe('file-level reuse', () => {
  it('a new version re-parses only changed and added files; a renamed file is reused under its new path', async () => {
    const cacheDir = freshCacheDir();
    const v1 = baseFiles('1.0.0');
    const v2 = baseFiles('1.1.0');
    v2['lib/f3.js'] = "module.exports = () => require('child_process').execSync('id');\n"; // changed
    v2['lib/new.js'] = "module.exports = () => fetch('https://new.example/');\n"; // added
    v2['lib/moved/f4.js'] = v2['lib/f4.js']!; // renamed, same bytes
    delete v2['lib/f4.js'];

    const first = await scan(writeTarball(v1), { cacheDir });
    expect(first.stats).toMatchObject({ cached: false, parsedFiles: 20, reusedFiles: 0 });

    const analyze = vi.spyOn(pool, 'analyze');
    const v2tgz = writeTarball(v2);
    const second = await scan(v2tgz, { cacheDir });
    expect(second.stats).toMatchObject({ cached: false, parsedFiles: 2, reusedFiles: 19 });
    expect(analyze).toHaveBeenCalledTimes(1);
    expect(analyze.mock.calls[0]![0].map((t) => t.path).sort()).toEqual(['lib/f3.js', 'lib/new.js']);

    const clean = await scan(v2tgz, { noCache: true });
    expect(clean.stats).toMatchObject({ parsedFiles: 21, reusedFiles: 0 });
    expect(second.findings).toEqual(clean.findings);
    expect(comparable(second)).toEqual(comparable(clean));
    const moved = second.findings.filter((f) => f.excerpt.includes("'/data/4'"));
    expect(moved.length).toBeGreaterThan(0);
    expect(new Set(moved.map((f) => f.file))).toEqual(new Set(['lib/moved/f4.js']));
    expect(second.findings.some((f) => f.file === 'lib/f4.js')).toBe(false);
    expect(second.capabilities).toEqual(['env', 'filesystem', 'network', 'shell']);
  });
});

describe('invalidation by analyzer version', () => {
  it('the analyzer version feeds the key: A, then B recomputes everything, then A is a hit', async () => {
    const cacheDir = freshCacheDir();
    const tgz = writeTarball(baseFiles('3.0.0'));
    const a = await scan(tgz, { cacheDir, analyzerVersion: 'A' });
    expect(a.stats).toMatchObject({ cached: false, parsedFiles: 20 });
    const b = await scan(tgz, { cacheDir, analyzerVersion: 'B' });
    expect(b.stats).toMatchObject({ cached: false, parsedFiles: 20, reusedFiles: 0 });
    expect(b.findings).toEqual(a.findings);
    const again = await scan(tgz, { cacheDir, analyzerVersion: 'A' });
    expect(again.stats).toMatchObject({ cached: true, parsedFiles: 0 });
    // Without an override the real analyzer version is used: neither A's nor B's results apply.
    const real = await scan(tgz, { cacheDir });
    expect(real.stats).toMatchObject({ cached: false, parsedFiles: 20 });
  });

  it('the real analyzer version changes with the catalog version', () => {
    const of = (version: string) => analyzerVersionOf({ version } as CatalogIndex);
    expect(of('catalog-1')).toMatch(/^[0-9a-f]{16}$/);
    expect(of('catalog-1')).toBe(of('catalog-1'));
    expect(of('catalog-2')).not.toBe(of('catalog-1'));
  });
});

describe('--no-cache and --offline', () => {
  it('noCache neither writes (no cache.db is created) nor reads (a warm cache is ignored, left unchanged)', async () => {
    const cold = freshCacheDir();
    const tgz = writeTarball(SIMPLE);
    const r = await scan(tgz, { cacheDir: cold, noCache: true });
    expect(r.stats.cached).toBe(false);
    expect(existsSync(cold)).toBe(false); // not even the directory

    const warm = freshCacheDir();
    await scan(tgz, { cacheDir: warm });
    const info = () => {
      const o = openCache(warm);
      try {
        return o.store!.info();
      } finally {
        o.store?.close();
      }
    };
    const before = info();
    expect(before.packages).toBe(1);
    const unread = await scan(tgz, { cacheDir: warm, noCache: true });
    expect(unread.stats).toMatchObject({ cached: false, parsedFiles: 2, reusedFiles: 0 });
    const other = await scan(writeTarball({ ...SIMPLE, 'extra.js': 'eval(x);\n' }), { cacheDir: warm, noCache: true });
    expect(other.stats.cached).toBe(false);
    expect(info()).toMatchObject({ packages: before.packages, files: before.files, versions: before.versions });
  });

  it('offline with a cold cache: E_NOT_FOUND naming --offline, and no request', async () => {
    const cacheDir = freshCacheDir();
    const before = registry.log.length;
    let error: unknown;
    try {
      await scan('offline-pkg@^1.0.0', { cacheDir, offline: true });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DepcapsError);
    expect((error as DepcapsError).code).toBe('E_NOT_FOUND');
    expect((error as DepcapsError).message).toMatch(/--offline/);
    expect((error as DepcapsError).message).toContain('offline-pkg');
    expect(registry.log.slice(before)).toEqual([]);
  });

  it('offline with a warm cache: the range and the exact version are answered with zero requests', async () => {
    const cacheDir = freshCacheDir();
    const online = await scan('offline-pkg@^1.0.0', { cacheDir });
    expect(online.stats.cached).toBe(false);
    const before = registry.log.length;
    const range = await scan('offline-pkg@^1.0.0', { cacheDir, offline: true });
    const exact = await scan('offline-pkg@1.0.0', { cacheDir, offline: true });
    expect(registry.log.slice(before)).toEqual([]);
    for (const r of [range, exact]) {
      expect(r.stats.cached).toBe(true);
      expect(comparable(r)).toEqual(comparable(online));
    }
    // Offline ignores freshness: a packument stored long ago still answers.
    const db = new Database(join(cacheDir, DB_FILE));
    try {
      db.prepare('UPDATE packuments SET fetched_at = 0').run();
    } finally {
      db.close();
    }
    expect((await scan('offline-pkg@^1.0.0', { cacheDir, offline: true })).stats.cached).toBe(true);
    expect(registry.log.slice(before)).toEqual([]);
  });
});

describe('results, not tarballs', () => {
  it('offline after an analyzer upgrade: nothing to serve, and the message says the network is needed', async () => {
    const cacheDir = freshCacheDir();
    await scan('offline-pkg@1.0.0', { cacheDir, analyzerVersion: 'analyzer-A' });
    const before = registry.log.length;
    const err = await scan('offline-pkg@1.0.0', { cacheDir, analyzerVersion: 'analyzer-B', offline: true }).catch((e: unknown) => e as DepcapsError);
    expect(err).toBeInstanceOf(DepcapsError);
    expect((err as DepcapsError).code).toBe('E_REGISTRY');
    expect((err as DepcapsError).message).toContain('offline-pkg@1.0.0');
    expect((err as DepcapsError).message).toContain('keeps analysis results, not tarballs');
    expect((err as DepcapsError).hint).toMatch(/upgrade.*needs the network/);
    expect(registry.log.slice(before)).toEqual([]);
    expect(readdirSync(cacheDir).filter((n) => !n.startsWith(DB_FILE))).toEqual([]);
  });

  it('the lockfile integrity finds a result offline even without the version mapping', async () => {
    const cacheDir = freshCacheDir();
    const online = await scan('exact-pkg@1.0.0', { cacheDir });
    const db = new Database(join(cacheDir, DB_FILE));
    try {
      db.prepare('DELETE FROM versions').run();
    } finally {
      db.close();
    }
    const before = registry.log.length;
    const offline = await scan('exact-pkg@1.0.0', { cacheDir, offline: true, integrity: registry.integrity('exact-pkg', '1.0.0') });
    expect(offline.stats.cached).toBe(true);
    expect(comparable(offline)).toEqual(comparable(online));
    expect(registry.log.slice(before)).toEqual([]);
  });

  it('--max-file-bytes: a partial result of a smaller limit is not served under a larger one', async () => {
    const cacheDir = freshCacheDir();
    const small = await scan('limit-pkg@1.0.0', { cacheDir, limits: { maxFileBytes: 1000 } });
    expect(small.status).toBe('partial');
    expect(small.errors).toEqual([expect.objectContaining({ file: 'index.js', reason: 'file-too-large' })]);
    // The lexical scan still found the call, at its line.
    expect(small.findings).toEqual([expect.objectContaining({ capability: 'shell', file: 'index.js', line: 352, confidence: 'low' })]);
    expect((await scan('limit-pkg@1.0.0', { cacheDir, limits: { maxFileBytes: 1000 } })).stats.cached).toBe(true);
    expect((await scan('limit-pkg@1.0.0', { cacheDir, limits: { maxFileBytes: 500 } })).stats.cached).toBe(true);

    const large = await scan('limit-pkg@1.0.0', { cacheDir, limits: { maxFileBytes: 10_000 } });
    expect(large.stats.cached).toBe(false);
    expect(large.status).toBe('ok');
    expect(large.findings).toEqual(expect.arrayContaining([expect.objectContaining({ capability: 'shell', api: 'child_process.exec', line: 352, confidence: 'high' })]));
    // The full result replaced the partial one; it is what every limit gets now.
    const again = await scan('limit-pkg@1.0.0', { cacheDir, limits: { maxFileBytes: 1000 } });
    expect(again.stats.cached).toBe(true);
    expect(again.status).toBe('ok');
  });

  it('a binary far over the parse limit is native, and the package ok', async () => {
    const report = await scan('native-pkg@1.0.0', { cacheDir: freshCacheDir(), limits: { maxFileBytes: 64 * 1024 } });
    expect(report.status).toBe('ok');
    expect(report.errors).toEqual([]);
    expect(report.capabilities).toEqual(['native']);
    expect(report.findings).toEqual([expect.objectContaining({ capability: 'native', api: 'ELF binary', file: 'bin/engine', excerpt: `ELF binary (${ELF.length} bytes)` })]);
    expect(report.stats.files).toBe(3);
    expect(report.stats.bytes).toBeGreaterThan(ELF.length);
  });
});

describe('an unusable cache directory', () => {
  it('parent is a regular file: one warning naming the path, and the same report as an uncached scan', async () => {
    const parent = join(tmp.root, `plain-file-${++seq}`);
    writeFileSync(parent, 'x');
    const cacheDir = join(parent, 'depcaps');
    const tgz = writeTarball(SIMPLE);
    const warnings: string[] = [];
    const r = await scan(tgz, { cacheDir, onWarning: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^cache disabled: cannot create .*running uncached$/);
    expect(warnings[0]).toContain(cacheDir);
    const clean = await scan(tgz, { noCache: true });
    expect(comparable(r)).toEqual(comparable(clean));
    expect(r.stats).toMatchObject({ cached: false, parsedFiles: 2 });
    expect(readFileSync(parent, 'utf8')).toBe('x');
  });
});
