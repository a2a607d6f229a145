/**
 * End-to-end: `depcaps history` against a real registry on 127.0.0.1, with controlled publish times,
 * a deprecated version, junk version keys, an unpublished version, a tarball that is gone and one that
 * fails; the request log proves what the cache saves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/index.js';
import type { HistoryReport } from '../../src/contract/index.js';
import { packumentPath, startRegistry, tarballPath, type LocalRegistry } from '../helpers/local-registry.js';
import { parseJson, runCli } from '../helpers/run-cli.js';
import { makeTmpEnv, type TmpEnv } from '../helpers/tmp-env.js';

const NET = "const https = require('https');\nmodule.exports = (u) => https.request(u).end();\n";
const JUNK_LONG = `9.9.9-${'x'.repeat(300)}`;
const DEMO_VERSIONS = ['1.0.0', '1.1.0', '1.1.1', '1.1.2', '1.2.0', '2.0.0'];

let tmp: TmpEnv;
let registry: LocalRegistry;

beforeAll(async () => {
  tmp = makeTmpEnv();
  registry = await startRegistry({
    packages: {
      'demo-pkg': {
        distTags: { latest: '2.0.0' },
        versions: {
          '1.0.0': { files: { 'index.js': 'module.exports = (a, b) => a + b;\n' }, publishedAt: '2020-01-01T00:00:00.000Z' },
          '1.1.0': { files: { 'index.js': NET }, publishedAt: '2020-02-01T00:00:00.000Z' },
          // The same code moved to another file: no capability change.
          '1.1.1': { files: { 'index.js': "module.exports = require('./lib/net');\n", 'lib/net.js': NET }, publishedAt: '2020-03-01T00:00:00.000Z' },
          '1.1.2': {
            files: { 'index.js': "module.exports = require('./lib/net');\n", 'lib/net.js': `// v1.1.2\n${NET}` },
            publishedAt: '2020-03-15T00:00:00.000Z',
            packument: { deprecated: 'use 2.x' },
          },
          '1.2.0': {
            files: { 'index.js': "module.exports = require('./lib/net');\n", 'lib/net.js': NET, 'setup.js': 'console.log(1);\n' },
            scripts: { postinstall: 'node setup.js' },
            publishedAt: '2020-04-01T00:00:00.000Z',
          },
          '2.0.0': {
            files: { 'index.js': 'module.exports = (a, b) => a - b;\n', 'setup.js': 'console.log(2);\n' },
            scripts: { postinstall: 'node setup.js' },
            publishedAt: '2020-05-01T00:00:00.000Z',
          },
          // Junk keys a hostile or ancient packument may hold: never scanned, never given to semver.
          'not-a-version': { files: { 'index.js': "require('child_process').exec('x');\n" }, publishedAt: '2020-06-01T00:00:00.000Z' },
          [JUNK_LONG]: { files: { 'index.js': "require('child_process').exec('x');\n" }, publishedAt: '2020-06-01T00:00:00.000Z' },
        },
      },
      'gone-pkg': {
        versions: {
          '1.0.0': { files: { 'index.js': 'module.exports = process.env.HOME;\n' }, publishedAt: '2021-01-01T00:00:00.000Z' },
          '1.1.0': { files: { 'index.js': 'module.exports = 1;\n' }, publishedAt: '2021-02-01T00:00:00.000Z' },
          '1.2.0': { files: { 'index.js': `module.exports = process.env.HOME;\n${NET}` }, publishedAt: '2021-03-01T00:00:00.000Z' },
        },
      },
      'flaky-pkg': {
        versions: {
          '1.0.0': { files: { 'index.js': 'module.exports = 0;\n' }, publishedAt: '2022-01-01T00:00:00.000Z' },
          '1.1.0': { files: { 'index.js': 'module.exports = 1;\n' }, publishedAt: '2022-02-01T00:00:00.000Z' },
          '1.2.0': { files: { 'index.js': "require('fs');\n" }, publishedAt: '2022-03-01T00:00:00.000Z' },
          '2.0.0': { files: { 'index.js': "require('fs'); require('net');\n" }, publishedAt: '2022-04-01T00:00:00.000Z' },
        },
      },
    },
  });
  // gone-pkg: 0.9.0 was published, then unpublished (it stays in `time`), and 1.1.0's tarball is gone.
  const doc = (await (await fetch(`${registry.url}gone-pkg`)).json()) as { time: Record<string, string> };
  doc.time['0.9.0'] = '2020-12-01T00:00:00.000Z';
  registry.setFaults(packumentPath('gone-pkg'), { kind: 'body', body: JSON.stringify(doc), contentType: 'application/json' });
  registry.setFaults(tarballPath('gone-pkg', '1.1.0'), { kind: 'status', status: 404 });
});

afterAll(async () => {
  await registry?.close();
  tmp?.cleanup();
});

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runCli(['history', ...args, '--registry', registry.url], { env: { ...tmp.env, ...env }, cwd: tmp.project, timeoutMs: 30_000 });

const tarballRequests = (name: string, versions: readonly string[]) => versions.map((v) => registry.requests(tarballPath(name, v)).length);

const PUBLISHED = (day: string) => `${day}T00:00:00.000Z`;

describe('depcaps history (end-to-end)', () => {
  it('--json: every version in semver order with its publish time, changes, deprecation and firstSeen', async () => {
    const r = await cli(['demo-pkg', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(parseJson<HistoryReport>(r)).toEqual({
      schemaVersion: 1,
      name: 'demo-pkg',
      versions: [
        { version: '1.0.0', published: PUBLISHED('2020-01-01'), capabilities: [], added: [], removed: [], status: 'ok' },
        { version: '1.1.0', published: PUBLISHED('2020-02-01'), capabilities: ['network'], added: ['network'], removed: [], status: 'ok' },
        { version: '1.1.1', published: PUBLISHED('2020-03-01'), capabilities: ['network'], added: [], removed: [], status: 'ok' },
        { version: '1.1.2', published: PUBLISHED('2020-03-15'), capabilities: ['network'], added: [], removed: [], deprecated: 'use 2.x', status: 'ok' },
        { version: '1.2.0', published: PUBLISHED('2020-04-01'), capabilities: ['install-script', 'network'], added: ['install-script'], removed: [], status: 'ok' },
        { version: '2.0.0', published: PUBLISHED('2020-05-01'), capabilities: ['install-script'], added: [], removed: ['network'], status: 'ok' },
      ],
      firstSeen: { 'install-script': '1.2.0', network: '1.1.0' },
    });
    // The junk keys: one warning line, the long one clipped; neither was fetched.
    const warnings = r.stderr.trimEnd().split('\n');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^depcaps: warning: demo-pkg: skipped 2 version keys that are not valid semver: .*"not-a-version"/);
    expect(warnings[0]!.length).toBeLessThan(200);
    expect(registry.requests(tarballPath('demo-pkg', 'not-a-version'))).toEqual([]);
    expect(r.stderr).not.toContain('\r'); // stderr is not a TTY: no progress line
  });

  it('--range and --since select versions; added/firstSeen are relative to the first one listed', async () => {
    const ranged = parseJson<HistoryReport>(await cli(['demo-pkg', '--json', '--range', '^1.1.0']));
    expect(ranged.versions.map((v) => [v.version, v.added.join(','), v.removed.join(',')])).toEqual([
      ['1.1.0', 'network', ''],
      ['1.1.1', '', ''],
      ['1.1.2', '', ''],
      ['1.2.0', 'install-script', ''],
    ]);
    expect(ranged.firstSeen).toEqual({ 'install-script': '1.2.0', network: '1.1.0' });

    const since = parseJson<HistoryReport>(await cli(['demo-pkg', '--json', '--since', '2020-03-10']));
    expect(since.versions.map((v) => [v.version, v.added.join(','), v.removed.join(',')])).toEqual([
      ['1.1.2', 'network', ''],
      ['1.2.0', 'install-script', ''],
      ['2.0.0', '', 'network'],
    ]);
    expect(since.firstSeen).toEqual({ 'install-script': '1.2.0', network: '1.1.2' });

    const none = await cli(['demo-pkg', '--range', '^9.0.0']);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/^depcaps: No version of demo-pkg@\^9\.0\.0 matches/m);
    expect(none.stderr).toMatch(/^hint: Closest published versions: .*2\.0\.0/m);
  });

  it('text: a timeline of changes, unchanged runs folded, first-seen lines, within 80 columns', async () => {
    const r = await cli(['demo-pkg']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      [
        'demo-pkg: 6 versions, 1.0.0 … 2.0.0 (2020-01-01 … 2020-05-01)',
        '',
        'version        date        net inst',
        '1.0.0          2020-01-01',
        '1.1.0          2020-02-01  +',
        '1.1.1 … 1.1.2  2020-03-01  ●         (2 versions, no change; 1 deprecated)',
        '1.2.0          2020-04-01  ●   +',
        '2.0.0          2020-05-01  -   ●',
        '',
        'first seen: install-script  1.2.0  2020-04-01',
        'first seen: network         1.1.0  2020-02-01, removed in 2.0.0',
        '',
        '+ added  ● present  - removed  ? not analysed',
        '',
      ].join('\n'),
    );
    for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(r.stdout).not.toContain('\u001b[');
  });

  it('a second run is served from the cache: no tarball is requested again', async () => {
    const first = await cli(['demo-pkg', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const before = tarballRequests('demo-pkg', DEMO_VERSIONS);
    expect(before.every((n) => n >= 1)).toBe(true);
    const again = await cli(['demo-pkg', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(tarballRequests('demo-pkg', DEMO_VERSIONS)).toEqual(before);
    expect(again.stdout).toBe(first.stdout);
  });

  it('a TTY gets a progress line on stderr (versions done/total, cache hits, current version)', async () => {
    let stdout = '';
    let stderr = '';
    const code = await run(['node', 'depcaps', 'history', 'demo-pkg', '--json', '--registry', registry.url], {
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      stdoutIsTTY: false,
      stderrIsTTY: true,
      env: tmp.env,
    } as Parameters<typeof run>[1]);
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('\r\u001b[2Kdemo-pkg: 6/6 versions · 6 cached · ');
    expect(stderr.endsWith('\r\u001b[2K')).toBe(true); // cleared before the report
    expect((JSON.parse(stdout) as HistoryReport).versions).toHaveLength(6);
  });

  it('a version whose tarball is gone gets an error, the rest continues; unpublished versions are listed', async () => {
    const r = await cli(['gone-pkg', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = parseJson<HistoryReport>(r);
    expect(report.versions).toMatchObject([
      { version: '1.0.0', capabilities: ['env'], added: ['env'], removed: [], status: 'ok' },
      { version: '1.1.0', capabilities: [], added: [], removed: [], status: 'error', error: expect.stringMatching(/gone-pkg@1\.1\.0 was not found/) },
      // Compared with 1.0.0, the last version that was analysed.
      { version: '1.2.0', capabilities: ['env', 'network'], added: ['network'], removed: [], status: 'ok' },
    ]);
    expect(report.unpublished).toEqual(['0.9.0']);
    expect(report.firstSeen).toEqual({ env: '1.0.0', network: '1.2.0' });
    expect(r.stderr).toMatch(/^depcaps: warning: gone-pkg@1\.1\.0 was not found/m);
    const text = await cli(['gone-pkg']);
    expect(text.stdout).toMatch(/^1\.1\.0 +2021-02-01 +\? +\?$/m);
    expect(text.stdout).toMatch(/^ {4}↳ error: gone-pkg@1\.1\.0 was not found/m);
    expect(text.stdout).toContain('unpublished: 0.9.0');
    // Offline, from the cache alone: the same history, the missing tarball still an error, no request.
    const requests = registry.log.length;
    const offline = await cli(['gone-pkg', '--json', '--offline']);
    expect(offline.code, offline.stderr).toBe(0);
    expect(parseJson<HistoryReport>(offline).versions.map((v) => [v.version, v.status])).toEqual([['1.0.0', 'ok'], ['1.1.0', 'error'], ['1.2.0', 'ok']]);
    expect(registry.log.length).toBe(requests);
  });

  it('a registry failure mid-history: exit 3 naming the version; the next run re-scans only that version', async () => {
    const route = tarballPath('flaky-pkg', '1.1.0');
    registry.setFaults(route, { kind: 'status', status: 500 });
    // One at a time: the versions after the failing one are still scanned, so the next run needs only 1.1.0.
    const failed = await cli(['flaky-pkg', '--json', '--concurrency', '1'], { DEPCAPS_FETCH_RETRIES: '0' });
    expect(failed.code).toBe(3);
    expect(failed.stdout).toBe('');
    expect(failed.stderr.split('\n')[0]).toMatch(/^depcaps: flaky-pkg@1\.1\.0: the registry answered HTTP 500/);
    const others = ['1.0.0', '1.2.0', '2.0.0'];
    const before = tarballRequests('flaky-pkg', others);
    expect(before).toEqual([1, 1, 1]);
    const failedAttempts = registry.requests(route).length;

    registry.setFaults(route, []);
    const ok = await cli(['flaky-pkg', '--json'], { DEPCAPS_FETCH_RETRIES: '0' });
    expect(ok.code, ok.stderr).toBe(0);
    expect(parseJson<HistoryReport>(ok).versions.map((v) => [v.version, v.capabilities.join(',')])).toEqual([
      ['1.0.0', ''],
      ['1.1.0', ''],
      ['1.2.0', 'filesystem'],
      ['2.0.0', 'filesystem,network'],
    ]);
    expect(tarballRequests('flaky-pkg', others)).toEqual(before);
    expect(registry.requests(route).length).toBe(failedAttempts + 1);
  });

  it('unknown package, hostile names and bad flags: exit 2', async () => {
    const unknown = await cli(['no-such-pkg']);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/^depcaps: no-such-pkg was not found/);
    const cases = [['../../etc'], ['%2e%2e'], ['demo-pkg@1.0.0'], ['demo-pkg', '--range', 'not a range!'], ['demo-pkg', '--since', 'yesterday'], ['demo-pkg', '--concurrency', '0']];
    const requests = registry.log.length;
    const results = await Promise.all(cases.map((args) => cli(args)));
    expect(registry.log.length).toBe(requests); // rejected before any request
    results.forEach((r, i) => {
      expect(r.code, cases[i]!.join(' ')).toBe(2);
      expect(r.stderr, cases[i]!.join(' ')).toMatch(/^depcaps: /);
    });
  });
});
