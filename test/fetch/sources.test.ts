// Locked git references as each lockfile writes them, the URLs shown for them, and tarball URLs
// verified against the lockfile's integrity.
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { lockedGitSource, pinnedCommit, redactGitUrl } from '../../src/fetch/git.js';
import { fetchRemotePackage } from '../../src/fetch/remote.js';
import { DEFAULT_LIMITS } from '../../src/limits.js';
import { startRegistry, tarballPath, type LocalRegistry } from '../helpers/local-registry.js';
import { makeTmpEnv, type TmpEnv } from '../helpers/tmp-env.js';
import { rejection } from '../helpers/rejection.js';

const SHA = 'a'.repeat(40);

describe('lockedGitSource', () => {
  test.each([
    // npm
    [`git+ssh://git@github.com/o/r.git#${SHA}`, { kind: 'git', spec: `git+ssh://git@github.com/o/r.git#${SHA}` }],
    [`git+file:///srv/r.git#${SHA}`, { kind: 'git', spec: `git+file:///srv/r.git#${SHA}` }],
    // pnpm (repo#commit), yarn berry (#commit=…), plain URLs get npm's git+ prefix
    [`https://github.com/o/r.git#${SHA}`, { kind: 'git', spec: `git+https://github.com/o/r.git#${SHA}` }],
    [`https://github.com/o/r.git#commit=${SHA}`, { kind: 'git', spec: `git+https://github.com/o/r.git#${SHA}` }],
    [`ssh://git@host/r.git#head=main&commit=${SHA}`, { kind: 'git', spec: `git+ssh://git@host/r.git#${SHA}` }],
    [`github:o/r#${SHA}`, { kind: 'git', spec: `github:o/r#${SHA}` }],
    // a GitHub archive is a tarball
    [`https://codeload.github.com/o/r/tar.gz/${SHA}`, { kind: 'remote', url: `https://codeload.github.com/o/r/tar.gz/${SHA}` }],
  ])('%s', (resolved, expected) => {
    expect(lockedGitSource(resolved)).toEqual(expected);
  });

  test('pinned commits and the URL shown: the ref kept, credentials dropped', () => {
    expect(pinnedCommit(`git+https://h/r.git#${SHA}`)).toBe(SHA);
    expect(pinnedCommit('git+https://h/r.git#main')).toBeUndefined();
    expect(redactGitUrl(`git+https://user:s3cret@host/r.git?token=x#${SHA}`)).toBe(`git+https://host/r.git#${SHA}`);
    expect(redactGitUrl('git+file:///srv/r.git#v1.2.3')).toBe('git+file:///srv/r.git#v1.2.3');
  });
});

describe('fetchRemotePackage', () => {
  let env: TmpEnv;
  let reg: LocalRegistry;
  beforeEach(async () => {
    env = makeTmpEnv();
    reg = await startRegistry({ packages: { thing: { versions: { '1.0.0': { files: { 'index.js': "require('dns')" } } } } } });
  });
  afterEach(async () => {
    await reg.close();
    env.cleanup();
  });
  const options = (integrity?: string) => ({
    cwd: env.project,
    env: env.env,
    limits: { ...DEFAULT_LIMITS, fetchRetries: 0, fetchTimeoutMs: 2000 },
    ...(integrity !== undefined ? { integrity } : {}),
  });

  test('read as it streams, verified against the lockfile integrity', async () => {
    const url = reg.tarballUrl('thing', '1.0.0');
    const pkg = await fetchRemotePackage(url, options(reg.integrity('thing', '1.0.0')));
    expect(pkg).toMatchObject({ source: 'remote', name: 'thing', version: '1.0.0', integrity: reg.integrity('thing', '1.0.0'), anomalies: [] });
    expect(pkg.files.map((f) => f.path).sort()).toEqual(['index.js', 'package.json']);
  });

  test('bytes that do not match are E_INTEGRITY; no integrity at all is a weak-integrity anomaly', async () => {
    const url = reg.tarballUrl('thing', '1.0.0');
    const other = `sha512-${createHash('sha512').update('something else').digest('base64')}`;
    const err = await rejection(fetchRemotePackage(url, options(other)));
    expect(err.code).toBe('E_INTEGRITY');
    expect(err.message).toContain(tarballPath('thing', '1.0.0'));
    const weak = await fetchRemotePackage(url, options());
    expect(weak.anomalies).toEqual([expect.objectContaining({ kind: 'weak-integrity' })]);
  });

  test('offline: refused without a request', async () => {
    const err = await rejection(fetchRemotePackage(reg.tarballUrl('thing', '1.0.0'), { ...options(), offline: true }));
    expect(err.code).toBe('E_REGISTRY');
    expect(reg.log).toEqual([]);
  });
});
