// RELIABILITY.md §3 item 32: scoped registries and private auth. A token configured for
// registry A through `.npmrc` + `${TOKEN}` reaches A only: never the public registry B, never
// the tarball host C, and never an error message or the cache.
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DepcapsError } from '../../src/errors.js';
import { fetchPackage, type FetchOptions } from '../../src/fetch/index.js';
import { DEFAULT_LIMITS } from '../../src/limits.js';
import { packumentPath, startRegistry, tarballPath, type LocalRegistry, type RegistryPackage } from '../helpers/local-registry.js';
import { listTree, makeTmpEnv, type TmpEnv } from '../helpers/tmp-env.js';
import { rejection } from '../helpers/rejection.js';

const acmeX: RegistryPackage = { versions: { '1.0.0': { files: { 'index.js': "require('https')" } } } };
const leftPad: RegistryPackage = { versions: { '1.0.0': { files: { 'index.js': 'module.exports = 1' } } } };

let env: TmpEnv;
let canary: string;
let a: LocalRegistry; // private, scoped, token required
let b: LocalRegistry; // public default registry
let c: LocalRegistry; // foreign tarball host for A's packages

beforeEach(async () => {
  canary = `CANARY-${randomUUID()}`;
  env = makeTmpEnv({ TOKEN: canary });
  c = await startRegistry({ packages: { '@acme/x': acmeX } });
  a = await startRegistry({ packages: { '@acme/x': acmeX }, token: canary, tarballBaseUrl: c.url });
  b = await startRegistry({ packages: { 'left-pad': leftPad } });
  const hostA = new URL(a.url).host;
  // User config: the default registry. Project config: the scope and its token, via ${TOKEN}.
  writeFileSync(join(env.home, '.npmrc'), `registry=${b.url}\n`);
  writeFileSync(join(env.project, '.npmrc'), `@acme:registry=${a.url}\n//${hostA}/:_authToken=\${TOKEN}\n`);
});
afterEach(async () => {
  await Promise.all([a.close(), b.close(), c.close()]);
  env.cleanup();
});

const options = (): FetchOptions => ({
  cacheDir: env.cacheDir,
  cwd: env.project,
  env: env.env,
  limits: { ...DEFAULT_LIMITS, fetchRetries: 1, fetchTimeoutMs: 2000 },
  retryMinTimeoutMs: 5,
  retryMaxTimeoutMs: 10,
});

function expectNoCanary(err: DepcapsError): void {
  const cause = err.cause as Error | undefined;
  const texts = [err.message, err.hint ?? '', String(err), cause?.message ?? '', cause?.stack ?? '', JSON.stringify(err)];
  for (const text of texts) expect(text).not.toContain(canary);
  // Not even a recognisable piece of it.
  for (const text of texts) expect(text).not.toContain(canary.slice(-12));
}

describe('scoped registry auth', () => {
  test('the token goes to the scoped registry only; the scoped name is escaped', async () => {
    const x = await fetchPackage('@acme/x@1.0.0', options());
    const pad = await fetchPackage('left-pad@1.0.0', options());
    expect(x).toMatchObject({ name: '@acme/x', version: '1.0.0' });
    const index = x.files.find((f) => f.path === 'index.js');
    expect(index && 'data' in index && Buffer.from(index.data).toString()).toBe("require('https')");
    expect(pad).toMatchObject({ name: 'left-pad', version: '1.0.0' });

    expect(a.log.map((r) => r.url)).toEqual(['/@acme%2fx']);
    expect(a.log.every((r) => r.headers.authorization === `Bearer ${canary}`)).toBe(true);
    // The tarball lives on another host: it gets no token.
    expect(c.log.map((r) => r.route)).toEqual([tarballPath('@acme/x', '1.0.0')]);
    expect(b.log.map((r) => r.route)).toEqual([packumentPath('left-pad'), tarballPath('left-pad', '1.0.0')]);
    for (const r of [...b.log, ...c.log]) expect(r.headers.authorization).toBeUndefined();
    expect(x.resolved).toBe(c.tarballUrl('@acme/x', '1.0.0'));
  });

  test('the token is in no file anywhere; the fetch writes no file at all', async () => {
    await fetchPackage('@acme/x@1.0.0', options());
    expect(listTree(env.cacheDir)).toEqual([]);
    const files = listTree(env.root).map((rel) => join(env.root, rel));
    let scanned = 0;
    for (const file of files) {
      let data: Buffer;
      try {
        data = readFileSync(file);
      } catch {
        continue; // a directory
      }
      scanned++;
      // The .npmrc holds `${TOKEN}`, not the token itself.
      expect(data.includes(canary), file).toBe(false);
    }
    // The two .npmrc files: nothing else was written.
    expect(scanned).toBe(2);
  });

  test('without the token the private registry answers 401: E_REGISTRY, no canary', async () => {
    const err = await rejection(fetchPackage('@acme/x@1.0.0', { ...options(), env: { ...env.env, TOKEN: 'wrong-token-value' } }));
    expect(err.code).toBe('E_REGISTRY');
    expect(err.message).toContain('HTTP 401');
    expect(err.hint).toContain('_authToken');
    expect(err.message).not.toContain('wrong-token-value');
  });

  test.each([
    ['401', 401],
    ['500', 500],
    ['404', 404],
  ])('a registry echoing the token in a %s error body does not leak it', async (_name, status) => {
    a.setFaults(packumentPath('@acme/x'), { kind: 'status', status, body: JSON.stringify({ error: `bad token ${canary} (Bearer ${canary})` }) });
    const err = await rejection(fetchPackage('@acme/x@1.0.0', options()));
    expectNoCanary(err);
  });

  test('a missing scoped package is E_NOT_FOUND with a scope hint, no canary', async () => {
    const err = await rejection(fetchPackage('@acme/missing@1.0.0', options()));
    expect(err.code).toBe('E_NOT_FOUND');
    expect(err.hint).toContain('@scope:registry');
    expect(a.log.map((r) => r.url)).toEqual(['/@acme%2fmissing', '/@acme%2fmissing']); // corgi, then full metadata
    expectNoCanary(err);
  });

  test('an undefined ${VAR} in .npmrc is E_USAGE naming the variable, before any request', async () => {
    const { TOKEN: _dropped, ...withoutToken } = env.env;
    const err = await rejection(fetchPackage('@acme/x@1.0.0', { ...options(), env: withoutToken }));
    expect(err.code).toBe('E_USAGE');
    expect(err.message).toContain('${TOKEN}');
    expect(a.log).toEqual([]);
  });

  test('--registry overrides the default registry but not the scope', async () => {
    const other = await startRegistry({ packages: { 'left-pad': leftPad } });
    try {
      await fetchPackage('left-pad@1.0.0', { ...options(), registry: other.url });
      await fetchPackage('@acme/x@1.0.0', { ...options(), registry: other.url });
      expect(other.log.map((r) => r.route)).toEqual([packumentPath('left-pad'), tarballPath('left-pad', '1.0.0')]);
      expect(b.log).toEqual([]);
      expect(a.log).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});
