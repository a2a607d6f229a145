// Finding a lockfile, telling its format, the sibling package.json and the size cap.
import { copyFileSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { detectFormat, findLockfile, LOCKFILE_NAMES, MAX_LOCKFILE_BYTES, parseLockfile, readLockfile, SUPPORTED_FORMATS } from '../../src/lockfile/index.js';
import { rejection } from '../helpers/rejection.js';
import { makeTmpEnv, type TmpEnv } from '../helpers/tmp-env.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
let env: TmpEnv;
beforeEach(() => {
  env = makeTmpEnv();
});
afterEach(() => {
  env.cleanup();
});

describe('findLockfile', () => {
  test('takes the first of the known names, in order', () => {
    expect(LOCKFILE_NAMES).toEqual(['npm-shrinkwrap.json', 'package-lock.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lock']);
    for (const name of [...LOCKFILE_NAMES].reverse()) {
      writeFileSync(join(env.project, name), '');
      expect(findLockfile(env.project)).toBe(join(env.project, name));
    }
  });

  test('a directory named like a lockfile is not one', () => {
    mkdirSync(join(env.project, 'package-lock.json'));
    writeFileSync(join(env.project, 'yarn.lock'), '');
    expect(findLockfile(env.project)).toBe(join(env.project, 'yarn.lock'));
  });

  test('none: E_LOCKFILE listing what was looked for', async () => {
    const err = await rejection(Promise.resolve().then(() => findLockfile(env.project)));
    expect([err.code, err.exitCode]).toEqual(['E_LOCKFILE', 2]);
    expect(err.message).toBe(`No lockfile in ${env.project} (looked for npm-shrinkwrap.json, package-lock.json, pnpm-lock.yaml, yarn.lock, bun.lock).`);
  });

  test('only a binary bun.lockb: the hint says how to get a text lockfile', async () => {
    writeFileSync(join(env.project, 'bun.lockb'), Buffer.from([0, 1, 2]));
    const err = await rejection(Promise.resolve().then(() => findLockfile(env.project)));
    expect(err.hint).toMatch(/bun install --save-text-lockfile/);
    const read = await rejection(readLockfile(join(env.project, 'bun.lockb')));
    expect([read.code, read.message]).toEqual(['E_LOCKFILE', `${join(env.project, 'bun.lockb')} is a binary bun lockfile, which is not supported.`]);
  });
});

describe('readLockfile', () => {
  test.each([
    ['yarn-classic/yarn.lock', 'custom.lock', 'yarn-classic'],
    ['yarn-berry/yarn.lock', 'berry.txt', 'yarn-berry'],
    ['pnpm-v9/pnpm-lock.yaml', 'lock.yaml', 'pnpm'],
    ['bun/bun.lock', 'lock.jsonc', 'bun'],
  ])('tells %s from its content when saved as %s', async (fixture, name, format) => {
    copyFileSync(join(FIXTURES, fixture), join(env.project, name));
    expect((await readLockfile(join(env.project, name))).format).toBe(format);
  });

  test('tells npm JSON from bun JSONC by content', () => {
    expect(detectFormat('x.json', '{\n  "name": "r",\n  "lockfileVersion": 3,\n  "requires": true,\n  "packages": {}\n}')).toBe('npm');
    expect(detectFormat('x.json', '{\n  "lockfileVersion": 1,\n  "workspaces": {\n    "": {}\n  },\n  "packages": {}\n}')).toBe('bun');
    expect(detectFormat('yarn.lock', '__metadata:\n  version: 8\n')).toBe('yarn-berry');
    expect(detectFormat('yarn.lock', '# yarn lockfile v1\n')).toBe('yarn-classic');
  });

  test('an unknown format: E_LOCKFILE with the supported names', async () => {
    writeFileSync(join(env.project, 'Gemfile.lock'), 'GEM\n  remote: https://rubygems.org/\n');
    const err = await rejection(readLockfile(join(env.project, 'Gemfile.lock')));
    expect(err.code).toBe('E_LOCKFILE');
    expect(err.message).toMatch(/is not a lockfile format depcaps reads \(supported: npm-shrinkwrap\.json, package-lock\.json, pnpm-lock\.yaml, yarn\.lock, bun\.lock\)\.$/);
  });

  test('a missing file is E_LOCKFILE naming it', async () => {
    const path = join(env.project, 'package-lock.json');
    const err = await rejection(readLockfile(path));
    expect([err.code, err.message]).toEqual(['E_LOCKFILE', `Cannot read lockfile ${path}: ENOENT.`]);
  });

  test('over 256 MiB: E_LOCKFILE before reading a byte', async () => {
    const path = join(env.project, 'package-lock.json');
    writeFileSync(path, '');
    truncateSync(path, MAX_LOCKFILE_BYTES + 1); // sparse: costs no disk
    const err = await rejection(readLockfile(path));
    expect([err.code, err.message]).toEqual(['E_LOCKFILE', `${path} is ${MAX_LOCKFILE_BYTES + 1} bytes, over the ${MAX_LOCKFILE_BYTES}-byte lockfile limit.`]);
  });

  test('an unreadable package.json beside the lockfile is a diagnostic, not an error', async () => {
    copyFileSync(join(FIXTURES, 'yarn-classic', 'yarn.lock'), join(env.project, 'yarn.lock'));
    writeFileSync(join(env.project, 'package.json'), '{ not json');
    const lockfile = await readLockfile(join(env.project, 'yarn.lock'));
    expect(lockfile.diagnostics.map((d) => d.key)).toEqual(['package.json', '']);
    expect(lockfile.diagnostics[0]?.message).toMatch(/package\.json could not be read \(.*\); not used$/);
    expect(lockfile.packages.every((p) => !p.dev)).toBe(true);
  });

  test('a byte-order mark is tolerated', async () => {
    const path = join(env.project, 'pnpm-lock.yaml');
    writeFileSync(path, `\uFEFFlockfileVersion: '9.0'\n\nimporters:\n  .: {}\n`);
    expect((await readLockfile(path)).packages).toEqual([]);
  });
});

describe('parseLockfile: text from anywhere (git show), no disk', () => {
  // A path that does not exist: nothing may be read from it, nor from beside it.
  const nowhere = (name: string): string => join(FIXTURES, 'no-such-dir', name);

  test('the same lockfile as readLockfile, given the same package.json', async () => {
    const path = join(FIXTURES, 'yarn-classic', 'yarn.lock');
    const manifest: unknown = JSON.parse(readFileSync(join(FIXTURES, 'yarn-classic', 'package.json'), 'utf8'));
    const parsed = parseLockfile(readFileSync(path, 'utf8'), path, { rootManifest: manifest });
    expect(parsed).toEqual(await readLockfile(path));
    expect(parsed.root['dev-b']).toBe('^1.0.0');
  });

  test('format told by name then content, as readLockfile; no package.json is no root for yarn classic', () => {
    const text = readFileSync(join(FIXTURES, 'yarn-classic', 'yarn.lock'), 'utf8');
    const lockfile = parseLockfile(`\uFEFF${text}`, nowhere('custom.lock'));
    expect([lockfile.format, lockfile.path, lockfile.packages.length]).toEqual(['yarn-classic', nowhere('custom.lock'), 10]);
    expect(lockfile.root).toEqual({});
  });

  test("git's ref:path names the file: the format is told by name", () => {
    // npm JSON without "requires" and with a workspaces map would pass for bun by content alone.
    const text = '{\n  "lockfileVersion": 3,\n  "workspaces": {},\n  "packages": {}\n}\n';
    expect(detectFormat('lock.json', text)).toBe('bun');
    expect(parseLockfile(text, 'HEAD~1:package-lock.json').format).toBe('npm');
    expect(detectFormat('main:app/package-lock.json', text)).toBe('npm');
  });

  test('a root manifest that is not an object is a diagnostic, not used', () => {
    const text = readFileSync(join(FIXTURES, 'pnpm-v9', 'pnpm-lock.yaml'), 'utf8');
    const lockfile = parseLockfile(text, 'pnpm-lock.yaml', { rootManifest: ['not', 'an', 'object'] });
    expect(lockfile.diagnostics).toEqual([{ key: 'package.json', message: 'the root manifest is not a JSON object; not used' }]);
    expect(lockfile.root['prod-a']).toBe('1.0.0');
  });

  test.each([
    ['Gemfile.lock', 'GEM\n  remote: https://rubygems.org/\n', /^Gemfile\.lock is not a lockfile format depcaps reads \(supported: .*\)\.$/],
    ['bun.lockb', '\u0000\u0001', /^bun\.lockb is a binary bun lockfile, which is not supported\.$/],
    ['HEAD:bun.lockb', '\u0000\u0001', /^HEAD:bun\.lockb is a binary bun lockfile, which is not supported\.$/],
    ['package-lock.json', '{ "lockfileVersion": 4 }', /^package-lock\.json: npm lockfileVersion 4 is not supported/],
    ['pnpm-lock.yaml', 'lockfileVersion: [', /^pnpm-lock\.yaml is not valid YAML/],
  ])('%s: E_LOCKFILE as from readLockfile', async (name, text, message) => {
    const err = await rejection(Promise.resolve().then(() => parseLockfile(text, name)));
    expect(err.code).toBe('E_LOCKFILE');
    expect(err.message).toMatch(message);
  });
});

test('SUPPORTED_FORMATS: what the README lists', () => {
  expect(SUPPORTED_FORMATS).toEqual({
    npm: { files: ['package-lock.json', 'npm-shrinkwrap.json'], versions: ['1', '2', '3'] },
    'yarn-classic': { files: ['yarn.lock'], versions: ['1'] },
    'yarn-berry': { files: ['yarn.lock'], versions: ['4', '5', '6', '7', '8', '9', '10'] },
    pnpm: { files: ['pnpm-lock.yaml'], versions: ['5.0', '5.1', '5.2', '5.3', '5.4', '6.0', '6.1', '9.0'] },
    bun: { files: ['bun.lock'], versions: ['0', '1', '2'] },
  });
});
