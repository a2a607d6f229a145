/**
 * The gate's first run and platform families end-to-end: lockfiles written by npm against a local registry
 * whose `tool` has platform packages (`os`/`cpu`, optional dependencies of `tool`, each holding a binary).
 * Commit 1 locks tool 1.0.0 (two platforms) and env-lib 1.0.0; commit 2 bumps tool to 1.1.0 (a third
 * platform appears) and env-lib to 1.1.0 (it now reads an environment variable), and adds net-lib (network).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../capabilities/index.js';
import type { AuditReport, GateReport } from '../../src/contract/index.js';
import { startRegistry, type LocalRegistry, type RegistryVersion } from '../helpers/local-registry.js';
import { parseJson, runCli, type CliResult } from '../helpers/run-cli.js';
import { makeTmpEnv, type TmpEnv } from '../helpers/tmp-env.js';
import { npmLockOnlyArgs, runTool } from '../lockfile/tools.js';

const GIT_ENV = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', GIT_CONFIG_NOSYSTEM: '1' };
/** An ELF header: the catalog's `native` magic bytes. */
const ELF = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(56)]);

let tmp: TmpEnv;
let registry: LocalRegistry;

/** A platform package of `tool`: a binary and a manifest that says where it runs. */
function platformPackage(platform: string, version: string): RegistryVersion {
  const [os, cpu] = platform.split('-');
  const manifest = { name: `@tool/${platform}`, version, os: [os], cpu: [cpu] };
  return { files: { 'package.json': JSON.stringify(manifest), 'bin/tool': ELF }, packument: { os: [os], cpu: [cpu] } };
}

/** `tool` itself: its optional dependencies are its platform packages. */
function tool(version: string, platforms: string[]): RegistryVersion {
  const optionalDependencies = Object.fromEntries(platforms.map((p) => [`@tool/${p}`, version]));
  return { files: { 'package.json': JSON.stringify({ name: 'tool', version, optionalDependencies }), 'index.js': 'module.exports = 1;\n' }, packument: { optionalDependencies } };
}

async function git(...args: string[]): Promise<string> {
  return (await runTool('git', args, { cwd: tmp.project, env: { ...tmp.env, ...GIT_ENV }, timeoutMs: 30_000 })).stdout;
}

async function lock(dependencies: Record<string, string>): Promise<void> {
  writeFileSync(join(tmp.project, 'package.json'), `${JSON.stringify({ name: 'app', version: '1.0.0', dependencies }, null, 2)}\n`);
  await runTool('npm', npmLockOnlyArgs(registry.url), { cwd: tmp.project, env: { ...tmp.env, npm_config_registry: registry.url }, timeoutMs: 60_000 });
}

beforeAll(async () => {
  tmp = makeTmpEnv({ DEPCAPS_FETCH_RETRIES: '0', ...GIT_ENV });
  const platforms = ['darwin-arm64', 'linux-x64', 'win32-x64'];
  registry = await startRegistry({
    packages: {
      tool: { versions: { '1.0.0': tool('1.0.0', platforms.slice(0, 2)), '1.1.0': tool('1.1.0', platforms) } },
      ...Object.fromEntries(platforms.map((p) => [`@tool/${p}`, { versions: { '1.0.0': platformPackage(p, '1.0.0'), '1.1.0': platformPackage(p, '1.1.0') } }])),
      'env-lib': {
        versions: {
          '1.0.0': { files: { 'index.js': 'module.exports = 0;\n' } },
          '1.1.0': { files: { 'index.js': 'module.exports = process.env.FORCE_COLOR;\n' } },
        },
      },
      'net-lib': { versions: { '1.0.0': { files: { 'index.js': "module.exports = (u) => require('https').get(u);\n" } } } },
    },
  });
  await git('init', '-q', '-b', 'main');
  await lock({ tool: '1.0.0', 'env-lib': '1.0.0' });
  await git('add', '-A');
  await git('commit', '-q', '-m', 'base');
  await lock({ tool: '1.1.0', 'env-lib': '1.1.0', 'net-lib': '1.0.0' });
  await git('commit', '-q', '-am', 'bump');
}, 120_000);

afterAll(async () => {
  await registry?.close();
  tmp?.cleanup();
});

const cli = (args: string[]): Promise<CliResult> => runCli([...args, '--registry', registry.url], { env: tmp.env, cwd: tmp.project, timeoutMs: 90_000 });

describe('the gate without a policy file', () => {
  it('gaining a high-severity capability fails, gaining env is a notice; platform packages are one family', async () => {
    const r = await cli(['gate', '--base', 'HEAD~1', '--head', 'HEAD', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const report = parseJson<GateReport>(r);
    // From the catalog's severities: high and critical fail, the rest are notices; every capability is in one list.
    expect(report.policy.builtIn!.fails).toEqual(expect.arrayContaining(['eval', 'install-script', 'native', 'network', 'shell']));
    expect(report.policy.builtIn!.notices).toEqual(['dynamic-require', 'env', 'filesystem']);
    expect([...report.policy.builtIn!.fails, ...report.policy.builtIn!.notices].sort()).toEqual(catalog.map((c) => c.id).sort());
    expect(report.violations.map((v) => [v.package, v.capability])).toEqual([['@tool/win32-x64@1.1.0', 'native'], ['net-lib@1.0.0', 'network']]);
    expect(report.notices.map((n) => [n.package, n.capability])).toEqual([['env-lib@1.1.0', 'env']]);
    expect(report.summary).toMatchObject({ violations: 2, notices: 1 });
    const families = report.packages.filter((p) => p.family !== undefined).map((p) => [p.name, p.change, p.family]);
    expect(families).toEqual([
      ['@tool/darwin-arm64', 'upgraded', { parent: 'tool', glob: '@tool/*' }],
      ['@tool/linux-x64', 'upgraded', { parent: 'tool', glob: '@tool/*' }],
      ['@tool/win32-x64', 'added', { parent: 'tool', glob: '@tool/*' }],
    ]);
    // One glob entry for the family; the notice is covered too, as a policy file makes every gain count.
    expect(report.suggestedPolicy).toEqual({ '@tool/*': { allow: ['native'] }, 'env-lib': { allow: ['env'] }, 'net-lib': { allow: ['network'] } });
    // The report says what failed; stderr says it once more, plainly, as the report went to stdout as JSON.
    expect(r.stderr).not.toMatch(/warning/);
    expect(r.stderr.trim().split('\n')).toEqual(['depcaps: gate failed: 2 violations in 2 packages: @tool/win32-x64@1.1.0 (native), net-lib@1.0.0 (network)']);
  });

  it('text: the verdict, how it judged and how to be stricter; nothing more on stderr', async () => {
    const r = await cli(['gate', '--base', 'HEAD~1', '--head', 'HEAD', '--no-color']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('depcaps gate: FAIL · 2 violations in 2 of 6 dependency changes · 1 notice');
    expect(lines[2]).toMatch(/^no policy file: gaining eval, .*install-script, native, network.* or shell fails the gate; gaining dynamic-require, env or filesystem is a notice\. Stricter: `--strict`/);
    expect(r.stdout).toContain('notices · gained, not failing without a policy file (1 package)\n  env (1): env-lib@1.1.0\n');
    expect(r.stdout).toContain('  @tool/* (2 platform packages of tool) 1.0.0 → 1.1.0\n');
  });

  it('--strict: every gain counts', async () => {
    const report = parseJson<GateReport>(await cli(['gate', '--base', 'HEAD~1', '--head', 'HEAD', '--strict', '--json']));
    expect(report.policy.builtIn).toBeUndefined();
    expect(report.notices).toEqual([]);
    expect(report.violations.map((v) => [v.package, v.capability])).toEqual(
      expect.arrayContaining([['env-lib@1.1.0', 'env'], ['net-lib@1.0.0', 'network'], ['@tool/win32-x64@1.1.0', 'native']]),
    );
  });
});

describe('policy init and audit with a platform family', () => {
  it('policy init writes one glob entry for the family; a new platform package of it then passes', async () => {
    await git('checkout', '-q', 'HEAD~1', '--', 'package.json', 'package-lock.json');
    try {
      const init = await cli(['policy', 'init', '--output', 'base.policy.json', '--json']);
      expect(init.code, init.stderr).toBe(0);
      expect(parseJson<{ families: string[] }>(init).families).toEqual(['@tool/*']);
    } finally {
      await git('checkout', '-q', 'HEAD', '--', 'package.json', 'package-lock.json');
    }
    const policy = JSON.parse(readFileSync(join(tmp.project, 'base.policy.json'), 'utf8')) as { packages: Record<string, unknown> };
    expect(policy.packages).toEqual({ '@tool/*': { allow: ['native'], reason: 'platform packages of tool' } });
    const report = parseJson<GateReport>(await cli(['gate', '--base', 'HEAD~1', '--head', 'HEAD', '--policy', 'base.policy.json', '--json']));
    // With a policy file nothing is a notice; the new platform package is allowed by the glob.
    expect(report.notices).toEqual([]);
    expect(report.violations.map((v) => [v.package, v.capability])).toEqual([['env-lib@1.1.0', 'env'], ['net-lib@1.0.0', 'network']]);
    expect(report.packages.find((p) => p.name === '@tool/win32-x64')!.policy.rule).toBe('@tool/*');
  });

  it('audit: the family is one line, and --all lists its members', async () => {
    const json = parseJson<AuditReport>(await cli(['audit', '--json']));
    expect(json.packages.filter((p) => p.family).map((p) => p.name)).toEqual(['@tool/darwin-arm64', '@tool/linux-x64', '@tool/win32-x64']);
    const text = await cli(['audit', '--no-color']);
    expect(text.stdout).toContain('  @tool/* (3 platform packages of tool) 1.1.0: native in 3\n');
    expect(text.stdout).not.toContain('@tool/linux-x64@1.1.0');
    const all = await cli(['audit', '--no-color', '--all']);
    expect(all.stdout).toContain('  @tool/* (3 platform packages of tool) 1.1.0: native in 3\n    @tool/darwin-arm64@1.1.0');
    expect(all.stdout).toMatch(/^no capability \(1\)\n {2}tool@1\.1\.0/m);
  });
});
