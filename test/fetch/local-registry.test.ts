// The test registry itself: later CLI tests rely on its packument shapes, auth and faults.
import { afterEach, describe, expect, test } from 'vitest';
import { packumentPath, startRegistry, tarballPath, type LocalRegistry } from '../helpers/local-registry.js';

let reg: LocalRegistry | undefined;
afterEach(async () => {
  await reg?.close();
  reg = undefined;
});

const CORGI = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';

describe('startRegistry', () => {
  test('full and corgi packuments, time, dist-tags, integrity', async () => {
    reg = await startRegistry({
      packages: {
        '@acme/x': {
          versions: {
            '1.0.0': { files: { 'index.js': '1' }, publishedAt: '2021-05-05T00:00:00.000Z', scripts: { postinstall: 'node x' } },
            '1.10.0': { files: { 'index.js': '2' }, dependencies: { dep: '^1.0.0' } },
            '1.2.0': { files: { 'index.js': '3' } },
          },
        },
      },
    });
    const full = (await (await fetch(`${reg.url}@acme%2fx`)).json()) as Record<string, any>;
    expect(full['dist-tags']).toEqual({ latest: '1.10.0' });
    expect(Object.keys(full['versions'])).toEqual(['1.0.0', '1.2.0', '1.10.0']);
    expect(full['time']['1.0.0']).toBe('2021-05-05T00:00:00.000Z');
    expect(full['versions']['1.0.0']['scripts']).toEqual({ postinstall: 'node x' });
    expect(full['versions']['1.10.0']['dependencies']).toEqual({ dep: '^1.0.0' });
    expect(full['versions']['1.0.0']['dist']).toEqual({
      tarball: `${reg.url}@acme/x/-/x-1.0.0.tgz`,
      integrity: reg.integrity('@acme/x', '1.0.0'),
      shasum: expect.stringMatching(/^[0-9a-f]{40}$/),
    });

    const res = await fetch(`${reg.url}@acme%2fx`, { headers: { accept: CORGI } });
    expect(res.headers.get('content-type')).toBe('application/vnd.npm.install-v1+json');
    const corgi = (await res.json()) as Record<string, any>;
    expect(corgi['time']).toBeUndefined();
    expect(corgi['versions']['1.0.0']['hasInstallScript']).toBe(true);
    expect(corgi['versions']['1.0.0']['scripts']).toBeUndefined();

    const tgz = Buffer.from(await (await fetch(reg.tarballUrl('@acme/x', '1.0.0'))).arrayBuffer());
    expect(tgz.equals(reg.tarball('@acme/x', '1.0.0'))).toBe(true);
    expect(reg.log.map((r) => [r.url, r.route, r.status])).toEqual([
      ['/@acme%2fx', '/@acme/x', 200],
      ['/@acme%2fx', '/@acme/x', 200],
      ['/@acme/x/-/x-1.0.0.tgz', tarballPath('@acme/x', '1.0.0'), 200],
    ]);
  });

  test('unknown routes are 404; a token is required when set', async () => {
    reg = await startRegistry({ packages: { a: { versions: { '1.0.0': { files: {} } } } }, token: 'tkn' });
    expect((await fetch(`${reg.url}a`)).status).toBe(401);
    expect((await fetch(`${reg.url}a`, { headers: { authorization: 'Bearer tkn' } })).status).toBe(200);
    expect((await fetch(`${reg.url}nope`, { headers: { authorization: 'Bearer tkn' } })).status).toBe(404);
    expect(reg.log.map((r) => r.headers.authorization)).toEqual([undefined, 'Bearer tkn', 'Bearer tkn']);
  });

  test('faults are consumed in order, then the route answers normally', async () => {
    reg = await startRegistry({
      packages: { a: { versions: { '1.0.0': { files: {} } } } },
      faults: { [packumentPath('a')]: [{ kind: 'status', status: 503, times: 2 }, { kind: 'body', body: '<html>', times: 1 }] },
    });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${reg.url}a`)).status);
    expect(statuses).toEqual([503, 503, 200, 200]);
    expect(reg.requests(packumentPath('a')).map((r) => r.fault)).toEqual(['status', 'status', 'body', undefined]);
  });

  test('corrupt and truncated tarballs', async () => {
    reg = await startRegistry({ packages: { a: { versions: { '1.0.0': { files: { 'x.js': 'x'.repeat(1000) } } } } } });
    const good = reg.tarball('a', '1.0.0');
    reg.setFaults(tarballPath('a', '1.0.0'), [{ kind: 'corrupt', times: 1 }, { kind: 'truncate', fraction: 0.5, times: 1 }]);
    const corrupt = Buffer.from(await (await fetch(reg.tarballUrl('a', '1.0.0'))).arrayBuffer());
    expect(corrupt.length).toBe(good.length);
    expect(corrupt.equals(good)).toBe(false);
    const cut = Buffer.from(await (await fetch(reg.tarballUrl('a', '1.0.0'))).arrayBuffer());
    expect(cut.equals(good.subarray(0, Math.floor(good.length / 2)))).toBe(true);
  });

  test('close() ends hanging requests', async () => {
    reg = await startRegistry({ packages: {}, faults: { '/slow': { kind: 'hang' } } });
    const pending = fetch(`${reg.url}slow`).then(
      () => 'answered',
      () => 'dropped',
    );
    await expect.poll(() => reg?.log.length).toBe(1);
    await reg.close();
    reg = undefined;
    expect(await pending).toBe('dropped');
  });
});
