// yarn classic: fixtures/yarn-classic/yarn.lock was written by yarn 1.22.22 against the local
// registry (fixtures/README.md); the small inline lockfiles below test mappings the fixture
// project cannot produce offline (git, remote tarballs, link:, pre-1.10 entries without integrity).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { NO_MANIFEST_MESSAGE } from '../../src/lockfile/classify.js';
import { readLockfile } from '../../src/lockfile/index.js';
import { parseYarnClassic } from '../../src/lockfile/yarn-classic.js';
import { ROOT_MANIFEST } from './project.js';
import { dependencyRows, diagnosticRows, rows } from './rows.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'yarn-classic', 'yarn.lock');

describe('yarn.lock (classic) written by yarn 1.22.22', () => {
  test('the exact package list, dev classified from the package.json beside it', async () => {
    const lockfile = await readLockfile(FIXTURE);
    expect([lockfile.format, lockfile.formatVersion]).toEqual(['yarn-classic', '1']);
    expect(rows(lockfile)).toEqual([
      '@acme/scoped@1.0.0 registry integrity L5',
      'dev-b@1.0.0 registry dev integrity L15',
      'dev-only@1.0.0 registry dev integrity L23',
      'local-pkg@1.0.0 file path=./local-pkg L28',
      'opt-c@1.0.0 registry optional integrity L31',
      'prod-a@1.0.0 registry integrity L36',
      'real@1.1.0 registry alias=alias-name integrity L10',
      'shared@1.0.0 registry integrity L43',
      'shared@2.0.0 registry integrity L48',
      // A workspace's dependency: yarn classic does not record workspaces, so nothing reaches it
      // and it stays production (the safe side).
      'ws-dep@1.0.0 registry integrity L53',
    ]);
    expect(diagnosticRows(lockfile)).toEqual([]);
    const prodA = lockfile.packages.find((p) => p.name === 'prod-a');
    // The sha1 fragment yarn appends is not part of the URL we hand on.
    expect(prodA?.resolved).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/prod-a\/-\/prod-a-1\.0\.0\.tgz$/);
    expect(prodA?.integrity).toMatch(/^sha512-/);
    expect(dependencyRows(lockfile)).toEqual(['dev-b@1.0.0: dev-only ^1.0.0, shared ^2.0.0', 'prod-a@1.0.0: shared ^1.0.0']);
    // yarn.lock has no record of the project: its dependencies are the package.json's.
    expect(lockfile.root).toEqual({
      'prod-a': '^1.0.0',
      shared: '^2.0.0',
      'alias-name': 'npm:real@^1.0.0',
      '@acme/scoped': '^1.0.0',
      'local-pkg': 'file:./local-pkg',
      'dev-b': '^1.0.0',
      'opt-c': '^1.0.0',
    });
  });

  test('without a package.json every package is dev: false, said once', () => {
    const lockfile = parseYarnClassic(readFileSync(FIXTURE, 'utf8'), FIXTURE, {});
    expect(lockfile.packages.filter((p) => p.dev || p.optional)).toEqual([]);
    expect(diagnosticRows(lockfile)).toEqual([`L- : ${NO_MANIFEST_MESSAGE}`]);
    expect(lockfile.root).toEqual({});
  });

  test('optionalDependencies are dependencies too; dev and peer ones are not', () => {
    const text = [
      '# yarn lockfile v1',
      '',
      '',
      'a@^1.0.0:',
      '  version "1.0.0"',
      '  dependencies:',
      '    b "^1.0.0"',
      '  optionalDependencies:',
      '    c "~1.0.0"',
      '  peerDependencies:',
      '    d "*"',
      '',
    ].join('\n');
    const lockfile = parseYarnClassic(text, 'yarn.lock', { rootManifest: { dependencies: { a: '^1.0.0' }, peerDependencies: { d: '*' } } });
    expect(dependencyRows(lockfile)).toEqual(['a@1.0.0: b ^1.0.0, c ~1.0.0']);
    expect(lockfile.root).toEqual({ a: '^1.0.0' });
  });

  test('git, github shorthand, remote tarballs, link: and multi-descriptor headers', () => {
    const sha = '0123456789abcdef0123456789abcdef01234567';
    const text = [
      '# yarn lockfile v1',
      '',
      '',
      '"from-github@github:u/r#v1":',
      '  version "1.0.0"',
      `  resolved "https://codeload.github.com/u/r/tar.gz/${sha}"`,
      '',
      '"from-ssh@git+ssh://git@github.com/u/r.git#v1":',
      '  version "1.0.0"',
      `  resolved "git+ssh://git@github.com/u/r.git#${sha}"`,
      '',
      '"linked@link:../linked":',
      '  version "0.0.0"',
      '',
      // Written before yarn 1.10: the tarball sha1 in the fragment is all the integrity there is.
      'old@^1.0.0, old@^1.0.1:',
      '  version "1.0.1"',
      `  resolved "https://registry.yarnpkg.com/old/-/old-1.0.1.tgz#${sha}"`,
      '',
      '"remote@https://example.com/remote-1.0.0.tgz":',
      '  version "1.0.0"',
      '  resolved "https://example.com/remote-1.0.0.tgz"',
      '',
    ].join('\n');
    const manifest = {
      dependencies: { 'from-github': 'github:u/r#v1', 'from-ssh': 'git+ssh://git@github.com/u/r.git#v1', linked: 'link:../linked', old: '^1.0.0' },
      devDependencies: { remote: 'https://example.com/remote-1.0.0.tgz' },
    };
    const lockfile = parseYarnClassic(text, 'yarn.lock', { rootManifest: manifest });
    expect(rows(lockfile)).toEqual([
      'from-github@1.0.0 git L4',
      'from-ssh@1.0.0 git L8',
      'linked@0.0.0 link path=../linked L12',
      'old@1.0.1 registry integrity L15',
      'remote@1.0.0 remote dev L19',
    ]);
    const byName = new Map(lockfile.packages.map((p) => [p.name, p]));
    expect(byName.get('from-github')?.resolved).toBe(`https://codeload.github.com/u/r/tar.gz/${sha}`);
    expect(byName.get('from-ssh')?.resolved).toBe(`git+ssh://git@github.com/u/r.git#${sha}`);
    expect(byName.get('old')).toMatchObject({
      resolved: 'https://registry.yarnpkg.com/old/-/old-1.0.1.tgz',
      integrity: `sha1-${Buffer.from(sha, 'hex').toString('base64')}`,
      key: 'old@^1.0.0',
    });
    expect(diagnosticRows(lockfile)).toEqual(['L19 remote@https://example.com/remote-1.0.0.tgz: remote@1.0.0 has no integrity (entry "remote@https://example.com/remote-1.0.0.tgz")']);
  });

  test('the fixture project manifest is the one the fixture was generated from', () => {
    expect(JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'yarn-classic', 'package.json'), 'utf8'))).toEqual(ROOT_MANIFEST);
  });
});
