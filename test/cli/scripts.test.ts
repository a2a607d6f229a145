/**
 * `depcaps scripts` end to end: a package-lock.json written by npm against a registry on 127.0.0.1, the
 * inventory (scripts, the files they run, what that code can do), `--check`, `--write npm|pnpm` (byte
 * stable, then `--check` passes; one approval removed fails it; a deny is not a violation).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScriptsReport } from '../../src/contract/index.js';
import { startRegistry, type LocalRegistry } from '../helpers/local-registry.js';
import { parseJson, runCli } from '../helpers/run-cli.js';
import { makeTmpEnv, type TmpEnv } from '../helpers/tmp-env.js';
import { npmLockOnlyArgs, runTool } from '../lockfile/tools.js';

let tmp: TmpEnv;
let registry: LocalRegistry;
let manifest: string;
/** npm writes pinned approvals only when the lockfile has the tarball URLs it trusts versions from. */
let pinned: boolean;

beforeAll(async () => {
  tmp = makeTmpEnv({ DEPCAPS_FETCH_RETRIES: '0' });
  registry = await startRegistry({
    packages: {
      'dl-tool': {
        versions: {
          '2.1.0': {
            files: {
              'install.js': "const https = require('https');\nconst { execFileSync } = require('child_process');\nhttps.get('https://x.example/bin', () => execFileSync('./bin/tool', ['--version']));\n",
              'index.js': "module.exports = () => require('fs').readFileSync('x');\n",
            },
            scripts: { postinstall: 'node install.js' },
          },
        },
      },
      'native-addon': { versions: { '1.0.0': { files: { 'binding.gyp': '{ "targets": [] }', 'index.js': "module.exports = require('./build/Release/addon.node');\n" } } } },
      'prebuilt': { versions: { '0.3.0': { files: { 'index.js': 'module.exports = 1;\n' }, scripts: { install: 'prebuild-install || node-gyp rebuild' } } } },
      'git-hooks': { versions: { '5.0.0': { files: { 'index.js': 'module.exports = 1;\n', 'build.js': "require('child_process').execSync('tsc');\n" }, scripts: { prepare: 'node build.js' } } } },
      'plain': { versions: { '1.0.0': { files: { 'index.js': 'module.exports = process.env.HOME;\n' } } } },
    },
  });
  manifest = `${JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { 'dl-tool': '^2.1.0', 'native-addon': '1.0.0', prebuilt: '0.3.0', 'git-hooks': '5.0.0', plain: '1.0.0' } }, null, 2)}\n`;
  writeFileSync(join(tmp.project, 'package.json'), manifest);
  await runTool('npm', npmLockOnlyArgs(registry.url), { cwd: tmp.project, env: { ...tmp.env, npm_config_registry: registry.url }, timeoutMs: 60_000 });
  pinned = readFileSync(join(tmp.project, 'package-lock.json'), 'utf8').includes('"resolved"');
});

afterAll(async () => {
  await registry.close();
  tmp.cleanup();
});

const scripts = (args: string[]) => runCli(['scripts', 'package-lock.json', ...args, '--registry', registry.url], { env: tmp.env, cwd: tmp.project, timeoutMs: 90_000 });
const key = (name: string, version: string) => (pinned ? `${name}@${version}` : name);

describe('depcaps scripts', () => {
  it('lists every package whose install runs code, with its scripts, the files they run and what that code can do', async () => {
    writeFileSync(join(tmp.project, 'package.json'), manifest);
    const r = await scripts(['--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = parseJson<ScriptsReport>(r);
    expect(report.approvals).toEqual({ manager: 'npm', sources: ['package.json allowScripts'] });
    const rows = Object.fromEntries(report.packages.map((p) => [`${p.name}@${p.version}`, { scripts: p.scripts, runs: p.runs, programs: p.programs, capabilities: p.capabilities, approval: p.approval }]));
    expect(rows).toEqual({
      'dl-tool@2.1.0': { scripts: { postinstall: 'node install.js' }, runs: ['install.js'], programs: [], capabilities: ['install-script', 'network', 'shell'], approval: 'unreviewed' },
      'native-addon@1.0.0': { scripts: { install: 'node-gyp rebuild' }, runs: ['binding.gyp'], programs: ['node-gyp'], capabilities: ['install-script', 'native'], approval: 'unreviewed' },
      'prebuilt@0.3.0': { scripts: { install: 'prebuild-install || node-gyp rebuild' }, runs: [], programs: ['node-gyp', 'prebuild-install'], capabilities: ['install-script'], approval: 'unreviewed' },
    });
    const dl = report.packages.find((p) => p.name === 'dl-tool')!;
    expect(dl.findings.every((f) => f.runs === 'install')).toBe(true);
    expect(dl.findings.map((f) => `${f.file}:${f.api}`)).toEqual(expect.arrayContaining(['install.js:https.get', 'install.js:child_process.execFileSync']));
    // index.js runs when called, not at install: it is not evidence of install-time code.
    expect(dl.findings.some((f) => f.file === 'index.js')).toBe(false);
    expect(report.summary).toMatchObject({ scanned: 5, packages: 3, unreviewed: 3, approved: 0, errors: 0 });
  });

  it('text: unreviewed first, each package with its scripts and evidence', async () => {
    const r = await scripts([]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^UNREVIEWED \(3\)/m);
    expect(r.stdout).toContain('postinstall: node install.js');
    expect(r.stdout).toMatch(/network\s+https\.get\s+install\.js:3/);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('3 of 5 packages run code at install (3 unreviewed)');
  });

  it('--check fails on unreviewed install-time code; --write npm --all approves it, byte-stable; then --check passes', async () => {
    writeFileSync(join(tmp.project, 'package.json'), manifest);
    const before = await scripts(['--check']);
    expect(before.code).toBe(1);
    expect(before.stderr).toContain('--check: 3 package(s) run code at install without approval');

    const write = await scripts(['--write', 'npm', '--all']);
    expect(write.code, write.stderr).toBe(0);
    const written = readFileSync(join(tmp.project, 'package.json'), 'utf8');
    const parsed = JSON.parse(written) as { allowScripts: Record<string, boolean>; dependencies: Record<string, string> };
    expect(parsed.allowScripts).toEqual({ [key('dl-tool', '2.1.0')]: true, [key('native-addon', '1.0.0')]: true, [key('prebuilt', '0.3.0')]: true });
    // Only the field changed: the rest of the file is as it was, byte for byte.
    expect(written.startsWith(manifest.trimEnd().slice(0, -2))).toBe(true);
    expect(Object.keys(JSON.parse(written) as object)).toEqual(['name', 'version', 'dependencies', 'allowScripts']);

    const again = await scripts(['--write', 'npm']);
    expect(again.stderr).toContain('unchanged');
    expect(readFileSync(join(tmp.project, 'package.json'), 'utf8')).toBe(written);
    expect((await scripts(['--check'])).code).toBe(0);

    // One approval removed: --check names the package and fails.
    delete parsed.allowScripts[key('prebuilt', '0.3.0')];
    writeFileSync(join(tmp.project, 'package.json'), `${JSON.stringify(parsed, null, 2)}\n`);
    const after = await scripts(['--check']);
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('without approval: prebuilt@0.3.0');

    // A deny is a decision: the package is denied (its scripts will not run), not unreviewed.
    parsed.allowScripts['prebuilt'] = false;
    writeFileSync(join(tmp.project, 'package.json'), `${JSON.stringify(parsed, null, 2)}\n`);
    const denied = await scripts(['--check', '--json']);
    expect(denied.code, denied.stderr).toBe(0);
    expect(parseJson<ScriptsReport>(denied).packages.find((p) => p.name === 'prebuilt')).toMatchObject({ approval: 'denied', approvedBy: 'prebuilt' });
    // --write keeps the deny, and --all never turns it into an approval.
    await scripts(['--write', 'npm', '--all']);
    expect((JSON.parse(readFileSync(join(tmp.project, 'package.json'), 'utf8')) as { allowScripts: Record<string, boolean> }).allowScripts['prebuilt']).toBe(false);
  });

  it('--write npm without --all keeps exactly the approved packages and drops stale approvals', async () => {
    const stale = { ...JSON.parse(manifest), allowScripts: { 'dl-tool': true, 'left-pad@1.0.0': true } };
    writeFileSync(join(tmp.project, 'package.json'), `${JSON.stringify(stale, null, 2)}\n`);
    expect((await scripts(['--write', 'npm'])).code).toBe(0);
    expect((JSON.parse(readFileSync(join(tmp.project, 'package.json'), 'utf8')) as { allowScripts: unknown }).allowScripts).toEqual({ 'dl-tool': true });
  });

  it('--write pnpm writes onlyBuiltDependencies into pnpm-workspace.yaml, keeping the rest; --check --manager pnpm reads it', async () => {
    writeFileSync(join(tmp.project, 'package.json'), manifest);
    const yaml = join(tmp.project, 'pnpm-workspace.yaml');
    writeFileSync(yaml, '# workspace settings\npackages:\n  - .\n');
    try {
      expect((await scripts(['--check', '--manager', 'pnpm'])).code).toBe(1);
      expect((await scripts(['--write', 'pnpm', '--all'])).code).toBe(0);
      const text = readFileSync(yaml, 'utf8');
      expect(text).toBe('# workspace settings\npackages:\n  - .\nonlyBuiltDependencies:\n  - dl-tool\n  - native-addon\n  - prebuilt\n');
      await scripts(['--write', 'pnpm']);
      expect(readFileSync(yaml, 'utf8')).toBe(text);
      expect((await scripts(['--check', '--manager', 'pnpm'])).code).toBe(0);
    } finally {
      rmSync(yaml, { force: true });
    }
    expect(existsSync(yaml)).toBe(false);
  });

  it('with a policy: what it allows at install counts as approved; --write npm writes exactly that; --check follows', async () => {
    writeFileSync(join(tmp.project, 'package.json'), manifest);
    const policyFile = join(tmp.project, 'depcaps.policy.json');
    const policy = (prebuiltAtInstall: string[]) => ({
      version: 1,
      default: { allow: [], atInstall: [] },
      packages: {
        'dl-tool': { allow: ['install-script', 'network', 'shell'], atInstall: ['install-script', 'network', 'shell'] },
        'native-addon': { allow: ['install-script', 'native'], atInstall: ['install-script', 'native'] },
        prebuilt: { allow: ['install-script'], atInstall: prebuiltAtInstall },
      },
    });
    writeFileSync(policyFile, JSON.stringify(policy(['install-script'])));
    try {
      // Found next to the lockfile: every package is allowed by it, with no approval entry at all.
      const allowed = await scripts(['--check', '--json']);
      expect(allowed.code, allowed.stderr).toBe(0);
      const report = parseJson<ScriptsReport>(allowed);
      expect(report.approvals.policy).toBe('depcaps.policy.json');
      expect(report.packages.map((p) => [p.name, p.approval, p.approvedBy, p.policy?.rule])).toEqual([
        ['dl-tool', 'allowed', 'policy', 'dl-tool'],
        ['native-addon', 'allowed', 'policy', 'native-addon'],
        ['prebuilt', 'allowed', 'policy', 'prebuilt'],
      ]);

      // --write npm (no --all) writes the packages the policy allows; then --check passes on the approvals alone.
      expect((await scripts(['--write', 'npm'])).code).toBe(0);
      const parsed = JSON.parse(readFileSync(join(tmp.project, 'package.json'), 'utf8')) as { allowScripts: Record<string, boolean> };
      expect(parsed.allowScripts).toEqual({ [key('dl-tool', '2.1.0')]: true, [key('native-addon', '1.0.0')]: true, [key('prebuilt', '0.3.0')]: true });
      expect((await scripts(['--check', '--no-policy'])).code).toBe(0);

      // One approval removed: without the policy --check fails; the policy still allows it.
      delete parsed.allowScripts[key('prebuilt', '0.3.0')];
      writeFileSync(join(tmp.project, 'package.json'), `${JSON.stringify(parsed, null, 2)}\n`);
      const bare = await scripts(['--check', '--no-policy']);
      expect(bare.code).toBe(1);
      expect(bare.stderr).toContain('without approval: prebuilt@0.3.0');
      expect((await scripts(['--check'])).code).toBe(0);

      // The policy no longer lets prebuilt's install script run: --check fails and says why; --write npm drops it.
      writeFileSync(policyFile, JSON.stringify(policy([])));
      const refused = await scripts(['--check']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('without approval or policy allowance: prebuilt@0.3.0 (the policy does not allow install-script at install)');
      expect(refused.stdout).toContain('    policy: policy entry "prebuilt" does not allow install-script at install\n');
    } finally {
      rmSync(policyFile, { force: true });
    }
  });

  it('usage errors exit 2', async () => {
    expect((await scripts(['--write', 'yarn'])).code).toBe(2);
    expect((await scripts(['--all'])).code).toBe(2);
    expect((await scripts(['--manager', 'deno'])).code).toBe(2);
  });
});
