// RELIABILITY.md §3 items 1–4: bombs and limits. Memory is measured with maxRSS (the process
// peak), so the cheapest-to-measure test (item 3) runs first in this file, on a fresh worker.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { Parser } from 'tar';
import { DepcapsError } from '../../src/errors.js';
import { readTarball } from '../../src/fetch/tarball.js';
import { DEFAULT_LIMITS, type Limits } from '../../src/limits.js';
import { gzipMembers, lowRatioBomb, makeTar, makeTgz, makeTgzStreamed, zeros } from '../helpers/make-tarball.js';
import { rejection } from '../helpers/rejection.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const limits = (o: Partial<Limits> = {}): Limits => ({ ...DEFAULT_LIMITS, ...o });

/** Peak RSS of this process so far, in MiB. */
const peakRssMb = (): number => process.resourceUsage().maxRSS / 1024;

/** Counts the compressed bytes handed to tar, to prove a read stopped early. */
function spyOnParserInput(): { bytes: () => number } {
  let bytes = 0;
  const original = Parser.prototype.write;
  vi.spyOn(Parser.prototype, 'write').mockImplementation(function (this: Parser, ...args: unknown[]) {
    const chunk = args[0];
    if (Buffer.isBuffer(chunk)) bytes += chunk.length;
    return (original as (...a: unknown[]) => boolean).apply(this, args);
  });
  return { bytes: () => bytes };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('tarball limits', () => {
  test('item 3: one huge code entry is scanned as it streams, not buffered; the other files are read', async () => {
    const size = 200 * MiB;
    const tail = Buffer.from("\nrequire('net')\n");
    function* spaces(): Generator<Buffer> {
      // Mostly spaces, with a random comment per MiB: pure spaces would exceed tar's ratio cap
      // and test tar's guard instead of our drain.
      for (let i = 0; i < 200; i++) {
        const block = Buffer.alloc(MiB, 0x20);
        block.write(`/*${randomBytes(3 * 1024).toString('base64')}*/`, 0);
        yield block;
      }
      yield tail;
    }
    const tgz = await makeTgzStreamed([
      { path: 'package/package.json', data: '{"name":"huge","version":"1.0.0"}' },
      { path: 'package/big.js', size: size + tail.length, body: spaces },
      { path: 'package/index.js', data: "require('fs')" },
    ]);
    const before = peakRssMb();
    const out = await readTarball(tgz, { label: 'huge@1.0.0', limits: limits({ maxFileBytes: MiB }) });
    const growth = peakRssMb() - before;

    expect(out.files.map((f) => [f.path, 'data' in f]).sort()).toEqual([['big.js', false], ['index.js', true], ['package.json', true]]);
    expect(out.errors).toEqual([]);
    const big = out.files.find((f) => f.path === 'big.js');
    const scanned = big && 'scanned' in big ? big.scanned : undefined;
    expect(scanned?.errors).toEqual([expect.objectContaining({ file: 'big.js', reason: 'file-too-large' })]);
    expect(scanned?.errors[0]?.message).toContain(String(size + tail.length));
    // The lexical scan saw the last bytes, 200 MiB in, at the right place.
    expect(scanned?.findings).toEqual([expect.objectContaining({ capability: 'network', api: 'net', line: 2, column: 1, excerpt: "require('net')" })]);
    // Every byte was still decompressed and counted against maxBytes.
    expect(out.bytes).toBeGreaterThan(size);
    // Buffering the entry would cost its 200 MiB at least.
    expect(growth).toBeLessThan(100);
  });

  test('item 1: a 1 GiB gzip bomb (ratio > 1000) fails fast with E_TARBALL_LIMIT, in bounded memory', async () => {
    const tgz = await makeTgzStreamed([{ path: 'package/index.js', size: GiB, body: () => zeros(GiB) }]);
    expect(tgz.length).toBeLessThan(2 * MiB);
    const before = peakRssMb();
    const started = performance.now();
    const err = await rejection(readTarball(tgz, { label: 'bomb@1.0.0', limits: limits() }));
    expect(performance.now() - started).toBeLessThan(5000);
    expect(peakRssMb() - before).toBeLessThan(300);
    expect(err.code).toBe('E_TARBALL_LIMIT');
    expect(err.message).toContain('bomb@1.0.0');
  });

  test('item 1 (variant): the same bomb under a small maxBytes trips our own byte limit', async () => {
    // Zeros in 1 MiB gzip members: ratio ~1000 per member, cheap to build.
    const header = makeTar([{ path: 'package/index.js', size: 256 * MiB }], { endMarker: false }).subarray(0, 512);
    const tgz = gzipMembers([{ raw: header }, { raw: Buffer.alloc(MiB), times: 256 }, { raw: Buffer.alloc(1024) }]);
    const err = await rejection(readTarball(tgz, { label: 'bomb@2.0.0', limits: limits({ maxBytes: 4 * MiB }) }));
    expect(err.code).toBe('E_TARBALL_LIMIT');
    expect(err.message).toMatch(/bomb@2\.0\.0: .*/);
  });

  test('an entry announcing more than the budget left fails at its header, before its body is read', async () => {
    const header = makeTar([{ path: 'package/index.js', size: 64 * MiB }], { endMarker: false }).subarray(0, 512);
    const tgz = gzipMembers([{ raw: header }, { raw: Buffer.alloc(MiB), times: 64 }, { raw: Buffer.alloc(1024) }]);
    const input = spyOnParserInput();
    const err = await rejection(readTarball(tgz, { label: 'big@1.0.0', limits: limits({ maxBytes: 32 * MiB }) }));
    expect(err.code).toBe('E_TARBALL_LIMIT');
    expect(err.message).toContain('an entry announces 67108864 bytes');
    // The first member holds the header: nothing after it had to be decompressed.
    expect(input.bytes()).toBeLessThan(256 * 1024);
  });

  test('entries each within the budget still stop at maxBytes in total, while they stream', async () => {
    const entries = Array.from({ length: 12 }, (_, i) => ({ path: `package/blob-${i}.bin`, data: randomBytes(MiB) }));
    const err = await rejection(readTarball(makeTgz(entries), { label: 'many@2.0.0', limits: limits({ maxBytes: 8 * MiB }) }));
    expect(err.code).toBe('E_TARBALL_LIMIT');
    expect(err.message).toContain(`unpacks to more than ${8 * MiB} bytes`);
  });

  test('item 2: a bomb under tar\'s ratio cap is stopped by our maxBytes, without decompressing the rest', async () => {
    const bomb = lowRatioBomb('package/index.js', 3800);
    // The fixture really is under tar's guard (1000) and really is big (~1.5 GB).
    expect(bomb.unpacked / bomb.tgz.length).toBeLessThan(1000);
    expect(bomb.unpacked).toBeGreaterThan(1.5e9);
    const input = spyOnParserInput();
    const started = performance.now();
    const err = await rejection(readTarball(bomb.tgz, { label: 'slow-bomb@1.0.0', limits: limits({ maxBytes: 8 * MiB }) }));
    expect(err.code).toBe('E_TARBALL_LIMIT');
    expect(err.message).toContain('slow-bomb@1.0.0');
    expect(err.message).toContain(`more than ${8 * MiB} bytes`);
    expect(err.message).not.toContain('ratio');
    expect(err.hint).toContain('--max-bytes');
    // Stopped at once: tar saw a small prefix of the input, not the whole gzip.
    expect(input.bytes()).toBeLessThan(bomb.tgz.length / 20);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test('item 4: an entry-count bomb stops at maxEntries', async () => {
    const entries = Array.from({ length: 30_000 }, (_, i) => ({ path: `package/f${i}.js` }));
    const tgz = await makeTgzStreamed(entries, 6);
    const input = spyOnParserInput();
    const started = performance.now();
    const err = await rejection(readTarball(tgz, { label: 'many@1.0.0', limits: limits({ maxEntries: 1000 }) }));
    expect(err.code).toBe('E_TARBALL_LIMIT');
    expect(err.message).toContain('more than 1000 entries');
    expect(input.bytes()).toBeLessThan(tgz.length);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test('entries up to maxEntries are fine', async () => {
    const entries = Array.from({ length: 1000 }, (_, i) => ({ path: `package/f${i}.js`, data: `// ${i}` }));
    const out = await readTarball(await makeTgzStreamed(entries), { label: 'ok@1.0.0', limits: limits({ maxEntries: 1000 }) });
    expect(out.files).toHaveLength(1000);
  });

  test('a gzip bomb appended after the end-of-archive marker is never decompressed', async () => {
    const tar = makeTar([{ path: 'package/index.js', data: "require('fs')" }]);
    const tgz = gzipMembers([{ raw: tar }, { raw: Buffer.alloc(MiB), times: 2000 }]);
    const input = spyOnParserInput();
    const out = await readTarball(tgz, { label: 'tail@1.0.0', limits: limits() });
    expect(out.files.map((f) => f.path)).toEqual(['index.js']);
    expect(input.bytes()).toBeLessThan(tgz.length / 10);
  });

  test('the compressed size is limited too', async () => {
    const err = await rejection(readTarball(Buffer.alloc(4096, 1), { label: 'fat@1.0.0', limits: limits({ maxTarballBytes: 1024 }) }));
    expect(err.code).toBe('E_TARBALL_LIMIT');
    expect(err.message).toContain('fat@1.0.0');
  });
});
