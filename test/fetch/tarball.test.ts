// RELIABILITY.md §3 items 5–10: hostile paths, links, depth, duplicates, non-archives, truncation.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import zlib from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { DepcapsError } from '../../src/errors.js';
import { normaliseEntryPath, readTarball } from '../../src/fetch/tarball.js';
import type { PackageFile } from '../../src/fetch/types.js';
import { DEFAULT_LIMITS, type Limits } from '../../src/limits.js';
import { makePackageTarball, makeTar, makeTgz, truncate } from '../helpers/make-tarball.js';
import { listDir } from '../helpers/tmp-env.js';
import { rejection } from '../helpers/rejection.js';

const limits = (o: Partial<Limits> = {}): Limits => ({ ...DEFAULT_LIMITS, ...o });
const read = (data: Buffer, o: Partial<Limits> = {}) => readTarball(data, { label: 'pkg@1.0.0', limits: limits(o) });
/** A file's text when it was held whole; a summarised one by its hash (`sha256:…`): what was read either way. */
const content = (f: PackageFile): string => ('data' in f ? Buffer.from(f.data).toString() : `sha256:${f.sha256}`);
const sha256 = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

describe('normaliseEntryPath', () => {
  test.each([
    ['package/index.js', 'index.js', undefined],
    ['package/lib/./a//b.js', 'lib/a/b.js', undefined],
    ['anything/index.js', 'index.js', undefined],
    ['package\\lib\\x.js', 'lib/x.js', undefined],
    ['package/a/../b.js', 'b.js', undefined],
    ['package/../../evil.js', '__escaped__/evil.js', 'climbs'],
    ['package/a/../../../b.js', '__escaped__/b.js', 'climbs'],
    ['/etc/cron.d/x', '__escaped__/etc/cron.d/x', 'root'],
    ['///etc/x', '__escaped__/etc/x', 'root'],
    ['C:\\x.js', '__escaped__/x.js', 'root'],
    ['C:../x.js', '__escaped__/x.js', 'root'],
    ['c:/c:/x.js', '__escaped__/x.js', 'root'],
    ['index.js', '__escaped__/index.js', 'not inside'],
  ])('%s → %s', (raw, path, escape) => {
    const norm = normaliseEntryPath(raw, 1024);
    expect(norm.path).toBe(path);
    if (escape === undefined) expect(norm.escape).toBeUndefined();
    else expect(norm.escape).toContain(escape);
  });

  test('the package directory itself is the root', () => {
    expect(normaliseEntryPath('package/', 1024)).toMatchObject({ path: '', isRoot: true });
  });
});

describe('readTarball', () => {
  test('reads a normal package as it streams: code and the manifest whole, other files summarised', async () => {
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(100)]);
    const out = await read(makePackageTarball({ 'package.json': '{"name":"a"}', 'lib/index.js': 'module.exports = 1', 'empty.js': '', 'README.md': '# a', 'bin/tool': elf }));
    expect(out.files.map((f) => [f.path, content(f)])).toEqual([
      ['package.json', '{"name":"a"}'],
      ['lib/index.js', 'module.exports = 1'],
      ['empty.js', ''],
      ['README.md', sha256('# a')],
      ['bin/tool', `sha256:${createHash('sha256').update(elf).digest('hex')}`],
    ]);
    expect(out.files.find((f) => f.path === 'README.md')).toMatchObject({ size: 3, head: Buffer.from('# a') });
    expect(out.files.find((f) => f.path === 'README.md')).not.toHaveProperty('magic');
    expect(out.files.find((f) => f.path === 'bin/tool')).toMatchObject({ size: 108, magic: 'ELF' });
    expect(out.anomalies).toEqual([]);
    expect(out.errors).toEqual([]);
    expect(out.bytes).toBe(12 + 18 + 3 + 108);
  });

  test('an extensionless node script is code (its shebang decides), kept whole', async () => {
    const script = '#!/usr/bin/env node\nrequire("child_process")';
    const out = await read(makePackageTarball({ 'bin/cli': script, 'bin/sh-tool': '#!/bin/sh\necho hi' }));
    expect(out.files.map((f) => [f.path, 'data' in f])).toEqual([['bin/cli', true], ['bin/sh-tool', false]]);
  });

  test('item 5: traversal paths are anomalies, their content is analysed, nothing is written', async () => {
    const token = randomUUID();
    const payload = `require('child_process').exec('${token}')`;
    const raw = [
      `package/../../evil-${token}.js`,
      `/etc/cron.d/x-${token}`,
      `C:\\x-${token}.js`,
      `C:../y-${token}.js`,
      `package/a/../../../b-${token}.js`,
    ];
    const watched = [tmpdir(), process.cwd(), '/etc/cron.d', '/'];
    const before = watched.map(listDir);

    const out = await read(makeTgz(raw.map((path) => ({ path, data: payload }))));

    expect(out.files.map((f) => f.path).sort()).toEqual(
      [`__escaped__/evil-${token}.js`, `__escaped__/etc/cron.d/x-${token}`, `__escaped__/x-${token}.js`, `__escaped__/y-${token}.js`, `__escaped__/b-${token}.js`].sort(),
    );
    // Each copy was read: code whole, the extensionless one by its hash.
    for (const f of out.files) expect(content(f)).toBe(f.path.endsWith('.js') ? payload : sha256(payload));
    const escapes = out.anomalies.filter((a) => a.kind === 'path-escape');
    expect(escapes).toHaveLength(raw.length);
    for (const path of raw) expect(escapes.some((a) => a.message.includes(JSON.stringify(path)))).toBe(true);

    // Nothing appeared anywhere: no new name carrying the token, and no file at the absolute target.
    const after = watched.map(listDir);
    after.forEach((names, i) => {
      const added = names.filter((n) => !before[i]?.includes(n));
      expect(added.filter((n) => n.includes(token))).toEqual([]);
    });
    expect(existsSync(`/etc/cron.d/x-${token}`)).toBe(false);
    expect(existsSync(`${process.cwd()}/../evil-${token}.js`)).toBe(false);
  });

  test('item 6: links and devices are anomalies, never followed or read', async () => {
    const out = await read(
      makeTgz([
        { path: 'package/index.js', data: 'ok' },
        { path: 'package/link', type: 'SymbolicLink', linkpath: '../../../../etc/passwd' },
        { path: 'package/hard', type: 'Link', linkpath: '/etc/shadow' },
        { path: 'package/tty', type: 'CharacterDevice' },
        { path: 'package/disk', type: 'BlockDevice' },
        { path: 'package/pipe', type: 'FIFO' },
      ]),
    );
    expect(out.files.map((f) => f.path)).toEqual(['index.js']);
    expect(out.anomalies.map((a) => [a.file, a.kind])).toEqual([
      ['link', 'link'],
      ['hard', 'link'],
      ['tty', 'device'],
      ['disk', 'device'],
      ['pipe', 'device'],
    ]);
    expect(out.anomalies[0]?.message).toContain('../../../../etc/passwd');
    expect(out.anomalies[1]?.message).toContain('hard link');
  });

  test('item 7: an excessively deep pax path is a depth-limit anomaly, content still read', async () => {
    const deep = `package/${'a/'.repeat(2000)}x.js`;
    const started = performance.now();
    const out = await read(makeTgz([{ path: deep, data: "require('net')" }, { path: 'package/ok.js', data: '1' }]));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(out.anomalies).toEqual([expect.objectContaining({ kind: 'depth-limit', file: '__too-deep__/x.js' })]);
    expect(out.anomalies[0]?.message).toContain('2002 path segments');
    expect(out.files.map((f) => [f.path, content(f)])).toEqual([
      ['__too-deep__/x.js', "require('net')"],
      ['ok.js', '1'],
    ]);
  });

  test('a path too long to report gets a short virtual name, keeping its extension', async () => {
    const out = await read(makeTgz([{ path: `package/${'n'.repeat(5000)}.js`, data: "require('dns')" }]));
    expect(out.files).toHaveLength(1);
    expect(out.files[0]?.path).toMatch(/^__long-path__\/[0-9a-f]{16}\.js$/);
    expect(out.anomalies.map((a) => [a.file, a.kind])).toEqual([[out.files[0]?.path, 'long-path']]);
  });

  test('item 7: the depth limit is configurable', async () => {
    const out = await read(makeTgz([{ path: 'package/a/b/c/d.js', data: 'x' }]), { maxPathDepth: 3 });
    expect(out.anomalies.map((a) => a.kind)).toEqual(['depth-limit']);
  });

  test('item 8: the last duplicate wins, the earlier copy is kept; case variants are both read', async () => {
    const out = await read(
      makeTgz([
        { path: 'package/index.js', data: 'module.exports = 1' },
        { path: 'package/index.js', data: "require('child_process').exec('x')" },
        { path: 'package/Lib.js', data: 'upper' },
        { path: 'package/lib.js', data: 'lower' },
      ]),
    );
    const byPath = Object.fromEntries(out.files.map((f) => [f.path, content(f)]));
    expect(byPath).toEqual({
      'index.js': "require('child_process').exec('x')",
      'index.js~1': 'module.exports = 1',
      'Lib.js': 'upper',
      'lib.js': 'lower',
    });
    expect(out.anomalies.map((a) => [a.file, a.kind])).toEqual([
      ['index.js', 'duplicate-entry'],
      ['lib.js', 'case-collision'],
    ]);
  });

  test('item 8: a third copy gets its own name', async () => {
    const out = await read(makeTgz(['1', '2', '3'].map((data) => ({ path: 'package/a.js', data }))));
    expect(out.files.map((f) => [f.path, content(f)]).sort()).toEqual([
      ['a.js', '3'],
      ['a.js~1', '1'],
      ['a.js~2', '2'],
    ]);
  });

  test.each([
    ['an HTML body', Buffer.from('<!doctype html><html><body>502 Bad Gateway</body></html>'.repeat(40))],
    ['a short HTML body', Buffer.from('<html>nope</html>')],
    ['an empty gzip', zlib.gzipSync(Buffer.alloc(0))],
    ['1024 zero bytes', Buffer.alloc(1024)],
    ['a tar with no entries', makeTar([])],
    ['zero bytes', Buffer.alloc(0)],
    ['random bytes', randomBytes(4096)],
  ])('item 9: %s is E_TARBALL_INVALID, never an empty package', async (_name, data) => {
    const err = await rejection(read(data));
    expect(err.code).toBe('E_TARBALL_INVALID');
    expect(err.message).toMatch(/^pkg@1\.0\.0: /);
  });

  test('item 9: a gzip with a corrupt body is E_TARBALL_INVALID', async () => {
    const good = makePackageTarball({ 'index.js': randomBytes(2000).toString('hex') });
    const bad = Buffer.from(good);
    bad.fill(0x55, 20, 200);
    const err = await rejection(read(bad));
    expect(['E_TARBALL_INVALID', 'E_TARBALL_TRUNCATED']).toContain(err.code);
  });

  test('item 10: a gzip cut in half is E_TARBALL_TRUNCATED', async () => {
    const tgz = makePackageTarball({ 'package.json': '{}', 'index.js': randomBytes(20_000).toString('base64') });
    const err = await rejection(read(truncate(tgz, 0.5)));
    expect(err.code).toBe('E_TARBALL_TRUNCATED');
    expect(err.message).toContain('pkg@1.0.0');
  });

  test('item 10: an uncompressed tar cut in half is E_TARBALL_TRUNCATED', async () => {
    const tar = makeTar([{ path: 'package/index.js', data: randomBytes(20_000) }]);
    const err = await rejection(read(truncate(tar, 0.5)));
    expect(err.code).toBe('E_TARBALL_TRUNCATED');
  });

  test('unknown entry types are skipped by tar and reported', async () => {
    const tar = makeTar([{ path: 'package/a.js', data: 'a' }]);
    const odd = makeTar([{ path: 'package/odd', data: 'hidden' }], { endMarker: false });
    odd[156] = 'Z'.charCodeAt(0); // typeflag
    // Recompute the header checksum (bytes 148–155 count as spaces).
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (odd[i] ?? 0);
    odd.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    const out = await read(Buffer.concat([odd, tar]));
    expect(out.files.map((f) => f.path)).toEqual(['a.js']);
    expect(out.anomalies.map((a) => a.kind)).toEqual(['unsupported-entry']);
  });

  test('a header with a bad checksum is an invalid-entry anomaly; the rest is read', async () => {
    const first = makeTar([{ path: 'package/bad.js', data: 'x'.repeat(10) }], { endMarker: false });
    first[0] = 'q'.charCodeAt(0); // the path changes, the checksum does not match any more
    const rest = makeTar([{ path: 'package/good.js', data: 'ok' }]);
    const out = await read(Buffer.concat([first, rest]));
    expect(out.files.map((f) => f.path)).toEqual(['good.js']);
    expect(out.anomalies.some((a) => a.kind === 'invalid-entry' && a.message.includes('checksum'))).toBe(true);
  });
});
