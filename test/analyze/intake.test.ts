// The streaming intake: which files are held, summarised or scanned as they stream, and the windowed
// lexical scan that must find what the whole-text scan finds, wherever the window boundaries fall.
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { defaultCatalogIndex } from '../../src/analyze/catalog-index.js';
import { StreamedFile, magicKind, type SummarisedSource } from '../../src/analyze/intake.js';
import { LexicalScanner, lexicalScan } from '../../src/analyze/lexical.js';
import { FindingCollector } from '../../src/analyze/match.js';

const index = defaultCatalogIndex();

/** Feeds `data` to a StreamedFile in pieces of `piece` bytes. */
function stream(path: string, data: Buffer, maxFileBytes: number, piece = 7, expectedSize?: number) {
  const file = new StreamedFile(path, { maxFileBytes, ...(expectedSize !== undefined ? { expectedSize } : {}) });
  for (let i = 0; i < data.length; i += piece) file.write(data.subarray(i, i + piece));
  return file.end();
}

function wholeText(source: string, file = 'f.js') {
  const out = new FindingCollector(file, source);
  lexicalScan(source, index, out);
  return out.findings;
}

function windowed(source: string, window: number, overlap: number, piece: number, file = 'f.js') {
  const scanner = new LexicalScanner(file, index, { window, overlap });
  for (let i = 0; i < source.length; i += piece) scanner.write(source.slice(i, i + piece));
  return scanner.end();
}

const sortFindings = <T extends { line: number; column: number; capability: string; api: string }>(f: T[]): T[] =>
  [...f].sort((a, b) => a.line - b.line || a.column - b.column || a.capability.localeCompare(b.capability) || a.api.localeCompare(b.api));

describe('LexicalScanner', () => {
  const source = [
    "const cp = require('child_process');",
    'const x = process.env.HOME + process.env.PATH;',
    `${' '.repeat(300)}fetch('https://example.com/'); require  (  'fs'  ); import('net');`,
    "eval('1+1'); new Function('return 1');",
    'module.require(name); require(dynamicName);',
    `${'y'.repeat(5000)}; process . env . TOKEN; require('http')`,
  ].join('\n');

  /** Findings without their excerpts: tiny windows cut excerpts short (production windows hold ~16 Ki characters after a match). */
  const bare = (f: { excerpt: string }[]) => f.map(({ excerpt: _e, ...rest }) => rest);

  test.each([
    [160, 160, 1],
    [160, 160, 13],
    [200, 120, 100],
    [500, 200, 37],
  ])('window %i, overlap %i, pieces of %i: the same findings as the whole-text scan', (window, overlap, piece) => {
    const expected = sortFindings(wholeText(source));
    expect(expected.length).toBeGreaterThan(10);
    expect(bare(sortFindings(windowed(source, window, overlap, piece)))).toEqual(bare(expected));
  });

  test.each([
    [2048, 1024, 1],
    [2048, 1024, 333],
    [4096, 2048, 4096],
  ])('window %i, overlap %i, pieces of %i: the same findings and excerpts', (window, overlap, piece) => {
    expect(sortFindings(windowed(source, window, overlap, piece))).toEqual(sortFindings(wholeText(source)));
  });

  test('every boundary position: a call cut anywhere is still found once, at its line and column', () => {
    const text = `${'a'.repeat(90)}\n  require('child_process').exec(x)\n${'b'.repeat(90)} module.require(name)`;
    const expected = sortFindings(wholeText(text));
    expect(expected).toEqual([
      expect.objectContaining({ capability: 'shell', line: 2, column: 3 }),
      expect.objectContaining({ capability: 'dynamic-require', line: 3, column: 92 }),
    ]);
    for (let piece = 1; piece <= 60; piece++) {
      expect(bare(sortFindings(windowed(text, 48, 128, piece)))).toEqual(bare(expected));
    }
  });

  test('columns on a line longer than the window count from the real line start', () => {
    const text = `${'z'.repeat(9_999)};process.env.SECRET`;
    expect(wholeText(text)).toEqual([expect.objectContaining({ line: 1, column: 10_001 })]);
    expect(windowed(text, 256, 64, 256)).toEqual([expect.objectContaining({ capability: 'env', line: 1, column: 10_001 })]);
  });

  test('hits per pattern stay capped across windows', () => {
    const text = "require('fs');\n".repeat(500);
    expect(windowed(text, 256, 64, 100)).toHaveLength(wholeText(text).length);
    expect(wholeText(text).length).toBeLessThan(100);
  });
});

describe('StreamedFile', () => {
  test('code within the limit and the manifest are held whole, in order', () => {
    const code = Buffer.from("require('fs');\n".repeat(100));
    expect(stream('lib/a.js', code, 10_000).file).toEqual({ path: 'lib/a.js', data: code });
    const manifest = Buffer.from('{"name":"x"}');
    expect(stream('package.json', manifest, 10_000, 3).file).toEqual({ path: 'package.json', data: manifest });
  });

  test('any other file is summarised: size, sha256, head, magic kind; never an error', () => {
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(20_000, 1)]);
    const { file, error } = stream('bin/tool', elf, 100, 4096);
    expect(error).toBeUndefined();
    expect(file).toEqual({
      path: 'bin/tool',
      size: elf.length,
      sha256: createHash('sha256').update(elf).digest('hex'),
      head: elf.subarray(0, 512),
      magic: 'ELF',
    });
    // A text file that happens to start with "MZ" carries no NUL: not a PE.
    expect(stream('notes.txt', Buffer.from('MZ is a nice name'), 100).file).not.toHaveProperty('magic');
    expect(magicKind(Buffer.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), index)).toBe('WebAssembly');
  });

  test('a code file over the limit is scanned as it streams, with a file-too-large error', () => {
    const code = Buffer.from(`${'// x\n'.repeat(100)}require('child_process').exec(cmd)\n`);
    const { file } = stream('big.js', code, 100, 33);
    const summary = file as SummarisedSource;
    expect('data' in file).toBe(false);
    expect(summary.size).toBe(code.length);
    expect(summary.scanned?.errors).toEqual([expect.objectContaining({ file: 'big.js', reason: 'file-too-large' })]);
    expect(summary.scanned?.findings).toEqual([expect.objectContaining({ capability: 'shell', line: 101, column: 1, confidence: 'low' })]);
  });

  test('an announced size over the limit is never buffered, even for the first bytes', () => {
    const code = Buffer.from(`process.env.A;${' '.repeat(50_000)}`);
    const { file } = stream('big.js', code, 1000, 1000, code.length);
    expect((file as SummarisedSource).scanned?.findings).toEqual([expect.objectContaining({ capability: 'env', line: 1, column: 1 })]);
  });

  test('a file that grows past the limit while it streams is scanned from its first byte', () => {
    const code = Buffer.from(`process.env.A;\n${' '.repeat(20_000)}\nprocess.env.B;`);
    const { file } = stream('grow.js', code, 10_000, 999, 10);
    expect((file as SummarisedSource).scanned?.findings.map((f) => f.line)).toEqual([1, 3]);
    expect((file as SummarisedSource).sha256).toBe(createHash('sha256').update(code).digest('hex'));
  });

  test('a manifest over the limit is summarised with an error (it cannot be read)', () => {
    const { file, error } = stream('package.json', Buffer.from(`{"name":"x","pad":"${'p'.repeat(500)}"}`), 100);
    expect('data' in file).toBe(false);
    expect(error).toMatchObject({ file: 'package.json', reason: 'file-too-large' });
  });

  test('an extensionless file is code only with a node shebang, decided from its first bytes', () => {
    const script = Buffer.from(`#!/usr/bin/env node\n${"require('net');\n".repeat(1000)}`);
    expect(stream('bin/cli', script, 100_000, 5).file).toHaveProperty('data');
    const scanned = stream('bin/cli', script, 100, 5).file as SummarisedSource;
    expect(scanned.scanned?.findings[0]).toMatchObject({ capability: 'network', line: 2 });
    expect(stream('bin/run', Buffer.from('#!/bin/sh\nexec node x'), 100_000).file).not.toHaveProperty('data');
  });

  test('encodings: UTF-16 with a BOM is decoded, bad UTF-8 is an anomaly, NUL bytes make it binary', () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${' '.repeat(300)}process.env.X`, 'utf16le')]);
    expect((stream('w.js', utf16, 100, 3).file as SummarisedSource).scanned?.findings).toEqual([expect.objectContaining({ capability: 'env', column: 301 })]);
    const bad = Buffer.concat([Buffer.from(' '.repeat(300)), Buffer.from([0xc3, 0x28]), Buffer.from('process.env.Y')]);
    const badResult = (stream('b.js', bad, 100).file as SummarisedSource).scanned;
    expect(badResult?.anomalies).toEqual([expect.objectContaining({ kind: 'bad-encoding' })]);
    expect(badResult?.findings).toEqual([expect.objectContaining({ capability: 'env' })]);
    const binary = Buffer.concat([Buffer.alloc(10), Buffer.from(' process.env.Z'.repeat(100))]);
    expect((stream('bin.js', binary, 100).file as SummarisedSource).scanned).toMatchObject({ findings: [], errors: [expect.objectContaining({ reason: 'binary' })] });
  });
});
