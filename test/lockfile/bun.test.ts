// bun: there is no bun on this machine, so fixtures/bun/bun.lock was written by hand following
// bun's documented text format (fixtures/README.md), for the same project as the other fixtures.
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseBun } from '../../src/lockfile/bun.js';
import { readLockfile } from '../../src/lockfile/index.js';
import { rejection } from '../helpers/rejection.js';
import { dependencyRows, diagnosticRows, rows } from './rows.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'bun', 'bun.lock');

describe('bun.lock', () => {
  test('the exact package list; dev and optional walked from the workspaces', async () => {
    const lockfile = await readLockfile(FIXTURE);
    expect([lockfile.format, lockfile.formatVersion]).toEqual(['bun', '1']);
    expect(rows(lockfile)).toEqual([
      '@acme/scoped@1.0.0 registry integrity L29',
      'dev-b@1.0.0 registry dev integrity L33',
      'dev-only@1.0.0 registry dev integrity L35',
      'local-pkg@file:local-pkg file path=local-pkg L37',
      'opt-c@1.0.0 registry optional integrity L39',
      'prod-a@1.0.0 registry integrity L41',
      'real@1.1.0 registry alias=alias-name integrity L31',
      // `prod-a/shared`: shared nested under prod-a.
      'shared@1.0.0 registry integrity L49',
      'shared@2.0.0 registry integrity L43',
      'ws-a@1.0.0 workspace path=packages/ws-a L45',
      'ws-dep@1.0.0 registry integrity L47',
    ]);
    expect(lockfile.packages.find((p) => p.line === 49)?.key).toBe('prod-a/shared');
    expect(diagnosticRows(lockfile)).toEqual([]);
    // A workspace's dependencies are its `workspaces` record's; `""` is the project.
    expect(dependencyRows(lockfile)).toEqual(['dev-b@1.0.0: dev-only ^1.0.0, shared ^2.0.0', 'prod-a@1.0.0: shared ^1.0.0', 'ws-a@1.0.0: ws-dep ^1.0.0']);
    expect(lockfile.root).toEqual({
      '@acme/scoped': '^1.0.0',
      'alias-name': 'npm:real@^1.0.0',
      'local-pkg': 'file:./local-pkg',
      'prod-a': '^1.0.0',
      shared: '^2.0.0',
      'dev-b': '^1.0.0',
      'opt-c': '^1.0.0',
    });
  });

  test('git, github, remote tarballs, link:, registry URLs, comments and version 2', () => {
    const sri = `sha512-${Buffer.alloc(64, 3).toString('base64')}`;
    const text = `{
  // bun.lock is JSONC
  "lockfileVersion": 2,
  "workspaces": {
    "": {
      "name": "root",
      "dependencies": {
        "from-git": "git+https://git.example.com/r.git",
        "from-github": "github:u/r",
        "linked": "link:linked",
        "private": "^1.0.0",
      },
      "devDependencies": {
        "remote": "https://example.com/remote-1.0.0.tgz",
      },
    },
  },
  "packages": {
    "from-git": ["from-git@git+https://git.example.com/r.git#0123abc", {}, "0123abc"],

    "from-github": ["from-github@github:u/r#0123abc", { "dependencies": { "private": "^1.0.0" }, "peerDependencies": { "p": "*" } }, "u-r-0123abc"],

    "linked": ["linked@link:linked", {}],

    "private": ["private@1.0.0", "https://npm.example.com/private/-/private-1.0.0.tgz", { "optionalDependencies": { "linked": "link:linked" } }, "${sri}"],

    "remote": ["remote@https://example.com/remote-1.0.0.tgz", {}],
  },
}
`;
    const lockfile = parseBun(text, 'bun.lock');
    expect(lockfile.formatVersion).toBe('2');
    expect(rows(lockfile)).toEqual([
      'from-git@git+https://git.example.com/r.git#0123abc git L19',
      'from-github@github:u/r#0123abc git L21',
      'linked@link:linked link path=linked L23',
      'private@1.0.0 registry integrity L25',
      'remote@https://example.com/remote-1.0.0.tgz remote dev L27',
    ]);
    const byName = new Map(lockfile.packages.map((p) => [p.name, p]));
    expect(byName.get('private')?.resolved).toBe('https://npm.example.com/private/-/private-1.0.0.tgz');
    expect(byName.get('from-github')?.resolved).toBe('github:u/r#0123abc');
    expect(diagnosticRows(lockfile)).toEqual([
      'L27 remote: remote@https://example.com/remote-1.0.0.tgz has no integrity (entry "remote")',
    ]);
    // Info is the second item of git tuples and the third of registry ones; peers are not edges.
    expect(dependencyRows(lockfile)).toEqual(['from-github@github:u/r#0123abc: private ^1.0.0', 'private@1.0.0: linked link:linked']);
    expect(lockfile.root).toEqual({
      'from-git': 'git+https://git.example.com/r.git',
      'from-github': 'github:u/r',
      linked: 'link:linked',
      private: '^1.0.0',
      remote: 'https://example.com/remote-1.0.0.tgz',
    });
  });

  test('an unknown lockfileVersion is E_LOCKFILE with the supported list', async () => {
    const err = await rejection(Promise.resolve().then(() => parseBun('{ "lockfileVersion": 3, "packages": {} }', 'bun.lock')));
    expect(err.message).toBe('bun.lock: bun lockfileVersion 3 is not supported (supported: 0, 1, 2).');
  });
});
