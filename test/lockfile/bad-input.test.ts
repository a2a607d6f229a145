// RELIABILITY.md items 30 and 33: malformed and hostile lockfile entries. A bad entry is a
// per-entry diagnostic (with its key and line) and the others are still read; a file that cannot
// be read as a whole, or an unknown format version, is E_LOCKFILE (exit 2).
import semver from 'semver';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { parseBun } from '../../src/lockfile/bun.js';
import { parseNpm } from '../../src/lockfile/npm.js';
import { parsePnpm } from '../../src/lockfile/pnpm.js';
import { parseYarnBerry } from '../../src/lockfile/yarn-berry.js';
import { headerDescriptors, parseYarnClassic } from '../../src/lockfile/yarn-classic.js';
import { rejection } from '../helpers/rejection.js';
import { diagnosticRows, rows } from './rows.js';

const SRI = `sha512-${Buffer.alloc(64, 7).toString('base64')}`;
const tarball = (name: string, version: string): string => `https://registry.npmjs.org/${name}/-/${name.slice(name.lastIndexOf('/') + 1)}-${version}.tgz`;
const good = (name: string, version = '1.0.0'): Record<string, unknown> => ({ version, resolved: tarball(name, version), integrity: SRI });
const npmLock = (packages: Record<string, unknown>): string =>
  JSON.stringify({ name: 'root', lockfileVersion: 3, requires: true, packages: { '': { name: 'root' }, ...packages } }, null, 2);
/** 1-based line of the first line holding `"key": ` (the entry's key in pretty JSON). */
const lineOf = (text: string, key: string): number => text.split('\n').findIndex((l) => l.includes(`${JSON.stringify(key)}: `)) + 1;
const thrown = (fn: () => unknown): Promise<import('../../src/errors.js').DepcapsError> => rejection(Promise.resolve().then(fn));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('malformed entries are reported one by one (npm v3)', () => {
  const longName = 'a'.repeat(215);
  const longVersion = `1.0.0-${'a'.repeat(300)}`;
  const text = npmLock({
    'node_modules/ok': good('ok'),
    'node_modules/no-version': { resolved: tarball('no-version', '1.0.0'), integrity: SRI },
    'node_modules/no-resolved': { version: '1.0.0', integrity: SRI },
    'node_modules/no-integrity': { version: '1.0.0', resolved: tarball('no-integrity', '1.0.0') },
    'node_modules/bad-sri': { ...good('bad-sri'), integrity: 'sha512-!!!' },
    'node_modules/short-sri': { ...good('short-sri'), integrity: 'sha512-AAAA' },
    'node_modules/evil-host': { ...good('evil-host'), resolved: 'https://evil.example/evil-host/-/evil-host-1.0.0.tgz' },
    'node_modules/odd-url': { ...good('odd-url'), resolved: 'https://evil.example/payload.tgz' },
    'node_modules/bad-url': { ...good('bad-url'), resolved: 'https://exa mple.com/x.tgz' },
    'node_modules/long-version': { ...good('long-version'), version: longVersion },
    'node_modules/not-semver': { ...good('not-semver'), version: 'latest' },
    'node_modules/not-an-object': 'nope',
    'node_modules/git-dep': { version: '1.0.0', resolved: 'git+ssh://git@github.com/u/r.git#0123abc' },
    'node_modules/devopt': { ...good('devopt'), devOptional: true },
    'node_modules/ok/node_modules/bundled': { version: '2.0.0', inBundle: true },
    'node_modules/dup-a/node_modules/dup': { ...good('dup'), dev: true },
    'node_modules/dup-b/node_modules/dup': good('dup'),
  });

  test('each problem is a diagnostic with key and line; the other entries are kept', () => {
    const lockfile = parseNpm(text, 'package-lock.json');
    const L = (name: string): string => `L${lineOf(text, `node_modules/${name}`)}`;
    expect(rows(lockfile)).toEqual([
      `bad-sri@1.0.0 registry ${L('bad-sri')}`,
      // The URL is dropped (diagnostic); what is left cannot be fetched, and the auditor says so.
      `bad-url@1.0.0 remote integrity ${L('bad-url')}`,
      `bundled@2.0.0 registry bundled ${L('ok/node_modules/bundled')}`,
      `devopt@1.0.0 registry optional integrity ${L('devopt')}`,
      // Installed as dev in one place and as prod in another: one entry, production.
      `dup@1.0.0 registry integrity ${L('dup-a/node_modules/dup')}`,
      // A registry-shaped URL on an unknown host is recorded as is: the auditor decides.
      `evil-host@1.0.0 registry integrity ${L('evil-host')}`,
      `git-dep@1.0.0 git ${L('git-dep')}`,
      `no-integrity@1.0.0 registry ${L('no-integrity')}`,
      `no-resolved@1.0.0 registry integrity ${L('no-resolved')}`,
      `odd-url@1.0.0 remote integrity ${L('odd-url')}`,
      `ok@1.0.0 registry integrity ${L('ok')}`,
      `short-sri@1.0.0 registry ${L('short-sri')}`,
    ]);
    expect(diagnosticRows(lockfile)).toEqual([
      `${L('no-version')} node_modules/no-version: dropped: no-version has no version (entry "node_modules/no-version")`,
      `${L('no-integrity')} node_modules/no-integrity: no-integrity@1.0.0 has no integrity (entry "node_modules/no-integrity")`,
      `${L('bad-sri')} node_modules/bad-sri: bad-sri@1.0.0: malformed integrity "sha512-!!!" was ignored (entry "node_modules/bad-sri")`,
      `${L('short-sri')} node_modules/short-sri: short-sri@1.0.0: malformed integrity "sha512-AAAA" was ignored (entry "node_modules/short-sri")`,
      `${L('bad-url')} node_modules/bad-url: bad-url@1.0.0: "resolved" is malformed and was ignored (entry "node_modules/bad-url")`,
      `${L('long-version')} node_modules/long-version: dropped: long-version has no exact semver version (entry "node_modules/long-version")`,
      `${L('not-semver')} node_modules/not-semver: dropped: not-semver has no exact semver version (entry "node_modules/not-semver")`,
      `${L('not-an-object')} node_modules/not-an-object: entry "node_modules/not-an-object" is not an object; ignored`,
    ]);
    const byName = new Map(lockfile.packages.map((p) => [p.name, p]));
    expect(byName.get('bad-sri')?.integrity).toBeUndefined();
    expect(byName.get('evil-host')?.resolved).toBe('https://evil.example/evil-host/-/evil-host-1.0.0.tgz');
    expect(byName.get('odd-url')?.resolved).toBe('https://evil.example/payload.tgz');
    expect(byName.get('dup')?.key).toBe('node_modules/dup-a/node_modules/dup');
  });

  test('strings longer than 256 characters never reach semver', () => {
    const valid = vi.spyOn(semver, 'valid');
    const lockfile = parseNpm(text, 'package-lock.json');
    expect(lockfile.packages.some((p) => p.name === 'long-version')).toBe(false);
    expect(valid).toHaveBeenCalled();
    for (const [arg] of valid.mock.calls) expect(String(arg).length).toBeLessThanOrEqual(256);
  });

  test('hostile names are dropped with a diagnostic (item 33)', () => {
    const hostile = npmLock({
      'node_modules/ok': good('ok'),
      'node_modules/../../etc': good('x'),
      'node_modules/%2e%2e': good('x'),
      [`node_modules/${longName}`]: good('x'),
      'node_modules/@scope/../x': good('x'),
      'node_modules/alias': { ...good('x'), name: '../../etc' },
      'node_modules/back\\slash': good('x'),
    });
    const lockfile = parseNpm(hostile, 'package-lock.json');
    const L = (name: string): string => `L${lineOf(hostile, `node_modules/${name}`)}`;
    const cut = `node_modules/${longName.slice(0, 200 - 'node_modules/'.length)}…`;
    expect(rows(lockfile)).toEqual([`ok@1.0.0 registry integrity ${L('ok')}`]);
    expect(diagnosticRows(lockfile)).toEqual([
      `${L('../../etc')} node_modules/../../etc: dropped: the name has a "/" npm does not allow (entry "node_modules/../../etc")`,
      `${L('%2e%2e')} node_modules/%2e%2e: dropped: the name contains "%", "\\", whitespace or control characters (entry "node_modules/%2e%2e")`,
      `${L(longName)} ${cut}: dropped: the name is longer than 214 characters (entry "${cut}")`,
      `${L('@scope/../x')} node_modules/@scope/../x: dropped: the name has a "/" npm does not allow (entry "node_modules/@scope/../x")`,
      `${L('alias')} node_modules/alias: dropped: the name has a "/" npm does not allow (entry "node_modules/alias")`,
      `${L('back\\slash')} node_modules/back\\slash: dropped: the name contains "%", "\\", whitespace or control characters (entry ${JSON.stringify('node_modules/back\\slash')})`,
    ]);
  });

  test('v1: nested "dependencies" are walked with their install path; malformed or too deep ones reported', () => {
    let deep: Record<string, unknown> = good('leaf');
    for (let i = 0; i < 250; i++) deep = { ...good('chain'), dependencies: { [i % 2 ? 'chain' : 'leaf']: deep } };
    const text = JSON.stringify(
      {
        name: 'root',
        lockfileVersion: 1,
        requires: true,
        dependencies: {
          a: { ...good('a'), requires: { b: '^2.0.0' }, dependencies: { b: { ...good('b', '2.0.0'), dependencies: 'oops' } } },
          c: { ...good('c'), dependencies: [good('d')] },
          deep,
        },
      },
      null,
      2,
    );
    const lockfile = parseNpm(text, 'package-lock.json');
    const b = lockfile.packages.find((p) => p.name === 'b');
    // `"b": "^2.0.0"` under `requires` comes first in the text; the entry is the `"b": {` line.
    expect(b).toMatchObject({ version: '2.0.0', key: 'node_modules/a/node_modules/b' });
    expect(text.split('\n')[(b?.line ?? 0) - 1]?.trim()).toBe('"b": {');
    const c = lockfile.packages.find((p) => p.name === 'c');
    expect(text.split('\n')[(c?.line ?? 0) - 1]?.trim()).toBe('"c": {');
    expect(diagnosticRows(lockfile).slice(0, 2)).toEqual([
      `L${b?.line} node_modules/a/node_modules/b: entry "node_modules/a/node_modules/b": nested "dependencies" is not an object; ignored`,
      `L${c?.line} node_modules/c: entry "node_modules/c": nested "dependencies" is not an object; ignored`,
    ]);
    expect(lockfile.packages.filter((p) => p.name === 'chain' || p.name === 'leaf').length).toBeGreaterThan(1);
    expect(diagnosticRows(lockfile)[2]).toMatch(/nested deeper than 200 levels; not read further$/);
    expect(lockfile.diagnostics).toHaveLength(3);
  });
});

describe('unreadable lockfiles and unknown format versions are E_LOCKFILE', () => {
  test('trailing garbage after the JSON: the file and the error position', async () => {
    const valid = npmLock({ 'node_modules/ok': good('ok') });
    const err = await thrown(() => parseNpm(`${valid}\n}garbage`, '/p/package-lock.json'));
    expect(err.code).toBe('E_LOCKFILE');
    expect(err.exitCode).toBe(2);
    const lines = valid.split('\n').length + 1;
    expect(err.message).toMatch(new RegExp(`^/p/package-lock\\.json is not valid JSON at line ${lines}, column 1: `));
  });

  test.each([
    [4, 'package-lock.json: npm lockfileVersion 4 is not supported (supported: 1, 2, 3).'],
    [undefined, 'package-lock.json: npm lockfileVersion missing is not supported (supported: 1, 2, 3).'],
    ['3', 'package-lock.json: npm lockfileVersion "3" is not supported (supported: 1, 2, 3).'],
  ])('npm lockfileVersion %s', async (version, message) => {
    const err = await thrown(() => parseNpm(JSON.stringify({ lockfileVersion: version, packages: {} }), 'package-lock.json'));
    expect([err.code, err.message]).toEqual(['E_LOCKFILE', message]);
  });

  test('a pnpm lock with an unknown lockfileVersion lists the supported versions', async () => {
    const err = await thrown(() => parsePnpm("lockfileVersion: '7.0'\n", 'pnpm-lock.yaml'));
    expect([err.code, err.message]).toEqual([
      'E_LOCKFILE',
      'pnpm-lock.yaml: pnpm lockfileVersion "7.0" is not supported (supported: 5.0, 5.1, 5.2, 5.3, 5.4, 6.0, 6.1, 9.0).',
    ]);
  });

  test('a yarn.lock with merge-conflict markers: the line of the first marker', async () => {
    const text = [
      '# yarn lockfile v1',
      '',
      '',
      '<<<<<<< HEAD',
      'a@^1.0.0:',
      '  version "1.0.0"',
      '=======',
      'a@^1.0.0:',
      '  version "1.1.0"',
      '>>>>>>> feature',
      '',
    ].join('\n');
    for (const parse of [parseYarnClassic, parseYarnBerry, parsePnpm, parseNpm, parseBun]) {
      const err = await thrown(() => parse(text, '/p/yarn.lock', {}));
      expect([err.code, err.message]).toEqual(['E_LOCKFILE', '/p/yarn.lock has an unresolved merge conflict (line 4).']);
    }
  });

  test.each([
    ['yarn classic', () => parseYarnClassic('a@^1:\n  version "1.0.0"\n   : : :\n', 'yarn.lock'), /^yarn\.lock is not a valid yarn\.lock: /],
    ['yarn berry', () => parseYarnBerry('__metadata:\n  version: 8\n"a@npm:^1": [\n', 'yarn.lock'), /^yarn\.lock is not a valid yarn\.lock: /],
    ['pnpm YAML', () => parsePnpm("lockfileVersion: '9.0'\npackages: [\n", 'pnpm-lock.yaml'), /^pnpm-lock\.yaml is not valid YAML at line \d+: /],
    ['pnpm alias bomb', () => parsePnpm(aliasBomb(), 'pnpm-lock.yaml'), /^pnpm-lock\.yaml is not valid YAML: .*alias/i],
    ['bun JSONC', () => parseBun('{\n  "lockfileVersion": 1,\n  "packages": { "a": [ }\n}', 'bun.lock'), /^bun\.lock is not valid JSONC at line 3, column 24: ValueExpected\.$/],
  ])('%s that does not parse', async (_name, fn, message) => {
    const err = await thrown(fn);
    expect(err.code).toBe('E_LOCKFILE');
    expect(err.message).toMatch(message);
  });
});

/** A "billion laughs" YAML document: each alias doubles the one before. */
function aliasBomb(): string {
  const lines = ["lockfileVersion: '9.0'", 'a0: &a0 [x, x]'];
  for (let i = 1; i < 30; i++) lines.push(`a${i}: &a${i} [*a${i - 1}, *a${i - 1}]`);
  return `${lines.join('\n')}\n`;
}

describe('hostile names in every format', () => {
  test('yarn classic', () => {
    const text = `# yarn lockfile v1\n\n\n"../../etc@^1.0.0":\n  version "1.0.0"\n  resolved "${tarball('x', '1.0.0')}"\n  integrity ${SRI}\n\nok@^1.0.0:\n  version "1.0.0"\n  resolved "${tarball('ok', '1.0.0')}"\n  integrity ${SRI}\n`;
    const lockfile = parseYarnClassic(text, 'yarn.lock', { rootManifest: {} });
    expect(rows(lockfile)).toEqual(['ok@1.0.0 registry integrity L9']);
    expect(diagnosticRows(lockfile)).toEqual(['L4 ../../etc@^1.0.0: dropped: the name has a "/" npm does not allow (entry "../../etc@^1.0.0")']);
  });

  test('yarn berry (and an entry without a resolution)', () => {
    const text = `__metadata:\n  version: 8\n\n"%2e%2e@npm:^1.0.0":\n  version: 1.0.0\n  resolution: "%2e%2e@npm:1.0.0"\n\n"no-resolution@npm:^1.0.0":\n  version: 1.0.0\n\n"ok@npm:^1.0.0":\n  version: 1.0.0\n  resolution: "ok@npm:1.0.0"\n`;
    const lockfile = parseYarnBerry(text, 'yarn.lock', { rootManifest: {} });
    expect(rows(lockfile)).toEqual(['ok@1.0.0 registry L11']);
    expect(diagnosticRows(lockfile)).toEqual([
      'L4 %2e%2e@npm:^1.0.0: dropped: the name contains "%", "\\", whitespace or control characters (entry "%2e%2e@npm:^1.0.0")',
      'L8 no-resolution@npm:^1.0.0: entry "no-resolution@npm:^1.0.0" has no resolution; ignored',
    ]);
  });

  test('pnpm', () => {
    const long = 'a'.repeat(215);
    const text = `lockfileVersion: '9.0'\n\nimporters:\n  .: {}\n\npackages:\n\n  ${long}@1.0.0:\n    resolution: {integrity: ${SRI}}\n\n  ok@1.0.0:\n    resolution: {integrity: ${SRI}}\n`;
    const lockfile = parsePnpm(text, 'pnpm-lock.yaml');
    expect(rows(lockfile)).toEqual(['ok@1.0.0 registry integrity L11']);
    expect(diagnosticRows(lockfile)).toEqual([
      `L8 ${long.slice(0, 200)}…: dropped: the name is longer than 214 characters (entry "${long.slice(0, 200)}…")`,
    ]);
  });

  test('bun', () => {
    const text = `{\n  "lockfileVersion": 1,\n  "workspaces": { "": { "name": "r" } },\n  "packages": {\n    "../../etc": ["../../etc@1.0.0", "", {}, "${SRI}"],\n    "ok": ["ok@1.0.0", "", {}, "${SRI}"],\n  }\n}\n`;
    const lockfile = parseBun(text, 'bun.lock');
    expect(rows(lockfile)).toEqual(['ok@1.0.0 registry integrity L6']);
    expect(diagnosticRows(lockfile)).toEqual(['L5 ../../etc: dropped: the name has a "/" npm does not allow (entry "../../etc")']);
  });
});

describe('dependency maps', () => {
  test('names npm would refuse and specs with control characters are reported, never keys', () => {
    // Raw JSON: an object literal with a `__proto__` key would set the prototype instead.
    const text = `{
  "lockfileVersion": 3,
  "packages": {
    "": { "dependencies": { "__proto__": "1.0.0", "ok": "^1.0.0" } },
    "node_modules/ok": {
      "version": "1.0.0",
      "resolved": "${tarball('ok', '1.0.0')}",
      "integrity": "${SRI}",
      "dependencies": { "__proto__": "1.0.0", "constructor": "^1.0.0", "../x": "1.0.0", "ctl": "1.0.0\\u0000", "num": 1 },
      "optionalDependencies": { "constructor": "^9.0.0", "opt": "~2.0.0" },
      "peerDependencies": { "peer": "*" },
      "devDependencies": { "dev": "*" }
    }
  }
}`;
    const lockfile = parseNpm(text, 'package-lock.json');
    const ok = lockfile.packages[0];
    // The first group's spec wins for a name in two.
    expect(ok?.dependencies).toEqual({ constructor: '^1.0.0', opt: '~2.0.0' });
    expect(Object.getPrototypeOf(ok?.dependencies)).toBe(Object.prototype);
    expect(lockfile.root).toEqual({ ok: '^1.0.0' });
    expect(Object.getPrototypeOf(lockfile.root)).toBe(Object.prototype);
    expect(diagnosticRows(lockfile)).toEqual([
      'L- : the project: dependency "__proto__" ignored: the name has characters or segments npm does not allow',
      'L5 node_modules/ok: ok@1.0.0: dependency "__proto__" ignored: the name has characters or segments npm does not allow',
      'L5 node_modules/ok: ok@1.0.0: dependency "../x" ignored: the name has a "/" npm does not allow',
      'L5 node_modules/ok: ok@1.0.0: dependency "ctl" ignored: its spec is too long or has control characters',
    ]);
  });

  test('copies merged into one entry keep the dependencies of each', () => {
    const lockfile = parseNpm(
      npmLock({
        'node_modules/a/node_modules/dup': { ...good('dup'), dependencies: { x: '^1.0.0' } },
        'node_modules/b/node_modules/dup': { ...good('dup'), dependencies: { x: '^1.0.0', y: '^2.0.0' } },
      }),
      'package-lock.json',
    );
    expect(lockfile.packages.map((p) => [p.key, p.dependencies])).toEqual([['node_modules/a/node_modules/dup', { x: '^1.0.0', y: '^2.0.0' }]]);
  });

  test('pnpm v9: the snapshots of one package (peer variants) are merged', () => {
    const text = `lockfileVersion: '9.0'\n\nimporters:\n  .: {}\n\npackages:\n\n  a@1.0.0:\n    resolution: {integrity: ${SRI}}\n\nsnapshots:\n\n  a@1.0.0(p@1.0.0):\n    dependencies:\n      p: 1.0.0\n\n  a@1.0.0(p@2.0.0):\n    dependencies:\n      p: 2.0.0\n    optionalDependencies:\n      q: 1.0.0\n`;
    expect(parsePnpm(text, 'pnpm-lock.yaml').packages[0]?.dependencies).toEqual({ p: '1.0.0', q: '1.0.0' });
  });
});

describe('pathological text stays linear', () => {
  test.each([
    ['a yarn header of spaces', () => headerDescriptors(`a@^1${' '.repeat(1_000_000)}x:`)],
    ['a berry key of spaces', () => parseYarnBerry(`__metadata:\n  version: 8\n"a@npm:1${' '.repeat(200_000)}x":\n  version: 1.0.0\n`, 'yarn.lock', { rootManifest: {} })],
    ['a bun.lock of blank lines', () => parseBun(`{${'\n'.repeat(1_000_000)}"lockfileVersion": 1, "packages": {} }`, 'bun.lock')],
    ['a JSON lockfile of blank lines', () => parseNpm(`${'\n'.repeat(1_000_000)}{ "lockfileVersion": 3, "packages": {} }`, 'package-lock.json')],
    [
      'workspace globs against long paths',
      () =>
        parseNpm(
          JSON.stringify({
            lockfileVersion: 3,
            packages: { '': { workspaces: ['**/a/**/a/**/a/**', 'x/**/**/**/**/y*'] }, 'node_modules/w': { link: true, resolved: `${'a/'.repeat(2000)}b` } },
          }),
          'package-lock.json',
        ),
    ],
  ])('%s', (_name, fn) => {
    const started = performance.now();
    fn();
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
