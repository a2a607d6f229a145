import { createHash } from 'node:crypto';
// fetchPackage target kinds (directory, tarball file, single file, npm spec) and
// RELIABILITY.md §3 item 33: hostile names are refused before any URL is built.
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DepcapsError } from '../../src/errors.js';
import { fetchPackage, fetchRegistryPackage, parseRegistrySpec, type FetchOptions } from '../../src/fetch/index.js';
import { DEFAULT_LIMITS, type Limits } from '../../src/limits.js';
import { startRegistry, type LocalRegistry } from '../helpers/local-registry.js';
import { makePackageTarball, makeTar } from '../helpers/make-tarball.js';
import { makeTmpEnv, type TmpEnv } from '../helpers/tmp-env.js';
import { rejection } from '../helpers/rejection.js';

let env: TmpEnv;
beforeEach(() => {
  env = makeTmpEnv();
});
afterEach(() => env.cleanup());

const options = (limits: Partial<Limits> = {}, extra: Partial<FetchOptions> = {}): FetchOptions => ({
  cacheDir: env.cacheDir,
  cwd: env.project,
  env: env.env,
  limits: { ...DEFAULT_LIMITS, ...limits },
  ...extra,
});

function write(rel: string, data: string | Buffer): void {
  const abs = join(env.project, rel);
  mkdirSync(join(abs, '..'), { recursive: true });
  writeFileSync(abs, data);
}

describe('a directory', () => {
  test('every file, recursively, with / paths; node_modules and .git skipped; links reported', async () => {
    write('pkg/package.json', '{"name":"local","version":"3.0.0"}');
    write('pkg/index.js', "require('./lib/a')");
    write('pkg/lib/a.js', "require('fs')");
    write('pkg/node_modules/dep/index.js', "require('net')");
    write('pkg/.git/config', '[core]');
    symlinkSync('/etc/passwd', join(env.project, 'pkg/passwd-link'));
    symlinkSync('lib', join(env.project, 'pkg/lib-link'));
    const pkg = await fetchPackage('pkg', options());
    expect(pkg).toMatchObject({ source: 'directory', spec: 'pkg', name: 'local', version: '3.0.0' });
    expect(pkg.files.map((f) => f.path)).toEqual(['index.js', 'package.json', 'lib/a.js']);
    expect(pkg.anomalies.map((a) => [a.file, a.kind])).toEqual([
      ['lib-link', 'link'],
      ['passwd-link', 'link'],
    ]);
    expect(pkg.bytes).toBe(pkg.files.reduce((n, f) => n + f.data.length, 0));
    expect(pkg.integrity).toBeUndefined();
  });

  test('a FIFO is reported, never opened (opening it would block)', async () => {
    write('pkg/index.js', '1');
    try {
      execFileSync('mkfifo', [join(env.project, 'pkg/pipe')]);
    } catch {
      return; // no mkfifo on this platform
    }
    const pkg = await fetchPackage('pkg', options());
    expect(pkg.anomalies.filter((a) => a.kind !== 'invalid-manifest').map((a) => [a.file, a.kind])).toEqual([['pipe', 'device']]);
    expect(pkg.files.map((f) => f.path)).toEqual(['index.js']);
  });

  test('limits: code over the parse limit is scanned as it streams, too many bytes or entries fail', async () => {
    const big = `require('child_process');${'x'.repeat(5000)}`;
    write('pkg/package.json', '{}');
    write('pkg/big.js', big);
    write('pkg/blob.bin', Buffer.alloc(5000, 7));
    const pkg = await fetchPackage('pkg', options({ maxFileBytes: 1000 }));
    expect(pkg.files.map((f) => [f.path, 'data' in f])).toEqual([['big.js', false], ['blob.bin', false], ['package.json', true]]);
    expect(pkg.errors).toEqual([]);
    const scanned = pkg.files.find((f) => f.path === 'big.js');
    expect(scanned).toMatchObject({ size: big.length, sha256: createHash('sha256').update(big).digest('hex') });
    expect(scanned && 'scanned' in scanned && scanned.scanned).toMatchObject({
      errors: [expect.objectContaining({ file: 'big.js', reason: 'file-too-large' })],
      findings: [expect.objectContaining({ capability: 'shell', line: 1, column: 1, confidence: 'low' })],
    });
    // Not code: summarised whatever its size, never an error.
    expect(pkg.files.find((f) => f.path === 'blob.bin')).toMatchObject({ size: 5000, sha256: createHash('sha256').update(Buffer.alloc(5000, 7)).digest('hex') });
    expect((await rejection(fetchPackage('pkg', options({ maxBytes: 1000 })))).code).toBe('E_TARBALL_LIMIT');
    expect((await rejection(fetchPackage('pkg', options({ maxEntries: 1 })))).code).toBe('E_TARBALL_LIMIT');
  });

  test('directories deeper than maxPathDepth are not entered', async () => {
    write('pkg/a/b.js', '1');
    write('pkg/a/b/c/d.js', '2');
    const pkg = await fetchPackage('pkg', options({ maxPathDepth: 2 }));
    expect(pkg.files.map((f) => f.path)).toEqual(['a/b.js']);
    expect(pkg.anomalies.filter((a) => a.kind === 'depth-limit').map((a) => a.file)).toEqual(['a/b']);
  });

  test('no package.json: the directory name, an invalid-manifest anomaly', async () => {
    write('bare/x.js', '1');
    const pkg = await fetchPackage(join(env.project, 'bare'), options({}, { cwd: '/' }));
    expect(pkg).toMatchObject({ name: 'bare', version: '' });
    expect(pkg.anomalies.map((a) => a.kind)).toEqual(['invalid-manifest']);
  });
});

describe('a tarball file', () => {
  test.each(['pkg.tgz', 'pkg.tar.gz', 'PKG.TGZ'])('%s is read in memory with its sha512 integrity', async (file) => {
    const tgz = makePackageTarball({ 'package.json': '{"name":"tb","version":"0.1.0"}', 'index.js': '1' });
    write(file, tgz);
    const pkg = await fetchPackage(file, options());
    expect(pkg).toMatchObject({ source: 'tarball', name: 'tb', version: '0.1.0' });
    expect(pkg.integrity).toMatch(/^sha512-/);
    expect(pkg.files.map((f) => f.path)).toEqual(['package.json', 'index.js']);
  });

  test('an uncompressed .tar', async () => {
    write('p.tar', makeTar([{ path: 'package/index.js', data: '1' }]));
    const pkg = await fetchPackage('p.tar', options());
    expect(pkg).toMatchObject({ source: 'tarball', name: 'p', version: '' });
  });

  test('an expected integrity is checked', async () => {
    const tgz = makePackageTarball({ 'index.js': '1' });
    write('p.tgz', tgz);
    const ok = await fetchPackage('p.tgz', options());
    expect((await fetchPackage('p.tgz', options({}, { integrity: ok.integrity }))).files).toHaveLength(1);
    const other = (await fetchPackage('p.tgz', options())).integrity?.replace(/^sha512-./, 'sha512-A');
    const err = await rejection(fetchPackage('p.tgz', options({}, { integrity: other ?? '' })));
    expect(err.code).toBe('E_INTEGRITY');
    expect(err.message).toContain('p.tgz');
  });

  test('an HTML page saved as .tgz is E_TARBALL_INVALID', async () => {
    write('fake.tgz', '<html>404</html>');
    expect((await rejection(fetchPackage('fake.tgz', options()))).code).toBe('E_TARBALL_INVALID');
  });
});

describe('a single file', () => {
  test('is a one-file package named after the file', async () => {
    write('tool.js', "require('child_process')");
    const pkg = await fetchPackage('tool.js', options());
    expect(pkg).toMatchObject({ source: 'file', name: 'tool.js', version: '', errors: [], anomalies: [] });
    expect(pkg.files.map((f) => [f.path, 'data' in f && Buffer.from(f.data).toString()])).toEqual([['tool.js', "require('child_process')"]]);
  });

  test('over maxFileBytes: not held, scanned lexically as it streams, with a file-too-large error', async () => {
    write('big.js', `${'x'.repeat(100)}\nprocess.env.TOKEN`);
    const pkg = await fetchPackage('big.js', options({ maxFileBytes: 10 }));
    expect(pkg.files).toEqual([expect.objectContaining({ path: 'big.js', size: 118 })]);
    expect('data' in pkg.files[0]!).toBe(false);
    expect(pkg.errors).toEqual([]);
    expect(pkg.files[0]).toMatchObject({
      scanned: {
        errors: [expect.objectContaining({ file: 'big.js', reason: 'file-too-large' })],
        findings: [expect.objectContaining({ capability: 'env', api: 'process.env', line: 2, column: 1 })],
      },
    });
  });
});

describe('item 33: hostile specs', () => {
  let registry: LocalRegistry;
  beforeEach(async () => {
    registry = await startRegistry({ packages: {} });
  });
  afterEach(async () => {
    await registry.close();
  });

  test.each([
    '../../etc',
    '../../../../../../etc/passwd-does-not-exist',
    '@scope/../x',
    'a'.repeat(215),
    `x@${'1'.repeat(300)}`,
    '%2e%2e',
    'foo@%2e%2e',
    '@acme%2fx',
    '.hidden',
    '_private',
    'node_modules',
    'foo\nbar',
    'foo@1.0.0\u0000',
    'foo\\..\\bar',
    'git+ssh://git@github.com/u/r.git',
    'github:user/repo',
    'https://evil.example/x.tgz',
    'foo@file:../x',
    'foo@npm:bar@1',
    'foo@git+https://x/y.git',
    '@/x',
    '@a/b/c',
    '',
    '   ',
  ])('%j is E_USAGE and no request is made', async (spec) => {
    const err = await rejection(fetchPackage(spec, options({}, { registry: registry.url })));
    expect(err.code).toBe('E_USAGE');
    expect(err.message.length).toBeLessThan(400);
    expect(registry.log).toEqual([]);
  });

  test.each([
    ['left-pad', 'left-pad'],
    ['left-pad@1.0.0', 'left-pad'],
    ['left-pad@^1 || ^2', 'left-pad'],
    ['left-pad@>=1.0.0 <2', 'left-pad'],
    ['@acme/x@latest', '@acme/x'],
    // Upper-case names are legal for packages published before 2017 (JSONStream).
    ['JSONStream@1.3.5', 'JSONStream'],
  ])('%j is a valid registry spec', (spec, name) => {
    expect(parseRegistrySpec(spec).name).toBe(name);
  });

  test('fetchRegistryPackage never reads a path, even one that exists', async () => {
    write('evil/index.js', 'secret');
    const viaRegistry = await rejection(fetchRegistryPackage('evil', options({}, { registry: registry.url, retryMinTimeoutMs: 1 })));
    expect(viaRegistry.code).toBe('E_NOT_FOUND');
    expect((await rejection(fetchRegistryPackage('./evil', options({}, { registry: registry.url })))).code).toBe('E_USAGE');
    expect(registry.log.map((r) => r.url)).toEqual(['/evil', '/evil']);
  });

  test('a valid spec does reach the registry (and is E_NOT_FOUND there)', async () => {
    const err = await rejection(fetchPackage('JSONStream@1.3.5', options({}, { registry: registry.url, retryMinTimeoutMs: 1 })));
    expect(err.code).toBe('E_NOT_FOUND');
    expect(registry.log.map((r) => r.url)).toContain('/JSONStream');
  });
});
