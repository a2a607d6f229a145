// npm lockfiles generated at test time by the real npm (the one running this suite) against the
// local registry: lockfileVersion 3, 2 and 1 of the project in project.ts.
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildGraph } from '../../src/lockfile/graph.js';
import { findLockfile, readLockfile } from '../../src/lockfile/index.js';
import { parseNpm } from '../../src/lockfile/npm.js';
import type { Lockfile } from '../../src/lockfile/types.js';
import { startRegistry, type LocalRegistry } from '../helpers/local-registry.js';
import { makeTmpEnv, type TmpEnv } from '../helpers/tmp-env.js';
import { REGISTRY_PACKAGES, writeProject } from './project.js';
import { dependencyRows, diagnosticRows, rows } from './rows.js';
import { npmLockOnlyArgs, runTool } from './tools.js';

let registry: LocalRegistry;
const envs = new Map<number, TmpEnv>();

beforeAll(async () => {
  registry = await startRegistry({ packages: REGISTRY_PACKAGES });
  await Promise.all(
    [3, 2, 1].map(async (version) => {
      const env = makeTmpEnv();
      envs.set(version, env);
      writeProject(env.project);
      await runTool('npm', [...npmLockOnlyArgs(registry.url), '--lockfile-version', String(version)], {
        cwd: env.project,
        env: env.env,
        timeoutMs: 30_000,
      });
    }),
  );
});
afterAll(async () => {
  await registry?.close();
  for (const env of envs.values()) env.cleanup();
});

const lockfilePath = (version: number): string => join((envs.get(version) as TmpEnv).project, 'package-lock.json');

/** The project's direct dependencies, as package.json (and npm's root record) has them. */
const ROOT = {
  '@acme/scoped': '^1.0.0',
  'alias-name': 'npm:real@^1.0.0',
  'local-pkg': 'file:./local-pkg',
  'prod-a': '^1.0.0',
  shared: '^2.0.0',
  'dev-b': '^1.0.0',
  'opt-c': '^1.0.0',
};
/** Dependencies as npm records them in every lockfileVersion: ranges, the workspace's from its folder. */
const DEPENDENCIES = ['dev-b@1.0.0: dev-only ^1.0.0, shared ^2.0.0', 'prod-a@1.0.0: shared ^1.0.0'];

/** Registry entries carry the registry's own tarball URL and SRI. */
function expectRegistryIdentity(lockfile: Lockfile): void {
  for (const p of lockfile.packages.filter((x) => x.source === 'registry')) {
    expect(p.resolved, p.key).toBe(registry.tarballUrl(p.name, p.version));
    expect(p.integrity, p.key).toBe(registry.integrity(p.name, p.version));
  }
}

describe('package-lock.json written by npm', () => {
  test('lockfileVersion 3: the exact package list', async () => {
    expect(JSON.parse(readFileSync(lockfilePath(3), 'utf8')).lockfileVersion).toBe(3);
    const lockfile = await readLockfile(lockfilePath(3));
    expect([lockfile.format, lockfile.formatVersion, lockfile.path]).toEqual(['npm', '3', lockfilePath(3)]);
    expect(rows(lockfile)).toEqual([
      '@acme/scoped@1.0.0 registry integrity L30',
      'dev-b@1.0.0 registry dev integrity L41',
      'dev-only@1.0.0 registry dev integrity L51',
      'local-pkg@1.0.0 file path=local-pkg L57',
      'opt-c@1.0.0 registry optional integrity L61',
      'prod-a@1.0.0 registry integrity L67',
      'real@1.1.0 registry alias=alias-name integrity L35',
      'shared@1.0.0 registry integrity L75',
      'shared@2.0.0 registry integrity L80',
      'ws-a@1.0.0 workspace path=packages/ws-a L85',
      'ws-dep@1.0.0 registry integrity L89',
    ]);
    expect(lockfile.packages.map((p) => p.key)).toContain('node_modules/prod-a/node_modules/shared');
    expect(diagnosticRows(lockfile)).toEqual([]);
    expectRegistryIdentity(lockfile);
    expect(dependencyRows(lockfile)).toEqual([...DEPENDENCIES, 'ws-a@1.0.0: ws-dep ^1.0.0']);
    expect(lockfile.root).toEqual(ROOT);
  });

  test('lockfileVersion 3: the root record is the project, without a package.json too', () => {
    const lockfile = parseNpm(readFileSync(lockfilePath(3), 'utf8'), 'package-lock.json', {});
    expect(lockfile.root).toEqual(ROOT);
  });

  test('the graph of the lockfile npm wrote: nested shared@1 is prod-a\'s, the workspace leads to ws-dep', async () => {
    const lockfile = await readLockfile(lockfilePath(3));
    const graph = buildGraph(lockfile);
    const ids = (list: { name: string; version: string }[]): string[] => list.map((p) => `${p.name}@${p.version}`);
    expect(ids(graph.roots())).toEqual(['@acme/scoped@1.0.0', 'real@1.1.0', 'local-pkg@1.0.0', 'prod-a@1.0.0', 'shared@2.0.0', 'dev-b@1.0.0', 'opt-c@1.0.0', 'ws-a@1.0.0']);
    expect(Object.fromEntries(lockfile.packages.map((p) => [`${p.name}@${p.version}`, graph.pathTo(p)]))).toEqual({
      '@acme/scoped@1.0.0': ['@acme/scoped@1.0.0'],
      'dev-b@1.0.0': ['dev-b@1.0.0'],
      'dev-only@1.0.0': ['dev-b@1.0.0', 'dev-only@1.0.0'],
      'local-pkg@1.0.0': ['local-pkg@1.0.0'],
      'opt-c@1.0.0': ['opt-c@1.0.0'],
      'prod-a@1.0.0': ['prod-a@1.0.0'],
      'real@1.1.0': ['real@1.1.0'],
      'shared@1.0.0': ['prod-a@1.0.0', 'shared@1.0.0'],
      'shared@2.0.0': ['shared@2.0.0'],
      'ws-a@1.0.0': ['ws-a@1.0.0'],
      'ws-dep@1.0.0': ['ws-a@1.0.0', 'ws-dep@1.0.0'],
    });
    const devB = lockfile.packages.find((p) => p.name === 'dev-b');
    expect(devB && ids(graph.dependenciesOf(devB))).toEqual(['dev-only@1.0.0', 'shared@2.0.0']);
  });

  test('lockfileVersion 2: read through "packages", the same list', async () => {
    const lockfile = await readLockfile(lockfilePath(2));
    expect(lockfile.formatVersion).toBe('2');
    expect(rows(lockfile)).toEqual([
      '@acme/scoped@1.0.0 registry integrity L30',
      'dev-b@1.0.0 registry dev integrity L41',
      'dev-only@1.0.0 registry dev integrity L51',
      'local-pkg@1.0.0 file path=local-pkg L57',
      'opt-c@1.0.0 registry optional integrity L61',
      'prod-a@1.0.0 registry integrity L67',
      'real@1.1.0 registry alias=alias-name integrity L35',
      'shared@1.0.0 registry integrity L75',
      'shared@2.0.0 registry integrity L80',
      'ws-a@1.0.0 workspace path=packages/ws-a L85',
      'ws-dep@1.0.0 registry integrity L89',
    ]);
    expect(diagnosticRows(lockfile)).toEqual([]);
    expectRegistryIdentity(lockfile);
    expect(dependencyRows(lockfile)).toEqual([...DEPENDENCIES, 'ws-a@1.0.0: ws-dep ^1.0.0']);
    expect(lockfile.root).toEqual(ROOT);
  });

  test('lockfileVersion 1: the nested tree, aliases in "version", workspaces from package.json', async () => {
    const lockfile = await readLockfile(lockfilePath(1));
    expect(lockfile.formatVersion).toBe('1');
    expect(rows(lockfile)).toEqual([
      '@acme/scoped@1.0.0 registry integrity L7',
      'dev-b@1.0.0 registry dev integrity L17',
      'dev-only@1.0.0 registry dev integrity L27',
      'local-pkg@file:local-pkg file path=local-pkg L33',
      'opt-c@1.0.0 registry optional integrity L36',
      'prod-a@1.0.0 registry integrity L42',
      'real@1.1.0 registry alias=alias-name integrity L12',
      'shared@1.0.0 registry integrity L50',
      'shared@2.0.0 registry integrity L57',
      'ws-a@file:packages/ws-a workspace path=packages/ws-a L62',
      'ws-dep@1.0.0 registry integrity L68',
    ]);
    expect(lockfile.packages.find((p) => p.line === 50)?.key).toBe('node_modules/prod-a/node_modules/shared');
    expectRegistryIdentity(lockfile);
    // `requires`; v1 has no root record, so the project's dependencies come from package.json.
    expect(dependencyRows(lockfile)).toEqual([...DEPENDENCIES, 'ws-a@file:packages/ws-a: ws-dep ^1.0.0']);
    expect(lockfile.root).toEqual(ROOT);
    const graph = buildGraph(lockfile);
    const shared1 = lockfile.packages.find((p) => p.name === 'shared' && p.version === '1.0.0');
    expect(shared1 && graph.pathTo(shared1)).toEqual(['prod-a@1.0.0', 'shared@1.0.0']);
  });

  test('lines point at the entry key in the text', async () => {
    for (const version of [3, 2, 1]) {
      const text = readFileSync(lockfilePath(version), 'utf8').split('\n');
      const lockfile = await readLockfile(lockfilePath(version));
      for (const p of lockfile.packages) {
        const installName = p.key.slice(p.key.lastIndexOf('node_modules/') + 'node_modules/'.length);
        const expected = version === 1 ? `"${installName}": {` : `"${p.key}": {`;
        expect(text[p.line - 1]?.trim(), `v${version} ${p.key}`).toBe(expected);
      }
    }
  });

  test('without a package.json, v1 workspaces are plain file: packages, and the project has no known dependencies', () => {
    const lockfile = parseNpm(readFileSync(lockfilePath(1), 'utf8'), 'package-lock.json', {});
    expect(rows(lockfile).filter((r) => r.startsWith('ws-a'))).toEqual(['ws-a@file:packages/ws-a file path=packages/ws-a L62']);
    expect(lockfile.root).toEqual({});
  });

  test('written with omit-lockfile-registry-resolved (no "resolved" URLs): the same packages, from the registry, no diagnostics', async () => {
    const env = makeTmpEnv();
    try {
      writeProject(env.project);
      await runTool('npm', [...npmLockOnlyArgs(registry.url), '--omit-lockfile-registry-resolved'], { cwd: env.project, env: env.env, timeoutMs: 30_000 });
      const path = join(env.project, 'package-lock.json');
      expect(readFileSync(path, 'utf8')).not.toContain('"resolved": "http');
      const lockfile = await readLockfile(path);
      expect(diagnosticRows(lockfile)).toEqual([]);
      const full = await readLockfile(lockfilePath(3));
      expect(lockfile.packages.map((p) => `${p.name}@${p.version} ${p.source} ${p.integrity ?? ''}`)).toEqual(full.packages.map((p) => `${p.name}@${p.version} ${p.source} ${p.integrity ?? ''}`));
    } finally {
      env.cleanup();
    }
  });

  test('findLockfile prefers npm-shrinkwrap.json, then package-lock.json', async () => {
    const dir = (envs.get(3) as TmpEnv).project;
    expect(findLockfile(dir)).toBe(join(dir, 'package-lock.json'));
    const env = makeTmpEnv();
    try {
      copyFileSync(lockfilePath(3), join(env.project, 'package-lock.json'));
      copyFileSync(lockfilePath(2), join(env.project, 'npm-shrinkwrap.json'));
      expect(findLockfile(env.project)).toBe(join(env.project, 'npm-shrinkwrap.json'));
      expect((await readLockfile(findLockfile(env.project))).formatVersion).toBe('2');
    } finally {
      env.cleanup();
    }
  });
});
