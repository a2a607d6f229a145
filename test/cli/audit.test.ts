/**
 * `depcaps audit` end-to-end: a real package-lock.json produced by npm against a real registry on
 * 127.0.0.1, audited through the CLI binary: capabilities per package, dev/optional, aliases, --omit,
 * --fail-on, SARIF / Markdown, an integrity mismatch, a package the registry lost, a git dependency.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/contract/index.js';
import { startRegistry, tarballPath, type LocalRegistry } from '../helpers/local-registry.js';
import { parseJson, runCli } from '../helpers/run-cli.js';
import { makeTmpEnv, type TmpEnv } from '../helpers/tmp-env.js';
import { npmLockOnlyArgs, runTool } from '../lockfile/tools.js';

const require = createRequire(import.meta.url);
let tmp: TmpEnv;
let registry: LocalRegistry;
let lockText: string;

beforeAll(async () => {
  tmp = makeTmpEnv({ DEPCAPS_FETCH_RETRIES: '0' });
  registry = await startRegistry({
    packages: {
      'net-client': { versions: { '1.2.0': { files: { 'index.js': "module.exports = (u) => require('https').get(u);\n" }, dependencies: { 'tiny-util': '^1.0.0' } } } },
      'tiny-util': { versions: { '1.0.0': { files: { 'index.js': 'module.exports = (a) => a;\n' } } } },
      'build-tool': { versions: { '3.0.0': { files: { 'index.js': "require('child_process').execSync('make');\n" }, scripts: { postinstall: 'node index.js' } } } },
      'env-reader': { versions: { '0.4.0': { files: { 'index.js': 'module.exports = process.env.HOME;\n' } } } },
      'lost-pkg': { versions: { '1.0.0': { files: { 'index.js': "require('fs')\n" } } } },
    },
  });
  writeFileSync(
    join(tmp.project, 'package.json'),
    JSON.stringify({
      name: 'app',
      version: '1.0.0',
      dependencies: { 'net-client': '^1.2.0', 'reader-alias': 'npm:env-reader@^0.4.0', 'lost-pkg': '1.0.0' },
      devDependencies: { 'build-tool': '^3.0.0' },
    }),
  );
  // A real lockfile, written by npm itself against the local registry (no scripts run). Asynchronously:
  // the registry answers from this process.
  await runTool('npm', npmLockOnlyArgs(registry.url), { cwd: tmp.project, env: { ...tmp.env, npm_config_registry: registry.url }, timeoutMs: 60_000 });
  lockText = readFileSync(join(tmp.project, 'package-lock.json'), 'utf8');
  // The registry then loses one package: its tarball answers 404.
  registry.setFaults(tarballPath('lost-pkg', '1.0.0'), { kind: 'status', status: 404 });
});

afterAll(async () => {
  await registry.close();
  tmp.cleanup();
});

const audit = (args: string[], lockfile = 'package-lock.json') =>
  runCli(['audit', lockfile, ...args, '--registry', registry.url], { env: tmp.env, cwd: tmp.project, timeoutMs: 90_000 });

const lineOf = (key: string) => lockText.split('\n').findIndex((l) => l.includes(`"${key}": {`)) + 1;

describe('depcaps audit', () => {
  it('every package at its locked version, with capabilities, dev/optional, aliases and lockfile lines', async () => {
    const r = await audit(['--json', '--allow-missing']);
    expect(r.code, r.stderr).toBe(0);
    const report = parseJson<AuditReport>(r);
    expect(report.lockfile).toMatchObject({ format: 'npm', formatVersion: '3' });
    const rows = report.packages.map((p) => ({ id: `${p.name}@${p.version}`, alias: p.alias, dev: p.dev, status: p.status, caps: p.capabilities }));
    expect(rows).toEqual(
      expect.arrayContaining([
        { id: 'net-client@1.2.0', alias: undefined, dev: false, status: 'ok', caps: ['network'] },
        { id: 'tiny-util@1.0.0', alias: undefined, dev: false, status: 'ok', caps: [] },
        { id: 'env-reader@0.4.0', alias: 'reader-alias', dev: false, status: 'ok', caps: ['env'] },
        { id: 'build-tool@3.0.0', alias: undefined, dev: true, status: 'ok', caps: ['install-script', 'shell'] },
        expect.objectContaining({ id: 'lost-pkg@1.0.0', status: 'error' }),
      ]),
    );
    expect(report.packages).toHaveLength(5);
    const lost = report.packages.find((p) => p.name === 'lost-pkg')!;
    expect(lost.error).toMatch(/E_NOT_FOUND/);
    expect(report.packages.find((p) => p.name === 'net-client')!.line).toBe(lineOf('node_modules/net-client'));
    expect(report.summary).toMatchObject({ packages: 5, errors: 1, capabilities: { env: 1, 'install-script': 1, network: 1, shell: 1 } });
  });

  it('a package the registry does not have makes the exit code 2, an input error (unless --allow-missing), with one line naming it', async () => {
    const r = await audit(['--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^depcaps: warning: lost-pkg@1\.0\.0: E_NOT_FOUND/m);
  });

  it('a registry that fails makes the exit code 3 (a network failure)', async () => {
    registry.setFaults(tarballPath('tiny-util', '1.0.0'), { kind: 'status', status: 503 });
    try {
      const r = await runCli(['audit', 'package-lock.json', '--json', '--cache-dir', join(tmp.root, 'cold-503'), '--registry', registry.url], { env: tmp.env, cwd: tmp.project, timeoutMs: 90_000 });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/^depcaps: warning: tiny-util@1\.0\.0: E_REGISTRY/m);
    } finally {
      registry.setFaults(tarballPath('tiny-util', '1.0.0'), []);
    }
  });

  it('a lockfile audited away from its checkout: missing workspace folders are one line, not a failure', async () => {
    const lock = JSON.parse(lockText) as { packages: Record<string, Record<string, unknown>> };
    delete lock.packages['node_modules/lost-pkg'];
    const root = lock.packages['']!;
    root['workspaces'] = ['packages/*'];
    for (const ws of ['ws-a', 'ws-b', 'ws-c', 'ws-d']) {
      lock.packages[`packages/${ws}`] = { name: ws, version: '1.0.0' };
      lock.packages[`node_modules/${ws}`] = { resolved: `packages/${ws}`, link: true };
    }
    const dir = join(tmp.root, 'elsewhere');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));
    const r = await runCli(['audit', join(dir, 'package-lock.json'), '--json', '--registry', registry.url], { env: tmp.env, cwd: dir, timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('depcaps: warning:'));
    expect(warnings).toEqual([
      'depcaps: warning: 4 workspace or local package folder(s) not found next to the lockfile (ws-a, ws-b, ws-c, …): their own code was not analysed; audit inside the checkout to include it',
    ]);
    const report = parseJson<AuditReport>(r);
    expect(report.packages.filter((p) => p.status === 'error').map((p) => p.name)).toEqual(['ws-a', 'ws-b', 'ws-c', 'ws-d']);
    expect(report.packages.find((p) => p.name === 'net-client')!.status).toBe('ok');
  });

  it('--omit dev skips dev packages; --fail-on exits 1 when a package has the capability', async () => {
    const prod = parseJson<AuditReport>(await audit(['--json', '--omit', 'dev', '--allow-missing']));
    expect(prod.packages.map((p) => p.name).sort()).toEqual(['env-reader', 'lost-pkg', 'net-client', 'tiny-util']);
    const fail = await audit(['--fail-on', 'shell,install-script', '--allow-missing']);
    expect(fail.code).toBe(1);
    expect(fail.stderr).toMatch(/--fail-on: 1 package\(s\) have shell, install-script: build-tool@3\.0\.0/);
    expect((await audit(['--fail-on', 'shell', '--omit', 'dev', '--allow-missing'])).code).toBe(0);
  });

  it('text output: what needs a decision first, grouped by riskiest capability, the rest summarised (--all: listed); a second run comes from the cache', async () => {
    await audit(['--allow-missing']);
    const r = await audit(['--allow-missing']);
    expect(r.stdout).toMatch(/^install-script \(1\)\n {2}build-tool@3\.0\.0\s+install-script 1, shell 2\s+\[dev\]$/m);
    expect(r.stdout).toMatch(/^network \(1\)\n {2}net-client@1\.2\.0\s+network 2$/m);
    // Lower severities are one line by default; --all lists them.
    expect(r.stdout).toMatch(/^lower severity only \(1\): env 1 \(--all lists them\)$/m);
    expect(r.stdout).not.toContain('env-reader');
    expect((await audit(['--allow-missing', '--all'])).stdout).toMatch(/^env \(1\)\n {2}env-reader@0\.4\.0\s+env 1\s+\[as reader-alias\]$/m);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/^5 packages: .* · 1 not analysed · 0 partial · 4 from cache$/);
  });

  it('--sarif is valid SARIF 2.1.0 located at the lockfile lines; --markdown renders a table', async () => {
    const r = await audit(['--sarif', '--allow-missing']);
    const log = JSON.parse(r.stdout) as { runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] };
    const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as Record<string, unknown>;
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    const shell = log.runs[0]!.results.find((x) => x.ruleId === 'shell')!;
    expect(shell.locations[0]!.physicalLocation).toEqual({ artifactLocation: { uri: 'package-lock.json' }, region: { startLine: lineOf('node_modules/build-tool') } });
    const md = await audit(['--markdown', '--allow-missing']);
    expect(md.stdout).toContain('| `build-tool@3.0.0` | install-script (1), shell (2) | dev |');
  });

  it('an integrity mismatch is a loud error for that package, never a silent re-fetch; the others are audited', async () => {
    const lock = JSON.parse(lockText) as { packages: Record<string, { integrity?: string }> };
    lock.packages['node_modules/tiny-util']!.integrity = lock.packages['node_modules/net-client']!.integrity!;
    writeFileSync(join(tmp.project, 'tampered-lock.json'), JSON.stringify(lock, null, 2));
    writeFileSync(join(tmp.project, 'package-lock.json.bak'), lockText);
    const { copyFileSync, mkdirSync } = await import('node:fs');
    const dir = join(tmp.project, 'tampered');
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(tmp.project, 'package.json'), join(dir, 'package.json'));
    copyFileSync(join(tmp.project, 'tampered-lock.json'), join(dir, 'package-lock.json'));
    const r = await runCli(['audit', '--json', '--no-cache', '--cache-dir', join(tmp.root, 'cold'), '--registry', registry.url], { env: tmp.env, cwd: dir, timeoutMs: 90_000 });
    // An input error (2), not a network failure (3): fetching again will not help.
    expect(r.code).toBe(2);
    const report = parseJson<AuditReport>(r);
    const tiny = report.packages.find((p) => p.name === 'tiny-util')!;
    expect(tiny.status).toBe('error');
    expect(tiny.error).toMatch(/E_INTEGRITY/);
    expect(report.packages.find((p) => p.name === 'net-client')!.status).toBe('ok');
  });

  it('no lockfile, or an unreadable one: exit 2 with one clear line', async () => {
    const none = await runCli(['audit'], { env: tmp.env, cwd: tmp.home });
    expect(none.code).toBe(2);
    expect(none.stderr.split('\n')[0]).toMatch(/^depcaps: /);
    writeFileSync(join(tmp.project, 'broken-lock.json'), '{"lockfileVersion": 3, "packages": {}} trailing');
    expect((await audit([], 'broken-lock.json')).code).toBe(2);
  });

  it('--max-file-bytes applies to an audit, and a partial result of a smaller limit is not reused for a larger one', async () => {
    const cacheDir = join(tmp.root, 'limit-cache');
    const small = await audit(['--json', '--allow-missing', '--max-file-bytes', '16', '--cache-dir', cacheDir]);
    expect(small.code, small.stderr).toBe(0);
    const partial = parseJson<AuditReport>(small).packages.find((p) => p.name === 'net-client')!;
    expect(partial).toMatchObject({ status: 'partial', capabilities: ['network'] });
    // Both files are over 16 bytes: the manifest is not read, index.js is scanned lexically (it still shows network).
    expect(partial.error).toMatch(/^2 file\(s\) not fully analysed/);
    const full = parseJson<AuditReport>(await audit(['--json', '--allow-missing', '--cache-dir', cacheDir])).packages.find((p) => p.name === 'net-client')!;
    expect(full).toMatchObject({ status: 'ok', cached: false, capabilities: ['network'] });
    const bad = await audit(['--max-file-bytes', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--max-file-bytes takes a size');
  });
});
