// RELIABILITY.md §3 item 20: package.json missing, invalid or lying.
import { describe, expect, test } from 'vitest';
import { compareWithRegistry, readManifest } from '../../src/fetch/manifest.js';
import type { PackageFile } from '../../src/fetch/types.js';

const fallback = { name: 'from-spec', version: '0.0.0' };
const files = (manifest: string | Buffer, extra: PackageFile[] = []): PackageFile[] => [
  { path: 'package.json', data: Buffer.isBuffer(manifest) ? manifest : Buffer.from(manifest) },
  ...extra,
];

describe('readManifest', () => {
  test('a valid manifest', () => {
    const out = readManifest(files('{"name":"x","version":"1.2.3","scripts":{"postinstall":"node i.js"}}'), fallback);
    expect(out).toEqual({
      name: 'x',
      version: '1.2.3',
      manifest: { name: 'x', version: '1.2.3', scripts: { postinstall: 'node i.js' } },
      anomalies: [],
    });
  });

  test('missing: invalid-manifest anomaly, names fall back', () => {
    const out = readManifest([{ path: 'lib/package.json', data: Buffer.from('{"name":"nested"}') }], fallback);
    expect(out).toMatchObject({ name: 'from-spec', version: '0.0.0' });
    expect(out.manifest).toBeUndefined();
    expect(out.anomalies).toEqual([{ file: 'package.json', kind: 'invalid-manifest', message: 'package.json is missing.' }]);
  });

  test('trailing comma: the JSON error is reported', () => {
    const out = readManifest(files('{"name":"x",}'), fallback);
    expect(out.name).toBe('from-spec');
    expect(out.manifest).toBeUndefined();
    expect(out.anomalies).toHaveLength(1);
    expect(out.anomalies[0]?.kind).toBe('invalid-manifest');
    expect(out.anomalies[0]?.message).toMatch(/^package\.json is not valid JSON: .*(Expected|Unexpected)/);
  });

  test('a UTF-8 BOM is stripped', () => {
    const out = readManifest(files(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"name":"bom","version":"1.0.0"}')])), fallback);
    expect(out).toMatchObject({ name: 'bom', version: '1.0.0', anomalies: [] });
  });

  test('10 MB of garbage: one short anomaly, quickly', () => {
    const garbage = Buffer.alloc(10 * 1024 * 1024, 'x');
    const started = performance.now();
    const out = readManifest(files(garbage), fallback);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(out.anomalies).toHaveLength(1);
    expect(out.anomalies[0]?.message.length).toBeLessThan(300);
  });

  test('scripts as a string, non-string script values, ill-typed name and version', () => {
    const out = readManifest(files('{"name":42,"version":"","scripts":"rm -rf /","dependencies":[]}'), fallback);
    expect(out).toMatchObject({ name: 'from-spec', version: '0.0.0' });
    expect(out.manifest).toMatchObject({ scripts: 'rm -rf /' });
    expect(out.anomalies.map((a) => a.message)).toEqual([
      '"name" is a number, not a non-empty string.',
      '"version" is an empty string, not a non-empty string.',
      '"scripts" is a string, not an object.',
      '"dependencies" is an array, not an object.',
    ]);
    const nested = readManifest(files('{"scripts":{"install":["a"]}}'), fallback);
    expect(nested.anomalies.map((a) => a.message)).toEqual(['scripts.install is an array, not a string.']);
  });

  test('duplicate keys: the last wins, like JSON.parse', () => {
    const out = readManifest(files('{"scripts":{"test":"x"},"scripts":{"postinstall":"evil"}}'), fallback);
    expect(out.manifest?.['scripts']).toEqual({ postinstall: 'evil' });
  });

  test.each(['[]', 'null', '"str"', '42'])('a non-object manifest %s', (json) => {
    const out = readManifest(files(json), fallback);
    expect(out.manifest).toBeUndefined();
    expect(out.anomalies[0]?.message).toContain('not a JSON object');
  });

  test('absurdly long name or version falls back', () => {
    const out = readManifest(files(JSON.stringify({ name: 'n'.repeat(300), version: '1'.repeat(300) })), fallback);
    expect(out).toMatchObject(fallback);
    expect(out.anomalies).toHaveLength(2);
  });
});

describe('compareWithRegistry', () => {
  const tarball = (manifest: Record<string, unknown>) => readManifest(files(JSON.stringify(manifest)), fallback);

  test('agreement: no anomaly', () => {
    expect(compareWithRegistry({ name: 'x', version: '1.0.0', hasInstallScript: true }, tarball({ name: 'x', version: '1.0.0', scripts: { install: 'a' } }))).toEqual([]);
  });

  test('name, version and unannounced install scripts are manifest-mismatch', () => {
    const out = compareWithRegistry({ name: 'x', version: '1.0.0' }, tarball({ name: 'y', version: '2.0.0', scripts: { preinstall: 'a', postinstall: 'b', test: 'c' } }));
    expect(out.map((a) => a.kind)).toEqual(['manifest-mismatch', 'manifest-mismatch', 'manifest-mismatch']);
    expect(out[2]?.message).toContain('preinstall, postinstall');
  });
});
