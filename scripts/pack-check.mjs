#!/usr/bin/env node
/**
 * `npm run pack-check` (opt-in, not part of `npm test`): the package as users get it. Packs the project,
 * checks what the tarball holds (what a user needs, nothing else), installs it with `npm install
 * ./depcaps-*.tgz` in an empty temp directory (better-sqlite3 may compile from source: minutes), then runs
 * `npx depcaps scan left-pad@1.3.0` there against the live registry. Everything is written under one
 * temp directory, removed at the end (`--keep` keeps it). Exits 1 on the first failed check.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'depcaps-pack-check-'));
const started = Date.now();

function step(title) {
  process.stderr.write(`\n[${((Date.now() - started) / 1000).toFixed(0)} s] ${title}\n`);
}

function fail(message) {
  process.stderr.write(`pack-check: FAILED: ${message}\n`);
  process.exitCode = 1;
  throw new Error(message);
}

/** Runs a command; its output goes to our stderr unless captured. */
function run(cmd, args, options = {}) {
  return execFileSync(cmd, args, { stdio: options.capture ? ['ignore', 'pipe', 'inherit'] : ['ignore', 'inherit', 'inherit'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
}

/** Paths a user needs; a tarball without one of them is broken. */
const REQUIRED = [
  'package.json',
  'README.md',
  'LICENSE',
  'docs/CONTRACT.md',
  'bin/depcaps.js',
  'dist/src/cli/index.js',
  'dist/src/index.js',
  'dist/src/analyze/worker.js',
  'dist/src/analyze/arbiter-worker.js',
  'dist/capabilities/index.js',
  'dist/cache/open.js',
  // The policy's $schema URL (unpkg.com/depcaps/schema/…) serves this file once published.
  'schema/depcaps.policy.schema.json',
];

/** What a user must not get: benchmarks, tests, TypeScript sources, source maps pointing at them, local data. */
const FORBIDDEN = [/^dist\/bench\//, /^dist\/test\//, /\.map$/, /^src\//, /^test\//, /^bench\//, /^\.bench-corpus\//, /^scripts\//, /\.ts$/];

try {
  step('npm pack');
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, capture: true }));
  const { filename, files, size, unpackedSize } = packed[0];
  const paths = files.map((f) => f.path);
  process.stderr.write(`${filename}: ${paths.length} files, ${(size / 1024).toFixed(0)} KiB packed, ${(unpackedSize / 1024).toFixed(0)} KiB unpacked\n`);
  for (const p of REQUIRED) if (!paths.includes(p)) fail(`the tarball lacks ${p}`);
  const forbidden = paths.filter((p) => FORBIDDEN.some((re) => re.test(p) && !p.endsWith('.d.ts')));
  if (forbidden.length > 0) fail(`the tarball holds what users do not need: ${forbidden.slice(0, 10).join(', ')}`);
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  if (/\]\(\.\.\//.test(readme) || readme.includes('../shared')) fail('README.md links outside the package (../)');

  step(`npm install ./${filename} in an empty directory (better-sqlite3 may compile from source)`);
  const app = join(work, 'app');
  mkdirSync(app);
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', join(work, filename)], { cwd: app, env: { ...process.env, npm_config_cache: join(work, 'npm-cache') } });
  const installed = join(app, 'node_modules', 'depcaps');
  if (!existsSync(join(installed, 'schema', 'depcaps.policy.schema.json'))) fail('the installed package lacks its policy schema');
  const deps = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8')).packages;
  const dev = Object.keys(deps).filter((k) => /node_modules\/(typescript|vitest|ajv)$/.test(k));
  if (dev.length > 0) fail(`a user install pulled development tools: ${dev.join(', ')}`);

  const env = { ...process.env, DEPCAPS_CACHE_DIR: join(work, 'depcaps-cache'), npm_config_cache: join(work, 'npm-cache') };
  step('npx depcaps --version');
  const version = run('npx', ['--no-install', 'depcaps', '--version'], { cwd: app, env, capture: true }).trim();
  const expected = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
  if (version !== expected) fail(`depcaps --version printed ${version}, not ${expected}`);

  step('npx depcaps scan left-pad@1.3.0');
  process.stdout.write(run('npx', ['--no-install', 'depcaps', 'scan', 'left-pad@1.3.0'], { cwd: app, env, capture: true }));
  const report = JSON.parse(run('npx', ['--no-install', 'depcaps', 'scan', 'left-pad@1.3.0', '--json'], { cwd: app, env, capture: true }));
  if (report.status !== 'ok' || report.package.name !== 'left-pad' || report.package.version !== '1.3.0') {
    fail(`the scan of left-pad@1.3.0 is ${report.status} for ${report.package.name}@${report.package.version}`);
  }
  step(`pack-check: ok (${filename}, installed and ran from ${app})`);
} catch (err) {
  if (process.exitCode !== 1) {
    process.stderr.write(`pack-check: FAILED: ${err.message}\n`);
    process.exitCode = 1;
  }
} finally {
  if (keep) process.stderr.write(`kept ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
}
