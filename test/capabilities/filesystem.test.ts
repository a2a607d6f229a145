import { testCapability } from '../helpers/capability-tester.js';

testCapability('filesystem', {
  valid: [
    "const { kStringMaxLength } = process.binding('buffer')",
    "process.binding('blob').createBlob(parts, length)",
    "const fs = { readFileSync() { return '' } };\nfs.readFileSync('x')",
    "function readFileSync(p) { return p }\nreadFileSync('/etc/passwd')",
    "const name = 'fs';\nconsole.log(name, 'require(\"fs\")')",
    "// require('fs')\nconst doc = 'import fs from \"fs\"'",
    { code: "const fs = require('./fs');\nfs.readFileSync('x')", module: 'cjs' },
    { code: "const { readFile } = require('../lib/fs/index.js');\nreadFile('x')", module: 'cjs' },
    { code: "require('fs-extra').readFileSync('x'); require('graceful-fs')", module: 'cjs', imports: ['fs-extra', 'graceful-fs'] },
    { code: "require('path').join(__dirname, 'x'); require('os').homedir()", module: 'cjs' },
    { code: "function require(id) { return stubs[id] }\nrequire('fs').readFileSync('x')", module: 'cjs' },
    { code: "var require = function () {};\nrequire('fs')", module: 'cjs' },
    { code: "const where = require.resolve('fs')", module: 'cjs' },
    { code: "obj.require('fs'); loader.load('fs')", module: 'cjs' },
    { code: "import fs from './fs.js';\nfs.writeFileSync('x', '')", module: 'esm' },
    { code: "import type { Stats } from 'fs';\nexport const size = 0", module: 'esm' },
  ],
  invalid: [
    {
      code: "const fs = require('fs');\nfs.readFileSync('/etc/passwd')",
      module: 'cjs',
      findings: [
        { line: 1, column: 12, api: 'fs', confidence: 'high' },
        { line: 2, column: 1, api: 'fs.readFileSync', confidence: 'high' },
      ],
    },
    {
      code: "const { readFileSync } = require('node:fs');\nreadFileSync('/etc/passwd')",
      module: 'cjs',
      findings: [
        { line: 1, column: 26, api: 'fs', confidence: 'high' },
        { line: 2, column: 1, api: 'fs.readFileSync', confidence: 'high' },
      ],
    },
    {
      code: "const { writeFileSync: put } = require('fs');\nput('/tmp/x', data)",
      module: 'cjs',
      findings: [
        { line: 1, column: 32, api: 'fs' },
        { line: 2, column: 1, api: 'fs.writeFileSync', confidence: 'high' },
      ],
    },
    {
      code: "const fsp = require('fs/promises');\nawait fsp.readFile('x')",
      module: 'cjs',
      findings: [
        { line: 1, column: 13, api: 'fs/promises', confidence: 'high' },
        { line: 2, column: 7, api: 'fs.promises.readFile', confidence: 'high' },
      ],
    },
    {
      code: "import fs from 'node:fs';\nfs.rmSync(dir, { recursive: true })",
      module: 'esm',
      findings: [
        { line: 1, column: 1, api: 'fs', confidence: 'high' },
        { line: 2, column: 1, api: 'fs.rmSync', confidence: 'high' },
      ],
    },
    {
      code: "import { readFile } from 'node:fs/promises';\nawait readFile('.npmrc')",
      module: 'esm',
      findings: [
        { line: 1, column: 1, api: 'fs/promises' },
        { line: 2, column: 7, api: 'fs.promises.readFile', confidence: 'high' },
      ],
    },
    {
      code: "import * as fs from 'fs';\nexport const read = fs.readFileSync",
      module: 'esm',
      findings: [
        { line: 1, column: 1, api: 'fs' },
        { line: 2, column: 21, api: 'fs.readFileSync' },
      ],
    },
    { code: "import 'fs'", module: 'esm', findings: [{ line: 1, column: 1, api: 'fs' }] },
    { code: "export { readFile } from 'fs'", module: 'esm', findings: [{ line: 1, column: 1, api: 'fs' }] },
    {
      code: "const fs = await import('fs');\nfs.readdirSync('.')",
      module: 'esm',
      findings: [
        { line: 1, column: 18, api: 'fs', confidence: 'high' },
        { line: 2, column: 1, api: 'fs.readdirSync', confidence: 'high' },
      ],
    },
    {
      code: "const fs = require('fs'), { exists } = fs;\nexists('x')",
      module: 'cjs',
      findings: [
        { line: 1, column: 12, api: 'fs' },
        { line: 2, column: 1, api: 'fs.exists', confidence: 'high' },
      ],
    },
    {
      code: "const fs = require('fs');\nfs['unlink' + 'Sync']('x')",
      module: 'cjs',
      evasion: 'computed member',
      findings: [
        { line: 1, column: 12, api: 'fs' },
        { line: 2, column: 1, api: 'fs.unlinkSync', confidence: 'medium' },
      ],
    },
    {
      code: "module.require('fs').readFileSync('x')",
      module: 'cjs',
      evasion: 'module.require',
      findings: [
        { line: 1, column: 1, api: 'fs', confidence: 'medium' },
        { line: 1, column: 1, api: 'fs.readFileSync', confidence: 'medium' },
      ],
    },
    {
      code: "process.mainModule.require('fs')",
      module: 'cjs',
      evasion: 'process.mainModule.require',
      findings: [{ line: 1, column: 1, api: 'fs', confidence: 'medium' }],
    },
    {
      code: "require.main.require('fs')",
      module: 'cjs',
      evasion: 'require.main.require',
      findings: [{ line: 1, column: 1, api: 'fs', confidence: 'medium' }],
    },
    {
      code: "module.constructor._load('fs')",
      module: 'cjs',
      evasion: 'Module._load through module.constructor',
      findings: [{ line: 1, column: 1, api: 'fs', confidence: 'medium' }],
    },
    {
      code: "var a = require, b = a;\nb('fs').writeFileSync('x', y)",
      module: 'cjs',
      evasion: 'require alias chain',
      findings: [
        { line: 2, column: 1, api: 'fs', confidence: 'medium' },
        { line: 2, column: 1, api: 'fs.writeFileSync', confidence: 'medium' },
      ],
    },
    {
      code: "let load;\nload = require;\nconst f = load('fs');\nf.appendFileSync('log', x)",
      module: 'cjs',
      evasion: 're-assignment chain',
      findings: [
        { line: 3, column: 11, api: 'fs', confidence: 'medium' },
        { line: 4, column: 1, api: 'fs.appendFileSync', confidence: 'medium' },
      ],
    },
    {
      code: "(function (r) { r('fs').readFileSync('x') })(require)",
      module: 'cjs',
      evasion: 'require passed to an IIFE',
      findings: [
        { line: 1, column: 17, api: 'fs', confidence: 'medium' },
        { line: 1, column: 17, api: 'fs.readFileSync', confidence: 'medium' },
      ],
    },
    {
      code: "globalThis['req' + 'uire']('fs')",
      module: 'cjs',
      evasion: "globalThis['req'+'uire']",
      findings: [{ line: 1, column: 1, api: 'fs', confidence: 'medium' }],
    },
    {
      code: "const g = global;\ng.require('fs')",
      module: 'cjs',
      evasion: 'global alias',
      findings: [{ line: 2, column: 1, api: 'fs', confidence: 'medium' }],
    },
    {
      code: "require('f' + 's').readFileSync('x')",
      module: 'cjs',
      evasion: 'concatenated specifier',
      findings: [
        { line: 1, column: 1, api: 'fs', confidence: 'medium' },
        { line: 1, column: 1, api: 'fs.readFileSync', confidence: 'medium' },
      ],
    },
    {
      code: "require(Buffer.from('6673', 'hex').toString())",
      module: 'cjs',
      evasion: 'hex-decoded specifier',
      findings: [{ line: 1, column: 1, api: 'fs', confidence: 'medium' }],
    },
    {
      code: "require(Buffer.from('ZnM=', 'base64').toString())",
      module: 'cjs',
      evasion: 'base64-decoded specifier',
      findings: [{ line: 1, column: 1, api: 'fs', confidence: 'medium' }],
    },
    {
      code: 'const fs = require(String.fromCharCode(102, 115));\nfs.readFileSync(p)',
      module: 'cjs',
      evasion: 'char-code specifier',
      findings: [
        { line: 1, column: 12, api: 'fs', confidence: 'medium' },
        { line: 2, column: 1, api: 'fs.readFileSync', confidence: 'medium' },
      ],
    },
    {
      code: "require('sf'.split('').reverse().join(''))",
      module: 'cjs',
      evasion: 'reversed string',
      findings: [{ line: 1, column: 1, api: 'fs', confidence: 'medium' }],
    },
    {
      code: "const { ['read' + 'FileSync']: read } = require('fs');\nread('/etc/shadow')",
      module: 'cjs',
      evasion: 'destructuring with a computed key',
      findings: [
        { line: 1, column: 41, api: 'fs', confidence: 'high' },
        { line: 2, column: 1, api: 'fs.readFileSync', confidence: 'medium' },
      ],
    },
    {
      code: "import('node:' + 'fs').then((m) => m.readFileSync('x'))",
      evasion: 'concatenated dynamic import',
      findings: [{ line: 1, column: 1, api: 'fs', confidence: 'medium' }],
    },
    {
      code: "var _fs = _interopRequireDefault(require('fs'));\n_fs.default.readFileSync('/etc/passwd')",
      module: 'cjs',
      evasion: 'Babel interop helper',
      findings: [
        { line: 1, column: 34, api: 'fs', confidence: 'high' },
        { line: 2, column: 1, api: 'fs.readFileSync', confidence: 'high' },
      ],
    },
    {
      code: "require.call(null, 'fs').readFileSync(p)",
      module: 'cjs',
      evasion: 'require.call',
      findings: [
        { line: 1, column: 1, api: 'fs', confidence: 'medium' },
        { line: 1, column: 1, api: 'fs.readFileSync', confidence: 'medium' },
      ],
    },
    {
      code: "const binding = process.binding('fs');\nbinding.open(path, flags, mode)",
      evasion: 'internal binding instead of fs',
      findings: [
        { line: 1, column: 17, api: "process.binding('fs')", confidence: 'high' },
        { line: 2, column: 1, api: "process.binding('fs').open", confidence: 'high' },
      ],
    },
    {
      code: "const { binding: load } = process;\nload('f' + 's').writeString(fd, data)",
      evasion: 'destructured loader, concatenated name',
      findings: [
        { line: 2, column: 1, api: "process.binding('fs')", confidence: 'medium' },
        { line: 2, column: 1, api: "process.binding('fs').writeString", confidence: 'medium' },
      ],
    },
    {
      code: "process.binding('report').writeReport(event, trigger, '/tmp/r.json', err)",
      findings: [{ line: 1, column: 1, api: "process.binding('report').writeReport", confidence: 'high' }],
    },
    {
      code: "const { binding } = require('process');\nbinding('fs').open(p)",
      module: 'cjs',
      evasion: 'binding loader destructured from the process module',
      findings: [
        { line: 2, column: 1, api: "process.binding('fs')", confidence: 'high' },
        { line: 2, column: 1, api: "process.binding('fs').open", confidence: 'high' },
      ],
    },
  ],
});
