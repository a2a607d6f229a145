/**
 * `depcaps diff` end-to-end against a real registry on 127.0.0.1 with controlled publish times:
 * own-code changes, moved code, a new dependency whose code spawns processes, publish-time vs latest
 * resolution, install scripts, removed capabilities, --fail-on, and bad input.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiffReport } from '../../src/contract/index.js';
import { startRegistry, tarballPath, type LocalRegistry } from '../helpers/local-registry.js';
import { parseJson, runCli } from '../helpers/run-cli.js';
import { makeTmpEnv, type TmpEnv } from '../helpers/tmp-env.js';

const UTIL = 'module.exports = (a, b) => a + b;\n';
const FETCHER = "const https = require('https');\nmodule.exports = (u) => https.request(u).end();\n";

let tmp: TmpEnv;
let registry: LocalRegistry;

beforeAll(async () => {
  tmp = makeTmpEnv({ DEPCAPS_FETCH_RETRIES: '0' });
  registry = await startRegistry({
    packages: {
      app: {
        versions: {
          '1.0.0': { publishedAt: '2024-01-01T00:00:00.000Z', files: { 'index.js': UTIL } },
          '1.1.0': { publishedAt: '2024-02-01T00:00:00.000Z', files: { 'index.js': UTIL, 'lib/fetch.js': FETCHER } },
          // Only moves the network code to another file: nothing is new.
          '1.1.1': { publishedAt: '2024-03-01T00:00:00.000Z', files: { 'index.js': UTIL, 'src/net/request.js': FETCHER } },
          // Adds a dependency whose own code spawns processes.
          '1.2.0': { publishedAt: '2024-04-01T00:00:00.000Z', dependencies: { runner: '^1.0.0' }, files: { 'index.js': UTIL, 'src/net/request.js': FETCHER } },
          '1.3.0': {
            publishedAt: '2024-05-01T00:00:00.000Z',
            dependencies: { runner: '^1.0.0' },
            scripts: { postinstall: 'node setup.js' },
            files: { 'index.js': UTIL, 'src/net/request.js': FETCHER, 'setup.js': 'console.log(1)\n' },
          },
          // Drops the network code.
          '2.0.0': { publishedAt: '2024-06-01T00:00:00.000Z', dependencies: { runner: '^1.0.0' }, scripts: { postinstall: 'node setup.js' }, files: { 'index.js': UTIL, 'setup.js': 'console.log(1)\n' } },
          // Ships a test fixture that never parses: this side is partial.
          '2.1.0': {
            publishedAt: '2024-07-01T00:00:00.000Z',
            dependencies: { runner: '^1.0.0' },
            scripts: { postinstall: 'node setup.js' },
            files: { 'index.js': UTIL, 'setup.js': 'console.log(1)\n', 'test/fixtures/broken.ts': 'function (\n' },
          },
        },
      },
      runner: {
        versions: {
          '1.0.0': { publishedAt: '2024-03-15T00:00:00.000Z', files: { 'index.js': "const { spawn } = require('child_process');\nmodule.exports = (c) => spawn(c);\n" } },
          // Published after app@1.2.0: what `--resolve latest` picks, not publish-time resolution.
          '1.1.0': {
            publishedAt: '2024-12-01T00:00:00.000Z',
            files: { 'index.js': "const { spawn } = require('child_process');\nrequire('dns').lookup('x.example', () => {});\nmodule.exports = (c) => spawn(c);\n" },
          },
        },
      },
    },
  });
});

afterAll(async () => {
  await registry.close();
  tmp.cleanup();
});

const diff = async (...args: string[]) => runCli(['diff', ...args, '--json', '--registry', registry.url], { env: tmp.env, cwd: tmp.project });
const NO_DEPS = { added: {}, removed: {}, changed: {} };
const NO_TRANSITIVE = { added: [], removed: [], newPackages: [], resolution: 'publish-time', errors: [] };

describe('depcaps diff', () => {
  it('a version that adds https.request: network added, the new findings with their place, risk high', async () => {
    const r = await diff('app', '1.0.0', '1.1.0');
    expect(r.code, r.stderr).toBe(0);
    expect(parseJson<DiffReport>(r)).toEqual({
      schemaVersion: 1,
      name: 'app',
      from: '1.0.0',
      to: '1.1.0',
      added: ['network'],
      removed: [],
      unchanged: [],
      // Nothing loads lib/fetch.js (index.js does not require it): the new code is unreached.
      addedRuns: { network: ['unreached'] },
      addedAtInstall: [],
      install: { from: { runsAtInstall: false, scripts: {} }, to: { runsAtInstall: false, scripts: {} } },
      newFindings: [
        { capability: 'network', api: 'https', file: 'lib/fetch.js', line: 1, column: 15, excerpt: "const https = require('https');", confidence: 'high', runs: 'unreached' },
        { capability: 'network', api: 'https.request', file: 'lib/fetch.js', line: 2, column: 25, excerpt: 'module.exports = (u) => https.request(u).end();', confidence: 'high', runs: 'unreached' },
      ],
      goneFindings: [],
      dependencies: NO_DEPS,
      transitive: NO_TRANSITIVE,
      risk: 'high',
      status: 'ok',
      sides: { from: { status: 'ok', errors: [] }, to: { status: 'ok', errors: [] } },
    });
  });

  it('a version that only moves code between files reports no change', async () => {
    const report = parseJson<DiffReport>(await diff('app', '1.1.0', '1.1.1'));
    expect(report).toMatchObject({ added: [], removed: [], unchanged: ['network'], newFindings: [], goneFindings: [], risk: 'none' });
  });

  it('a new dependency whose code uses child_process: shell added through it, resolved as of the publish time', async () => {
    const report = parseJson<DiffReport>(await diff('app', '1.1.1', '1.2.0'));
    expect(report.added).toEqual([]);
    expect(report.dependencies).toEqual({ added: { runner: '^1.0.0' }, removed: {}, changed: {} });
    expect(report.transitive).toEqual({
      added: [{ capability: 'shell', via: ['runner@1.0.0'] }],
      removed: [],
      newPackages: [{ package: 'runner@1.0.0', capabilities: ['shell'], via: ['runner@1.0.0'] }],
      resolution: 'publish-time',
      errors: [],
    });
    expect(report.risk).toBe('high');
  });

  it('--resolve latest takes today\'s highest version of each range', async () => {
    const report = parseJson<DiffReport>(await diff('app', '1.1.1', '1.2.0', '--resolve', 'latest'));
    expect(report.transitive.resolution).toBe('latest');
    expect(report.transitive.added).toEqual([
      { capability: 'network', via: ['runner@1.1.0'] },
      { capability: 'shell', via: ['runner@1.1.0'] },
    ]);
  });

  it('an added postinstall script is high risk, and --fail-on install-script exits 1', async () => {
    const report = parseJson<DiffReport>(await diff('app', '1.2.0', '1.3.0'));
    expect(report.added).toEqual(['install-script']);
    expect(report.newFindings).toMatchObject([{ capability: 'install-script', api: 'postinstall', file: 'package.json' }]);
    expect(report.risk).toBe('high');
    const failing = await diff('app', '1.2.0', '1.3.0', '--fail-on', 'install-script');
    expect(failing.code).toBe(1);
    expect(failing.stderr).toMatch(/--fail-on: install-script was added/);
    expect((await diff('app', '1.2.0', '1.3.0', '--fail-on', 'network')).code).toBe(0);
    expect((await diff('app', '1.2.0', '1.3.0', '--fail-on', 'medium')).code).toBe(1);
  });

  it('a version that removes a capability', async () => {
    const report = parseJson<DiffReport>(await diff('app', '1.3.0', '2.0.0'));
    expect(report).toMatchObject({ added: [], removed: ['network'], unchanged: ['install-script'], newFindings: [], risk: 'none' });
    expect(report.goneFindings.map((g) => `${g.file}:${g.api}`)).toEqual(['src/net/request.js:https', 'src/net/request.js:https.request']);
  });

  it('text output: + lines with file:line, the dependency path, a verdict line', async () => {
    const r = await runCli(['diff', 'app', '1.1.1', '1.3.0', '--registry', registry.url], { env: tmp.env, cwd: tmp.project });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\+ install-script\s+postinstall\s+\[install\]\s+package\.json:\d+/m);
    expect(r.stdout).toMatch(/^now runs code at install: postinstall: node setup\.js$/m);
    expect(r.stdout).toMatch(/^\+ shell\s+via runner@1\.0\.0$/m);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('app 1.1.1 → 1.3.0: risk high · 1 new capability, 1 through dependencies, 1 new finding · trees resolved as of the publish time');
  });

  it('a side not fully analysed: status and errors in the JSON, said first in the text and on stderr', async () => {
    const report = parseJson<DiffReport>(await diff('app', '2.0.0', '2.1.0'));
    expect(report.status).toBe('partial');
    expect(report.sides.from).toEqual({ status: 'ok', errors: [] });
    expect(report.sides.to.status).toBe('partial');
    expect(report.sides.to.errors).toMatchObject([{ file: 'test/fixtures/broken.ts', reason: 'parse-error' }]);
    const r = await runCli(['diff', 'app', '2.0.0', '2.1.0', '--registry', registry.url], { env: tmp.env, cwd: tmp.project });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').slice(0, 4)).toEqual([
      'app 2.0.0 → 2.1.0',
      '',
      '2.1.0 was not fully analysed (1 file): the findings, and so this diff, may be incomplete',
      expect.stringMatching(/^ {2}test\/fixtures\/broken\.ts: /),
    ]);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/· incomplete: 2\.1\.0 not fully analysed/);
    expect(r.stderr).toMatch(/^depcaps: warning: app 2\.1\.0 not fully analysed \(1 file: test\/fixtures\/broken\.ts\); the diff may be incomplete$/m);
  });

  it('one version missing is a usage error, not a diff of a package named after the version', async () => {
    const r = await diff('app', '1.3.0');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^depcaps: diff app 1\.3\.0: a second version is missing$/m);
    expect(r.stderr).toMatch(/^hint: depcaps diff app <from> 1\.3\.0/m);
  });

  it('bad input: unknown version (exit 2, closest versions), unknown package (exit 2), bad --fail-on (exit 2)', async () => {
    const v = await diff('app', '1.0.0', '1.9.0');
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/app@1\.9\.0/);
    expect(v.stderr).toMatch(/1\.3\.0/);
    expect((await diff('nope', '1.0.0', '1.0.1')).code).toBe(2);
    const bad = await diff('app', '1.0.0', '1.1.0', '--fail-on', 'teleport');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown teleport/);
  });

  it('a registry error on a tarball: exit 3 naming the package', async () => {
    registry.setFaults(tarballPath('app', '1.0.0'), { kind: 'status', status: 500 });
    try {
      // A fresh cache directory: the cached result would otherwise be served.
      const r = await diff('app', '1.0.0', '1.1.0', '--cache-dir', join(tmp.root, 'cold-cache'));
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/app@1\.0\.0/);
    } finally {
      registry.setFaults(tarballPath('app', '1.0.0'), []);
    }
  });
});
