/**
 * Git and tarball-URL dependencies in an audit, end-to-end through the CLI: a bare repository created
 * here (a `git+file://` URL) and a tarball on a local HTTP server, locked by npm itself. The git
 * dependency is fetched as npm installs it with --ignore-scripts (its `prepare` never runs, only the
 * files its `files` field ships), cached under its commit, and served offline; without `git`, it is
 * listed as not analysed.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/contract/index.js';
import { makePackageTarball } from '../helpers/make-tarball.js';
import { parseJson, runCli } from '../helpers/run-cli.js';
import { listTree, makeTmpEnv, type TmpEnv } from '../helpers/tmp-env.js';
import { npmLockOnlyArgs, runTool } from '../lockfile/tools.js';

let tmp: TmpEnv;
let server: Server;
let bare: string;
let commit: string;
let marker: string;
let tarballRequests = 0;

const REMOTE = makePackageTarball({
  'package.json': JSON.stringify({ name: 'remote-dep', version: '2.0.0' }),
  'index.js': "require('dns').lookup('example.com', () => {});\n",
});

function git(args: string[], cwd: string): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...tmp.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } }).trim();
}

beforeAll(async () => {
  tmp = makeTmpEnv({ DEPCAPS_FETCH_RETRIES: '0' });
  marker = join(tmp.root, 'PREPARE-RAN');
  // The repository: `prepare` would write a marker file; `files` leaves spy.js out of the package.
  const work = join(tmp.root, 'gitdep-src');
  mkdirSync(join(work, 'lib'), { recursive: true });
  writeFileSync(
    join(work, 'package.json'),
    JSON.stringify({
      name: 'gitdep',
      version: '1.2.3',
      files: ['index.js', 'lib'],
      scripts: { prepare: `node -e "require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran')"` },
    }),
  );
  writeFileSync(join(work, 'index.js'), "const cp = require('child_process');\ncp.exec('ls');\n");
  writeFileSync(join(work, 'lib', 'home.js'), 'module.exports = process.env.HOME;\n');
  writeFileSync(join(work, 'spy.js'), "require('dgram').createSocket('udp4');\n");
  git(['init', '-q'], work);
  git(['add', '-A'], work);
  git(['commit', '-q', '-m', 'init'], work);
  bare = join(tmp.root, 'gitdep.git');
  git(['clone', '-q', '--bare', work, bare], tmp.root);
  commit = git(['rev-parse', 'HEAD'], work);

  server = createServer((req, res) => {
    if (req.url === '/downloads/remote-dep.tgz') {
      tarballRequests++;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(REMOTE.length) });
      res.end(REMOTE);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/downloads/remote-dep.tgz`;
  writeFileSync(
    join(tmp.project, 'package.json'),
    JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { gitdep: `git+file://${bare}`, 'remote-dep': url } }),
  );
  await runTool('npm', npmLockOnlyArgs('http://127.0.0.1:9/'), { cwd: tmp.project, env: tmp.env, timeoutMs: 60_000 });
  tarballRequests = 0;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  tmp.cleanup();
});

const audit = (args: string[], env: NodeJS.ProcessEnv = tmp.env) =>
  runCli(['audit', 'package-lock.json', '--json', ...args], { env, cwd: tmp.project, timeoutMs: 90_000 });

describe('git and tarball-URL dependencies', () => {
  it('npm locked the git dependency at its commit and the tarball URL with its integrity', () => {
    const lock = JSON.parse(readFileSync(join(tmp.project, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string; integrity?: string }> };
    expect(lock.packages['node_modules/gitdep']?.resolved).toBe(`git+file://${bare}#${commit}`);
    expect(lock.packages['node_modules/remote-dep']?.integrity).toBe(`sha512-${createHash('sha512').update(REMOTE).digest('base64')}`);
  });

  it('both are analysed: ok, exit 0, with their capabilities; prepare never ran; only the shipped files', async () => {
    const r = await audit([]);
    expect(r.code, r.stderr).toBe(0);
    const report = parseJson<AuditReport>(r);
    const gitdep = report.packages.find((p) => p.name === 'gitdep');
    const remote = report.packages.find((p) => p.name === 'remote-dep');
    // filesystem: the inline code of `prepare` (read, never run), which runs when a package is installed from git.
    expect(gitdep).toMatchObject({ version: '1.2.3', source: 'git', status: 'ok', capabilities: ['env', 'filesystem', 'shell'], cached: false, runsAtInstall: true });
    expect(remote).toMatchObject({ version: '2.0.0', source: 'remote', status: 'ok', capabilities: ['network'], cached: false });
    // spy.js is outside `files`: npm does not install it, so it is not what the package can do.
    expect(gitdep?.evidence.map((e) => e.file).sort()).toEqual(['index.js', 'index.js', 'lib/home.js', 'package.json', 'package.json']);
    expect(report.summary).toMatchObject({ packages: 2, analyzed: 2, errors: 0 });
    expect(existsSync(marker)).toBe(false);
    expect(tarballRequests).toBe(1);
    // Nothing but the results database in the cache; nothing in HOME; the clone's scratch space is gone.
    expect(listTree(tmp.cacheDir).filter((p) => !p.startsWith('cache.db'))).toEqual([]);
    expect(listTree(tmp.home).filter((p) => !p.startsWith('.npm'))).toEqual([]);
    expect(listTree(join(tmp.root, 'tmp')).filter((p) => p.startsWith('depcaps-git-'))).toEqual([]);
  });

  it('a warm --offline re-run is complete from the results: the commit and the integrity are the keys', async () => {
    const r = await audit(['--offline']);
    expect(r.code, r.stderr).toBe(0);
    const report = parseJson<AuditReport>(r);
    expect(report.packages.map((p) => [p.name, p.status, p.cached])).toEqual([
      ['gitdep', 'ok', true],
      ['remote-dep', 'ok', true],
    ]);
    expect(tarballRequests).toBe(1);
  });

  it('another commit is another package: the old commit\'s result is not served for it', async () => {
    const work = join(tmp.root, 'gitdep-src');
    writeFileSync(join(work, 'lib', 'net.js'), "require('net').connect(80, 'example.com');\n");
    git(['add', '-A'], work);
    git(['commit', '-q', '-m', 'net'], work);
    git(['push', '-q', bare, 'HEAD:refs/heads/next'], work);
    const next = git(['rev-parse', 'HEAD'], work);
    const lock = JSON.parse(readFileSync(join(tmp.project, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> };
    lock.packages['node_modules/gitdep']!.resolved = `git+file://${bare}#${next}`;
    writeFileSync(join(tmp.project, 'next-lock.json'), JSON.stringify(lock));
    const r = await runCli(['audit', 'next-lock.json', '--json'], { env: tmp.env, cwd: tmp.project, timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    const gitdep = parseJson<AuditReport>(r).packages.find((p) => p.name === 'gitdep');
    expect(gitdep).toMatchObject({ status: 'ok', cached: false, capabilities: ['env', 'filesystem', 'network', 'shell'] });
  });

  it('without git: the same "not analysed" line as ever, with the reason, exit 2', async () => {
    // A PATH holding node only: @npmcli/git finds no git binary.
    const bin = join(tmp.root, 'node-only');
    mkdirSync(bin, { recursive: true });
    if (!existsSync(join(bin, 'node'))) symlinkSync(process.execPath, join(bin, 'node'));
    const r = await audit(['--cache-dir', join(tmp.root, 'cold-cache')], { ...tmp.env, PATH: bin });
    expect(r.code).toBe(2);
    const gitdep = parseJson<AuditReport>(r).packages.find((p) => p.name === 'gitdep');
    expect(gitdep?.status).toBe('error');
    expect(gitdep?.error).toBe(`unsupported-source: git dependency (git+file://${bare}#${commit}) is not analysed: E_USAGE: git+file://${bare}#${commit}: git is not installed (needed to fetch git dependencies).`);
    expect(r.stderr).toContain('gitdep@1.2.3: unsupported-source: git dependency');
    expect(dirname(bare)).toBe(tmp.root);
  });

  it('an unreachable repository: not analysed, with git\'s reason, exit 3', async () => {
    const lock = JSON.parse(readFileSync(join(tmp.project, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> };
    const gone = `git+file://${join(tmp.root, 'no-such-repo.git')}#${commit}`;
    lock.packages['node_modules/gitdep']!.resolved = gone;
    writeFileSync(join(tmp.project, 'gone-lock.json'), JSON.stringify(lock));
    const r = await runCli(['audit', 'gone-lock.json', '--json', '--cache-dir', join(tmp.root, 'cold-cache-2')], { env: tmp.env, cwd: tmp.project, timeoutMs: 90_000 });
    expect(r.code).toBe(3);
    const gitdep = parseJson<AuditReport>(r).packages.find((p) => p.name === 'gitdep');
    expect(gitdep?.error).toMatch(new RegExp(`^unsupported-source: git dependency \\(${gone.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\) is not analysed: E_REGISTRY: .*could not fetch the git dependency \\(.+\\)\\.$`));
  });
});
