// yarn berry: fixtures/yarn-berry/yarn.lock was written by yarn 4.18.1 against the local registry
// (fixtures/README.md); the inline lockfile tests protocols the fixture project cannot produce
// offline (patch:, git, remote tarballs, portal:, private archive URLs).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { NO_MANIFEST_MESSAGE } from '../../src/lockfile/classify.js';
import { readLockfile } from '../../src/lockfile/index.js';
import { parseYarnBerry } from '../../src/lockfile/yarn-berry.js';
import { rejection } from '../helpers/rejection.js';
import { dependencyRows, diagnosticRows, rows } from './rows.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'yarn-berry', 'yarn.lock');

describe('yarn.lock (berry) written by yarn 4.18.1', () => {
  test('the exact package list; berry checksums are not passed on as integrity', async () => {
    const lockfile = await readLockfile(FIXTURE);
    expect([lockfile.format, lockfile.formatVersion]).toEqual(['yarn-berry', '10']);
    expect(rows(lockfile)).toEqual([
      '@acme/scoped@1.0.0 registry L8',
      'dev-b@1.0.0 registry dev L22',
      'dev-only@1.0.0 registry dev L32',
      'local-pkg@1.0.0 file path=./local-pkg L56',
      'opt-c@1.0.0 registry optional L63',
      'prod-a@1.0.0 registry L70',
      'real@1.1.0 registry alias=alias-name L15',
      'shared@1.0.0 registry L79',
      'shared@2.0.0 registry L86',
      'ws-a@0.0.0-use.local workspace path=packages/ws-a L93',
      'ws-dep@1.0.0 registry L101',
    ]);
    expect(diagnosticRows(lockfile)).toEqual([]);
    // Specs as berry writes them; the root workspace's entry is the project (dev-b included).
    expect(dependencyRows(lockfile)).toEqual([
      'dev-b@1.0.0: dev-only npm:^1.0.0, shared npm:^2.0.0',
      'prod-a@1.0.0: shared npm:^1.0.0',
      'ws-a@0.0.0-use.local: ws-dep npm:^1.0.0',
    ]);
    expect(lockfile.root).toEqual({
      '@acme/scoped': 'npm:^1.0.0',
      'alias-name': 'npm:real@^1.0.0',
      'dev-b': 'npm:^1.0.0',
      'local-pkg': 'file:./local-pkg',
      'opt-c': 'npm:^1.0.0',
      'prod-a': 'npm:^1.0.0',
      shared: 'npm:^2.0.0',
    });
  });

  test('without a package.json every package is dev: false, said once; optional still comes from the lockfile', () => {
    const lockfile = parseYarnBerry(readFileSync(FIXTURE, 'utf8'), FIXTURE, {});
    expect(lockfile.packages.filter((p) => p.dev || p.optional).map((p) => `${p.name} ${p.dev ? 'dev' : ''}${p.optional ? 'optional' : ''}`)).toEqual(['opt-c optional']);
    expect(diagnosticRows(lockfile)).toEqual([`L- : ${NO_MANIFEST_MESSAGE}`]);
    // The project's dependencies are still known: from the lockfile's root workspace.
    expect(Object.keys(lockfile.root)).toEqual(['@acme/scoped', 'alias-name', 'dev-b', 'local-pkg', 'opt-c', 'prod-a', 'shared']);
  });

  test('patch:, git, remote tarballs, portal: and archive URLs', () => {
    const sha = '0123456789abcdef0123456789abcdef01234567';
    const text = [
      '__metadata:',
      '  version: 8',
      '  cacheKey: 10c0',
      '',
      `"from-git@https://github.com/u/r.git#commit=${sha}":`,
      '  version: 1.0.0',
      `  resolution: "from-git@https://github.com/u/r.git#commit=${sha}"`,
      '  languageName: node',
      '  linkType: hard',
      '',
      '"portal-pkg@portal:../portal-pkg::locator=root%40workspace%3A.":',
      '  version: 0.0.0-use.local',
      '  resolution: "portal-pkg@portal:../portal-pkg::locator=root%40workspace%3A."',
      '  languageName: node',
      '  linkType: soft',
      '',
      '"private@npm:^2.0.0":',
      '  version: 2.0.0',
      '  resolution: "private@npm:2.0.0::__archiveUrl=https%3A%2F%2Fnpm.example.com%2Fprivate%2F-%2Fprivate-2.0.0.tgz"',
      '  languageName: node',
      '  linkType: hard',
      '',
      '"remote@https://example.com/remote-1.0.0.tgz":',
      '  version: 1.0.0',
      '  resolution: "remote@https://example.com/remote-1.0.0.tgz"',
      '  languageName: node',
      '  linkType: hard',
      '',
      '"resolve@npm:^1.22.0":',
      '  version: 1.22.8',
      '  resolution: "resolve@npm:1.22.8"',
      '  languageName: node',
      '  linkType: hard',
      '',
      '"resolve@patch:resolve@npm%3A^1.22.0#optional!builtin<compat/resolve>":',
      '  version: 1.22.8',
      '  resolution: "resolve@patch:resolve@npm%3A1.22.8#optional!builtin<compat/resolve>::version=1.22.8&hash=c3c19d"',
      '  languageName: node',
      '  linkType: hard',
      '',
      '"root@workspace:.":',
      '  version: 0.0.0-use.local',
      '  resolution: "root@workspace:."',
      '  dependencies:',
      `    from-git: "https://github.com/u/r.git#commit=${sha}"`,
      '    portal-pkg: "portal:../portal-pkg"',
      '    private: "npm:^2.0.0"',
      '    remote: "https://example.com/remote-1.0.0.tgz"',
      '    resolve: "patch:resolve@npm%3A^1.22.0#optional!builtin<compat/resolve>"',
      '  languageName: unknown',
      '  linkType: soft',
      '',
    ].join('\n');
    const manifest = { dependencies: { 'from-git': '', 'portal-pkg': '', private: '', resolve: '' }, devDependencies: { remote: '' } };
    const lockfile = parseYarnBerry(text, 'yarn.lock', { rootManifest: manifest });
    expect(rows(lockfile)).toEqual([
      'from-git@1.0.0 git L5',
      'portal-pkg@0.0.0-use.local link path=../portal-pkg L11',
      'private@2.0.0 registry L17',
      'remote@1.0.0 remote dev L23',
      // The patched copy is the same registry package: one entry.
      'resolve@1.22.8 registry L29',
    ]);
    const byName = new Map(lockfile.packages.map((p) => [p.name, p]));
    expect(byName.get('from-git')?.resolved).toBe(`https://github.com/u/r.git#commit=${sha}`);
    expect(byName.get('private')?.resolved).toBe('https://npm.example.com/private/-/private-2.0.0.tgz');
    expect(byName.get('remote')?.resolved).toBe('https://example.com/remote-1.0.0.tgz');
    expect(diagnosticRows(lockfile)).toEqual([]);
    expect(lockfile.root).toEqual({
      'from-git': `https://github.com/u/r.git#commit=${sha}`,
      'portal-pkg': 'portal:../portal-pkg',
      private: 'npm:^2.0.0',
      remote: 'https://example.com/remote-1.0.0.tgz',
      resolve: 'patch:resolve@npm%3A^1.22.0#optional!builtin<compat/resolve>',
    });
  });

  test('an unknown __metadata.version is E_LOCKFILE with the supported list', async () => {
    const err = await rejection(Promise.resolve().then(() => parseYarnBerry('__metadata:\n  version: 99\n  cacheKey: 1\n', 'yarn.lock')));
    expect(err.code).toBe('E_LOCKFILE');
    expect(err.message).toBe('yarn.lock: yarn lockfile __metadata.version "99" is not supported (supported: 4, 5, 6, 7, 8, 9, 10).');
  });
});
