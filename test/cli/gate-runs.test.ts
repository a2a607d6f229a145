/**
 * When gained code runs, end to end: lockfiles written by npm against a registry on 127.0.0.1, two commits.
 * The bump brings
 * - inst-net 1.0.0 → 1.1.0: its postinstall (`node setup.js`, there before) now requires ./net, which calls
 *   https.get at top level: network gained in install-time code;
 * - call-net 1.0.0 → 1.1.0: network gained inside an exported function: call-time code;
 * - test-shell 1.0.0 → 1.1.0: shell gained only in test/a.test.js, which nothing reaches;
 * - held-net 1.0.0 → 1.1.0: network at call time before; now a new postinstall calls the network too: the
 *   package starts running code at install, and network is newly used at install.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport, DiffReport, GateReport, ScriptsReport } from '../../src/contract/index.js';
import { startRegistry, type LocalRegistry } from '../helpers/local-registry.js';
import { parseJson, runCli, type CliResult } from '../helpers/run-cli.js';
import { makeTmpEnv, type TmpEnv } from '../helpers/tmp-env.js';
import { npmLockOnlyArgs, runTool } from '../lockfile/tools.js';

const GIT_ENV = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', GIT_CONFIG_NOSYSTEM: '1' };
const DEPS_BASE = { 'inst-net': '1.0.0', 'call-net': '1.0.0', 'test-shell': '1.0.0', 'held-net': '1.0.0' };
const DEPS_HEAD = { 'inst-net': '1.1.0', 'call-net': '1.1.0', 'test-shell': '1.1.0', 'held-net': '1.1.0' };

let tmp: TmpEnv;
let registry: LocalRegistry;

async function git(...args: string[]): Promise<string> {
  return (await runTool('git', args, { cwd: tmp.project, env: { ...tmp.env, ...GIT_ENV }, timeoutMs: 30_000 })).stdout;
}

async function lock(dependencies: Record<string, string>): Promise<void> {
  writeFileSync(join(tmp.project, 'package.json'), `${JSON.stringify({ name: 'app', version: '1.0.0', dependencies }, null, 2)}\n`);
  await runTool('npm', npmLockOnlyArgs(registry.url), { cwd: tmp.project, env: { ...tmp.env, npm_config_registry: registry.url }, timeoutMs: 60_000 });
}

function writePolicy(name: string, policy: unknown): string {
  writeFileSync(join(tmp.project, name), `${JSON.stringify(policy, null, 2)}\n`);
  return name;
}

beforeAll(async () => {
  tmp = makeTmpEnv({ DEPCAPS_FETCH_RETRIES: '0', ...GIT_ENV });
  const plain = { 'index.js': 'module.exports = 1;\n' };
  const fetcher = { 'index.js': "module.exports = (u) => require('https').get(u);\n" };
  registry = await startRegistry({
    packages: {
      'inst-net': {
        versions: {
          '1.0.0': { files: { ...plain, 'setup.js': "require('fs').writeFileSync('done', '1');\n" }, scripts: { postinstall: 'node setup.js' } },
          '1.1.0': {
            files: { ...plain, 'setup.js': "require('fs').writeFileSync('done', '1');\nrequire('./net');\n", 'net.js': "require('https').get('https://x.example/p');\n" },
            scripts: { postinstall: 'node setup.js' },
          },
        },
      },
      'call-net': { versions: { '1.0.0': { files: plain }, '1.1.0': { files: fetcher } } },
      'test-shell': {
        versions: {
          '1.0.0': { files: plain },
          '1.1.0': { files: { ...plain, 'test/a.test.js': "require('child_process').execSync('ls');\n" } },
        },
      },
      'held-net': {
        versions: {
          '1.0.0': { files: fetcher },
          '1.1.0': { files: { ...fetcher, 'setup.js': "require('https').get('https://x.example/h');\n" }, scripts: { postinstall: 'node setup.js' } },
        },
      },
    },
  });
  await git('init', '-q', '-b', 'main');
  await lock(DEPS_BASE);
  await git('add', '-A');
  await git('commit', '-q', '-m', 'base');
  await lock(DEPS_HEAD);
  await git('commit', '-q', '-am', 'bump');
}, 120_000);

afterAll(async () => {
  await registry?.close();
  tmp?.cleanup();
});

const cli = (args: string[]): Promise<CliResult> => runCli([...args, '--registry', registry.url], { env: tmp.env, cwd: tmp.project, timeoutMs: 90_000 });
const gate = (args: string[]) => cli(['gate', '--base', 'HEAD~1', '--head', 'HEAD', ...args]);
const pairs = (list: readonly { package: string; capability?: string; runs?: string }[]) => list.map((v) => [v.package, v.capability, v.runs]);

/** Network is fine at run time, for everyone; install-time code may only write files (and be an install script). */
const NETWORK_AT_RUN_TIME = { version: 1, default: { allow: ['filesystem', 'install-script', 'network'], atInstall: ['filesystem', 'install-script'] } };

describe('the gate judges gained code by when it runs', () => {
  it('a policy allowing network at run time but not at install: fails where install-time code gains it, passes where call-time code does', async () => {
    const r = await gate(['--policy', writePolicy('runtime-net.policy.json', NETWORK_AT_RUN_TIME), '--json']);
    expect(r.code, r.stderr).toBe(1);
    const report = parseJson<GateReport>(r);
    expect(pairs(report.violations)).toEqual([
      ['held-net@1.1.0', 'network', 'install'],
      ['inst-net@1.1.0', 'network', 'install'],
    ]);
    const by = (name: string) => report.packages.find((p) => p.name === name)!;
    expect(by('call-net')).toMatchObject({ gained: ['network'], gainedRuns: { network: ['call'] }, gainedAtInstall: [], policy: { allowed: ['filesystem', 'install-script', 'network'], allowedAtInstall: ['filesystem', 'install-script'] } });
    expect(by('inst-net')).toMatchObject({ gained: ['network'], gainedRuns: { network: ['install'] }, gainedAtInstall: ['network'], runsAtInstall: true, previousRunsAtInstall: true });
    expect(by('inst-net').evidence.filter((e) => e.capability === 'network').map((e) => [e.api, e.file, e.runs])).toEqual([['https', 'net.js', 'install'], ['https.get', 'net.js', 'install']]);
    expect(report.violations.find((v) => v.name === 'inst-net')!.message).toBe(
      'inst-net 1.0.0 → 1.1.0 gains network at install (https.get at net.js:1); not allowed at install by the default allow list (at install it allows filesystem, install-script)',
    );
    // held-net held network before (a function calls it); its new postinstall calls it at install.
    expect(by('held-net')).toMatchObject({
      gained: ['install-script'], gainedAtInstall: ['install-script', 'network'], gainedRuns: { 'install-script': ['install'], network: ['install'] },
      runsAtInstall: true, previousRunsAtInstall: false, installScripts: { postinstall: 'node setup.js' },
    });
    expect(report.violations.find((v) => v.name === 'held-net')!.message).toMatch(/^held-net 1\.0\.0 → 1\.1\.0 gains network at install \(https\.get at setup\.js:1\), used before only at run time; not allowed at install/);
    // Shell only in a test file nothing reaches: a notice, not a failure.
    expect(report.notices.map((n) => [n.package, n.capability, n.runs, n.why])).toEqual([['test-shell@1.1.0', 'shell', 'unreached', 'unreached']]);
    expect(by('held-net').diff).toMatchObject({ install: { from: { runsAtInstall: false, scripts: {} }, to: { runsAtInstall: true, scripts: { postinstall: 'node setup.js' } } }, addedAtInstall: ['install-script', 'network'] });
  });

  it('the suggested entries (atInstall where install-time code fails) make it pass', async () => {
    const first = parseJson<GateReport>(await gate(['--policy', writePolicy('runtime-net.policy.json', NETWORK_AT_RUN_TIME), '--json']));
    expect(first.suggestedPolicy).toEqual({
      'held-net': { allow: [], atInstall: ['network'] },
      'inst-net': { allow: [], atInstall: ['network'] },
      'test-shell': { allow: ['shell'] },
    });
    const merged = writePolicy('merged.policy.json', { ...NETWORK_AT_RUN_TIME, packages: first.suggestedPolicy });
    const r = await gate(['--policy', merged, '--json']);
    expect(r.code, r.stdout).toBe(0);
    expect(parseJson<GateReport>(r).notices).toEqual([]);
  });

  it('a policy without atInstall keeps its meaning: what allow allows is allowed at install too', async () => {
    const old = writePolicy('old.policy.json', { version: 1, default: { allow: ['filesystem', 'install-script', 'network'] } });
    const r = await gate(['--policy', old, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = parseJson<GateReport>(r);
    expect(report.packages.every((p) => p.policy.allowedAtInstall === undefined)).toBe(true);
    expect(pairs(report.notices)).toEqual([['test-shell@1.1.0', 'shell', 'unreached']]);
  });

  it('--strict: a capability gained only in unreached files fails too', async () => {
    const r = await gate(['--policy', writePolicy('runtime-net.policy.json', NETWORK_AT_RUN_TIME), '--strict', '--json']);
    const report = parseJson<GateReport>(r);
    expect(report.notices).toEqual([]);
    expect(pairs(report.violations)).toContainEqual(['test-shell@1.1.0', 'shell', 'unreached']);
  });

  it('without a policy file: install-time gains fail first; unreached ones are notices; text says when each gain runs', async () => {
    const json = parseJson<GateReport>(await gate(['--json']));
    // JSON keeps package order; the formatters rank install-time ones first.
    expect(pairs(json.violations)).toEqual([
      ['call-net@1.1.0', 'network', 'call'],
      ['held-net@1.1.0', 'install-script', 'install'],
      ['held-net@1.1.0', 'network', 'install'],
      ['inst-net@1.1.0', 'network', 'install'],
    ]);
    expect(json.notices.map((n) => [n.package, n.capability, n.why])).toEqual([['test-shell@1.1.0', 'shell', 'unreached']]);

    const r = await gate(['--no-color']);
    expect(r.code).toBe(1);
    const text = r.stdout;
    // Failing packages rank by when their failing code runs: install-time ones before call-net.
    const order = ['✗ ↑ held-net', '✗ ↑ inst-net', '✗ ↑ call-net'].map((head) => text.indexOf(head));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(text).toContain('      now runs code at install: postinstall: node setup.js\n');
    expect(text).toMatch(/\+ network at install \(held before at run time\) +https\.get +setup\.js:1 .*✗ not allowed/);
    expect(text).toMatch(/\+ network when called +https\.get +index\.js:1/);
    expect(text).toContain('notices · gained only in code nothing reaches, not failing without --strict (1 package)\n  shell (unreached) (1): test-shell@1.1.0\n');

    // SARIF and GitHub annotations put install-time gains first too.
    const github = (await gate(['--format', 'github'])).stdout.split('\n').filter((l) => l.startsWith('::error '));
    expect(github[0]).toMatch(/title=depcaps%3A held-net@1\.1\.0 gained install-script at install::/);
    expect(github.at(-1)).toMatch(/title=depcaps%3A call-net@1\.1\.0 gained network::/);
  });

  it('markdown: install-time gains lead, each gain says when it runs', async () => {
    const md = (await gate(['--format', 'markdown'])).stdout;
    const rows = md.split('\n').filter((l) => l.startsWith('| `'));
    expect(rows[0]).toMatch(/^\| `held-net` \| upgraded 1\.0\.0 → 1\.1\.0 \| \*\*now runs code at install\*\*; install-script \(at install\), network \(at install\) \|/);
    expect(rows.at(-1)).toMatch(/^\| `call-net` .*network \(when called\)/);
    expect(md).toContain('#### Notices: gained only in code nothing reaches, not failing without --strict (1 package)');
    expect(md).toContain('- `test-shell@1.1.0` upgraded from 1.0.0: shell (unreached) (`child_process.execSync` at `test/a.test.js:1`)');
  });
});

describe('scripts, diff and audit read install-time code the same way', () => {
  it('scripts --check with the policy: a package whose install-time code uses what the policy does not allow at install is unreviewed', async () => {
    const r = await cli(['scripts', '--policy', writePolicy('runtime-net.policy.json', NETWORK_AT_RUN_TIME), '--check', '--json']);
    expect(r.code).toBe(1);
    const report = parseJson<ScriptsReport>(r);
    expect(report.approvals.policy).toBe('runtime-net.policy.json');
    expect(report.packages.map((p) => [p.name, p.approval, p.policy])).toEqual([
      ['held-net', 'unreviewed', { rule: 'default', allowed: false, notAllowed: ['network'] }],
      ['inst-net', 'unreviewed', { rule: 'default', allowed: false, notAllowed: ['network'] }],
    ]);
    expect(r.stderr).toContain('--check: 2 package(s) run code at install without approval or policy allowance: held-net@1.1.0 (the policy does not allow network at install), inst-net@1.1.0 (the policy does not allow network at install)');
    // Allowed at install: both count as approved, and --check passes without a single approval entry.
    const ok = writePolicy('install-net.policy.json', { ...NETWORK_AT_RUN_TIME, default: { ...NETWORK_AT_RUN_TIME.default, atInstall: ['filesystem', 'install-script', 'network'] } });
    const pass = await cli(['scripts', '--policy', ok, '--check', '--json']);
    expect(pass.code, pass.stderr).toBe(0);
    expect(parseJson<ScriptsReport>(pass).packages.map((p) => [p.name, p.approval, p.approvedBy])).toEqual([['held-net', 'allowed', 'policy'], ['inst-net', 'allowed', 'policy']]);
  });

  it('diff: when a gain runs, and a package that starts running code at install', async () => {
    const r = await cli(['diff', 'held-net', '1.0.0', '1.1.0', '--json', '--no-transitive']);
    expect(r.code, r.stderr).toBe(0);
    const report = parseJson<DiffReport>(r);
    expect(report).toMatchObject({
      added: ['install-script'], addedAtInstall: ['install-script', 'network'], addedRuns: { 'install-script': ['install'], network: ['install'] },
      install: { from: { runsAtInstall: false, scripts: {} }, to: { runsAtInstall: true, scripts: { postinstall: 'node setup.js' } } },
    });
    expect(report.newFindings.find((f) => f.file === 'setup.js')).toMatchObject({ capability: 'network', runs: 'install' });
    const text = (await cli(['diff', 'held-net', '1.0.0', '1.1.0', '--no-transitive', '--no-color'])).stdout;
    expect(text).toContain('\nnow runs code at install: postinstall: node setup.js\n');
    expect(text).toContain('\n+ network at install  (held before only at run time: its install-time code now uses it)\n');
  });

  it('audit: the install-time code of each package, in JSON and leading the text', async () => {
    const report = parseJson<AuditReport>(await cli(['audit', '--json']));
    const inst = report.packages.find((p) => p.name === 'inst-net')!;
    expect(inst.install).toMatchObject({ scripts: { postinstall: 'node setup.js' }, files: ['net.js', 'setup.js'], capabilities: ['filesystem', 'install-script', 'network'] });
    expect(inst.install!.evidence.map((e) => [e.capability, e.file])).toEqual([['filesystem', 'setup.js'], ['install-script', 'package.json'], ['network', 'net.js']]);
    expect(report.packages.find((p) => p.name === 'call-net')!.install).toBeUndefined();
    expect(report.summary).toMatchObject({ runsAtInstall: 2, installCapabilities: { filesystem: 1, 'install-script': 2, network: 2 } });
    const lines = (await cli(['audit', '--no-color'])).stdout.split('\n');
    expect(lines[1]).toMatch(/^4 packages: 2 run code at install · /);
    expect(lines[3]).toMatch(/^runs at install \(2\) · /);
    // The riskiest install-time code first (both call the network; inst-net also writes files); the script
    // line stands for install-script, then one finding per capability of the code it runs.
    expect(lines.slice(4, 10)).toEqual([
      '  inst-net@1.1.0  postinstall: node setup.js',
      expect.stringMatching(/^ {4}network +https\.get +net\.js:1 +require\('https'\)\.get/),
      expect.stringMatching(/^ {4}filesystem +fs\.writeFileSync +setup\.js:1 +require\('fs'\)/),
      '  held-net@1.1.0  postinstall: node setup.js',
      expect.stringMatching(/^ {4}network +https\.get +setup\.js:1 +require\('https'\)\.get/),
      '',
    ]);
  });
});
