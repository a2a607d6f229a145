// pnpm: fixtures/pnpm-v5, -v6, -v9 were written by pnpm 7.33.7 (lockfileVersion 5.4), 8.15.9
// (6.0) and 9.15.9 (9.0) against the local registry (fixtures/README.md). The inline lockfile
// tests what the fixture project cannot produce offline: git, remote tarballs, workspace links, peers.
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readLockfile } from '../../src/lockfile/index.js';
import { parsePnpm } from '../../src/lockfile/pnpm.js';
import { rejection } from '../helpers/rejection.js';
import { dependencyRows, diagnosticRows, rows } from './rows.js';

const fixture = (dir: string): string => join(import.meta.dirname, 'fixtures', dir, 'pnpm-lock.yaml');
/** pnpm records exact versions: the version of the entry a reference points to, aliases as `npm:`. */
const DEPENDENCIES = ['dev-b@1.0.0: dev-only 1.0.0, shared 2.0.0', 'prod-a@1.0.0: shared 1.0.0'];
const root = (localPkg: string): Record<string, string> => ({
  '@acme/scoped': '1.0.0',
  'alias-name': 'npm:real@1.1.0',
  'local-pkg': localPkg,
  'prod-a': '1.0.0',
  shared: '2.0.0',
  'dev-b': '1.0.0',
  'opt-c': '1.0.0',
});

describe('pnpm-lock.yaml written by pnpm', () => {
  test('lockfileVersion 5.4 (pnpm 7): dev flags from the lockfile', async () => {
    const lockfile = await readLockfile(fixture('pnpm-v5'));
    expect([lockfile.format, lockfile.formatVersion]).toEqual(['pnpm', '5.4']);
    expect(rows(lockfile)).toEqual([
      '@acme/scoped@1.0.0 registry integrity L33',
      'dev-b@1.0.0 registry dev integrity L37',
      'dev-only@1.0.0 registry dev integrity L44',
      'local-pkg@1.0.0 file path=local-pkg L75',
      'opt-c@1.0.0 registry optional integrity L48',
      'prod-a@1.0.0 registry integrity L54',
      'real@1.1.0 registry alias=alias-name integrity L60',
      'shared@1.0.0 registry integrity L64',
      // No `dev` field: used by dev and prod, so production.
      'shared@2.0.0 registry integrity L68',
      'ws-dep@1.0.0 registry integrity L71',
    ]);
    expect(diagnosticRows(lockfile)).toEqual([]);
    expect(dependencyRows(lockfile)).toEqual(DEPENDENCIES);
    // v5 directory entries record their version: `file:local-pkg` is local-pkg@1.0.0.
    expect(lockfile.root).toEqual(root('1.0.0'));
  });

  test('lockfileVersion 6.0 (pnpm 8)', async () => {
    const lockfile = await readLockfile(fixture('pnpm-v6'));
    expect(lockfile.formatVersion).toBe('6.0');
    expect(rows(lockfile)).toEqual([
      '@acme/scoped@1.0.0 registry integrity L43',
      'dev-b@1.0.0 registry dev integrity L47',
      'dev-only@1.0.0 registry dev integrity L54',
      'local-pkg@file:local-pkg file path=local-pkg L85',
      'opt-c@1.0.0 registry optional integrity L58',
      'prod-a@1.0.0 registry integrity L64',
      'real@1.1.0 registry alias=alias-name integrity L70',
      'shared@1.0.0 registry integrity L74',
      'shared@2.0.0 registry integrity L78',
      'ws-dep@1.0.0 registry integrity L81',
    ]);
    expect(diagnosticRows(lockfile)).toEqual([]);
    expect(dependencyRows(lockfile)).toEqual(DEPENDENCIES);
    expect(lockfile.root).toEqual(root('file:local-pkg'));
  });

  test('lockfileVersion 9.0 (pnpm 9): dev and optional walked from the importers through snapshots', async () => {
    const lockfile = await readLockfile(fixture('pnpm-v9'));
    expect(lockfile.formatVersion).toBe('9.0');
    expect(rows(lockfile)).toEqual([
      '@acme/scoped@1.0.0 registry integrity L43',
      'dev-b@1.0.0 registry dev integrity L46',
      'dev-only@1.0.0 registry dev integrity L49',
      'local-pkg@file:local-pkg file path=local-pkg L52',
      'opt-c@1.0.0 registry optional integrity L55',
      'prod-a@1.0.0 registry integrity L58',
      'real@1.1.0 registry alias=alias-name integrity L61',
      'shared@1.0.0 registry integrity L64',
      'shared@2.0.0 registry integrity L67',
      'ws-dep@1.0.0 registry integrity L70',
    ]);
    expect(diagnosticRows(lockfile)).toEqual([]);
    // From `snapshots`: v9's `packages` entries hold no dependencies.
    expect(dependencyRows(lockfile)).toEqual(DEPENDENCIES);
    expect(lockfile.root).toEqual(root('file:local-pkg'));
  });

  test('v9: git, remote tarballs, workspace and folder links, peer-suffixed snapshots', () => {
    const sha = '0123456789abcdef0123456789abcdef01234567';
    const sri = `sha512-${Buffer.alloc(64, 1).toString('base64')}`;
    const text = `lockfileVersion: '9.0'

importers:

  .:
    dependencies:
      from-github:
        specifier: github:u/r
        version: https://codeload.github.com/u/r/tar.gz/${sha}
      git-direct:
        specifier: git+https://git.example.com/r.git
        version: git+https://git.example.com/r.git#${sha}
      linked:
        specifier: link:../linked
        version: link:../linked
      peer-user:
        specifier: ^1.0.0
        version: 1.0.0(peer@2.0.0)
      remote:
        specifier: https://example.com/remote-1.0.0.tgz
        version: https://example.com/remote-1.0.0.tgz
    devDependencies:
      peer:
        specifier: ^2.0.0
        version: 2.0.0
      ws-b:
        specifier: workspace:*
        version: link:packages/ws-b

  packages/ws-b:
    dependencies:
      peer-user:
        specifier: ^1.0.0
        version: 1.0.0(peer@2.0.0)

packages:

  from-github@https://codeload.github.com/u/r/tar.gz/${sha}:
    resolution: {tarball: https://codeload.github.com/u/r/tar.gz/${sha}}
    version: 1.0.0

  git-direct@git+https://git.example.com/r.git#${sha}:
    resolution: {commit: ${sha}, repo: https://git.example.com/r.git, type: git}
    version: 1.0.0

  peer-user@1.0.0:
    resolution: {integrity: ${sri}}
    peerDependencies:
      peer: ^2.0.0

  peer@2.0.0:
    resolution: {integrity: ${sri}}

  remote@https://example.com/remote-1.0.0.tgz:
    resolution: {integrity: ${sri}, tarball: https://example.com/remote-1.0.0.tgz}
    version: 1.0.0

snapshots:

  from-github@https://codeload.github.com/u/r/tar.gz/${sha}: {}

  git-direct@git+https://git.example.com/r.git#${sha}: {}

  peer-user@1.0.0(peer@2.0.0):
    dependencies:
      peer: 2.0.0

  peer@2.0.0: {}

  remote@https://example.com/remote-1.0.0.tgz: {}
`;
    const lockfile = parsePnpm(text, 'pnpm-lock.yaml');
    expect(rows(lockfile)).toEqual([
      'from-github@1.0.0 git L38',
      'git-direct@1.0.0 git L42',
      'linked@link:../linked link path=../linked L13',
      // A dev root, but also a dependency of the production peer-user: production.
      'peer@2.0.0 registry integrity L51',
      'peer-user@1.0.0 registry integrity L46',
      'remote@1.0.0 remote integrity L54',
      'ws-b@link:packages/ws-b workspace dev path=packages/ws-b L26',
    ]);
    const byName = new Map(lockfile.packages.map((p) => [p.name, p]));
    expect(byName.get('git-direct')?.resolved).toBe(`https://git.example.com/r.git#${sha}`);
    expect(byName.get('from-github')?.resolved).toBe(`https://codeload.github.com/u/r/tar.gz/${sha}`);
    expect(byName.get('remote')?.resolved).toBe('https://example.com/remote-1.0.0.tgz');
    expect(diagnosticRows(lockfile)).toEqual([]);
    // Resolved peers are dependencies of the snapshot; a workspace's are its importer's.
    expect(dependencyRows(lockfile)).toEqual(['peer-user@1.0.0: peer 2.0.0', 'ws-b@link:packages/ws-b: peer-user 1.0.0']);
    // Non-registry references are recorded as the version of their entry.
    expect(lockfile.root).toEqual({
      'from-github': '1.0.0',
      'git-direct': '1.0.0',
      linked: 'link:../linked',
      'peer-user': '1.0.0',
      remote: '1.0.0',
      peer: '2.0.0',
      'ws-b': 'link:packages/ws-b',
    });
  });

  test('v6 without importers (a single project): top-level dependency maps', () => {
    const sri = `sha512-${Buffer.alloc(64, 2).toString('base64')}`;
    const text = `lockfileVersion: '6.0'

dependencies:
  a:
    specifier: ^1.0.0
    version: 1.0.0(b@1.0.0)

packages:

  /a@1.0.0(b@1.0.0):
    resolution: {integrity: ${sri}}
    dev: false

  /b@1.0.0:
    resolution: {integrity: ${sri}}
    dev: true
`;
    const lockfile = parsePnpm(text, 'pnpm-lock.yaml');
    expect(rows(lockfile)).toEqual(['a@1.0.0 registry integrity L10', 'b@1.0.0 registry dev integrity L14']);
    expect(lockfile.root).toEqual({ a: '1.0.0' });
  });

  test.each([['4.0'], ['10.0'], ['"x"']])('lockfileVersion %s is E_LOCKFILE listing the supported versions', async (v) => {
    const err = await rejection(Promise.resolve().then(() => parsePnpm(`lockfileVersion: ${v}\n`, 'pnpm-lock.yaml')));
    expect(err.code).toBe('E_LOCKFILE');
    expect(err.message).toMatch(/^pnpm-lock\.yaml: pnpm lockfileVersion .* is not supported \(supported: 5\.0, 5\.1, 5\.2, 5\.3, 5\.4, 6\.0, 6\.1, 9\.0\)\.$/);
  });
});
