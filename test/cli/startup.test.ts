/**
 * Start-up cost is module loading: these tests spawn the real CLI under a load trace
 * (helpers/load-trace.mjs) and assert which modules it loaded. `--help` and `--version` load no command
 * module; a warm scan or audit (everything in the cache) loads neither the fetcher (pacote, tar, the
 * registry client) nor the engine (babel, the analysis modules) and starts no worker thread. The cold
 * runs are traced too, so the trace is shown to see what the warm runs must not load. Timings are in
 * the benchmark (`npm run bench -- --only startup`), not here.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type LocalRegistry } from '../helpers/local-registry.js';
import { makeTmpEnv, type TmpEnv } from '../helpers/tmp-env.js';

const BIN = fileURLToPath(new URL('../../bin/depcaps.js', import.meta.url));
const TRACE = fileURLToPath(new URL('../helpers/load-trace.mjs', import.meta.url));

/** Modules that cost start-up time and are needed only to fetch or to parse. */
const HEAVY: Record<string, RegExp> = {
  pacote: /\/node_modules\/pacote\//,
  tar: /\/node_modules\/tar\//,
  'npm-registry-fetch': /\/node_modules\/npm-registry-fetch\//,
  '@babel/parser': /\/node_modules\/@babel\/parser\//,
  '@babel/types': /\/node_modules\/@babel\/types\//,
  'the engine (src/analyze: parse, walk, match, file)': /\/dist\/src\/analyze\/(parse|walk|match|file|evaluate|package)\.js$/,
  'a worker thread': /^worker:/,
};

let tmp: TmpEnv;
let registry: LocalRegistry;

beforeAll(async () => {
  tmp = makeTmpEnv({ DEPCAPS_FETCH_RETRIES: '0' });
  registry = await startRegistry({
    packages: {
      'net-client': { versions: { '1.2.0': { files: { 'index.js': "module.exports = (u) => require('https').get(u);\n" } } } },
      'tiny-util': { versions: { '1.0.0': { files: { 'index.js': 'module.exports = (a) => a;\n' } } } },
    },
  });
  const entry = (name: string, version: string) => ({ version, resolved: registry.tarballUrl(name, version), integrity: registry.integrity(name, version) });
  writeFileSync(
    join(tmp.project, 'package-lock.json'),
    JSON.stringify({
      name: 'app',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'app', version: '1.0.0', dependencies: { 'net-client': '1.2.0', 'tiny-util': '1.0.0' } },
        'node_modules/net-client': entry('net-client', '1.2.0'),
        'node_modules/tiny-util': entry('tiny-util', '1.0.0'),
      },
    }),
  );
});

afterAll(async () => {
  await registry.close();
  tmp.cleanup();
});

/** Runs the CLI under the load trace; returns its exit code, stdout and the modules it loaded. */
function traced(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; loaded: string[] }> {
  const log = join(tmp.root, `trace-${Math.random().toString(36).slice(2)}.log`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TRACE, BIN, ...args], {
      cwd: tmp.project,
      env: { ...tmp.env, DEPCAPS_LOAD_TRACE: log },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      let text = '';
      try {
        text = readFileSync(log, 'utf8');
      } catch {
        // No trace at all: `loaded` is empty and the sanity checks below fail.
      }
      rmSync(log, { force: true });
      resolve({ code, stdout, stderr, loaded: [...new Set(text.split('\n').filter(Boolean))] });
    });
  });
}

/** The heavy modules among `loaded`, by name. */
function heavyIn(loaded: readonly string[]): string[] {
  return Object.entries(HEAVY)
    .filter(([, re]) => loaded.some((m) => re.test(m)))
    .map(([name]) => name);
}

const has = (loaded: readonly string[], re: RegExp) => loaded.some((m) => re.test(m));

describe('start-up: what the CLI loads', () => {
  it('--help and --version load commander and the command wiring, no command module', async () => {
    for (const args of [['--help'], ['--version'], ['scan', '--help'], ['audit', '--help']]) {
      const r = await traced(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(has(r.loaded, /\/node_modules\/commander\//), 'the trace sees commander').toBe(true);
      expect(heavyIn(r.loaded), args.join(' ')).toEqual([]);
      expect(r.loaded.filter((m) => /\/dist\/src\/commands\//.test(m)), args.join(' ')).toEqual([]);
      expect(has(r.loaded, /better-sqlite3/), `${args.join(' ')} opens no cache`).toBe(false);
      expect(has(r.loaded, /\/node_modules\/(yaml|js-yaml|@yarnpkg\/parsers|semver)\//), `${args.join(' ')} reads no lockfile`).toBe(false);
    }
  });

  it('a warm scan of name@version loads neither the fetcher nor the engine, and starts no worker', async () => {
    const cold = await traced(['scan', 'net-client@1.2.0', '--json', '--registry', registry.url]);
    expect(cold.code, cold.stderr).toBe(0);
    expect(JSON.parse(cold.stdout)).toMatchObject({ status: 'ok', capabilities: ['network'], stats: { cached: false } });
    // The trace sees what a cold scan needs: otherwise the assertions below would prove nothing.
    expect(heavyIn(cold.loaded)).toEqual(expect.arrayContaining(['tar', 'npm-registry-fetch', '@babel/parser', 'a worker thread']));

    const warm = await traced(['scan', 'net-client@1.2.0', '--json', '--registry', registry.url]);
    expect(warm.code, warm.stderr).toBe(0);
    expect(JSON.parse(warm.stdout)).toMatchObject({ status: 'ok', capabilities: ['network'], stats: { cached: true } });
    expect(has(warm.loaded, /better-sqlite3/), 'the warm scan reads the cache').toBe(true);
    expect(heavyIn(warm.loaded)).toEqual([]);
  });

  it('a warm audit loads neither the fetcher nor the engine, and starts no worker', async () => {
    const args = ['audit', 'package-lock.json', '--json', '--registry', registry.url];
    const cold = await traced(args);
    expect(cold.code, cold.stderr).toBe(0);
    expect(heavyIn(cold.loaded)).toEqual(expect.arrayContaining(['tar', 'npm-registry-fetch', '@babel/parser', 'a worker thread']));

    const warm = await traced(args);
    expect(warm.code, warm.stderr).toBe(0);
    const report = JSON.parse(warm.stdout) as { summary: { packages: number; cached: number } };
    expect(report.summary).toMatchObject({ packages: 2, cached: 2 });
    expect(has(warm.loaded, /better-sqlite3/), 'the warm audit reads the cache').toBe(true);
    expect(heavyIn(warm.loaded)).toEqual([]);
  });
});
