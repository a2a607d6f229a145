import { testCapability } from '../helpers/capability-tester.js';

testCapability('env', {
  valid: [
    "process.binding('credentials').implementsPosixCredentials",
    "process.argv.slice(2); process.cwd(); process.platform === 'win32'",
    'const process = { env: {} };\nprocess.env.X',
    'function configure(process) { return process.env.HOME }',
    'options.env.HOME; config.process.env.TOKEN',
    'const env = { A: 1 };\nenv.A',
    'const { env } = options;\nenv.HOME',
    "if (typeof process !== 'undefined' && typeof process.env === 'object') ok()",
    'const shape = { process: { env: {} } };\nshape.process.env.X',
    'try { run() } catch (process) { process.env }',
    { code: "const proc = require('./process');\nproc.env.SECRET", module: 'cjs' },
    { code: "const { env } = require('dotenv-like');\nenv.TOKEN", module: 'cjs' },
    { code: 'export const mode = import.meta.env.MODE', module: 'esm' },
    { code: "import process from './process.js';\nprocess.env.TOKEN", module: 'esm' },
  ],
  invalid: [
    { code: 'const token = process.env.NPM_TOKEN', findings: [{ line: 1, column: 15, api: 'process.env.NPM_TOKEN', confidence: 'high' }] },
    { code: 'JSON.stringify(process.env)', findings: [{ line: 1, column: 16, api: 'process.env', confidence: 'high' }] },
    { code: 'for (const k of Object.keys(process.env)) send(k)', findings: [{ line: 1, column: 29, api: 'process.env' }] },
    { code: "process.env.NODE_OPTIONS = '--require ./x.js'", findings: [{ line: 1, column: 1, api: 'process.env.NODE_OPTIONS' }] },
    { code: "'GITHUB_TOKEN' in process.env", findings: [{ line: 1, column: 19, api: 'process.env' }] },
    {
      code: 'const { NPM_TOKEN, AWS_SECRET_ACCESS_KEY } = process.env',
      findings: [
        { line: 1, column: 9, api: 'process.env.NPM_TOKEN', confidence: 'high' },
        { line: 1, column: 20, api: 'process.env.AWS_SECRET_ACCESS_KEY', confidence: 'high' },
        { line: 1, column: 46, api: 'process.env', confidence: 'high' },
      ],
    },
    {
      code: "typeof process !== 'undefined' && process.env.NODE_ENV",
      findings: [{ line: 1, column: 35, api: 'process.env.NODE_ENV', confidence: 'high' }],
    },
    { code: 'process?.env?.CI', findings: [{ line: 1, column: 1, api: 'process.env.CI' }] },
    { code: 'globalThis.process.env.HOME', findings: [{ line: 1, column: 1, api: 'process.env.HOME', confidence: 'high' }] },
    {
      code: 'const { env } = process;\nenv.AWS_ACCESS_KEY_ID',
      evasion: 'destructured global',
      findings: [
        { line: 1, column: 9, api: 'process.env', confidence: 'high' },
        { line: 2, column: 1, api: 'process.env.AWS_ACCESS_KEY_ID', confidence: 'medium' },
      ],
    },
    {
      code: "process['env']['HOME']",
      evasion: 'computed members',
      findings: [{ line: 1, column: 1, api: 'process.env.HOME', confidence: 'medium' }],
    },
    {
      code: "global['pro' + 'cess'].env.TOKEN",
      evasion: 'concatenated global key',
      findings: [{ line: 1, column: 1, api: 'process.env.TOKEN', confidence: 'medium' }],
    },
    {
      code: "const p = globalThis[atob('cHJvY2Vzcw==')];\np.env.NPM_TOKEN",
      evasion: 'base64-decoded global key',
      findings: [{ line: 2, column: 1, api: 'process.env.NPM_TOKEN', confidence: 'medium' }],
    },
    {
      code: "process[Buffer.from('656e76', 'hex').toString()]",
      evasion: 'hex-decoded member',
      findings: [{ line: 1, column: 1, api: 'process.env', confidence: 'medium' }],
    },
    {
      code: '(function (p) { return p.env })(process)',
      evasion: 'IIFE parameter',
      findings: [{ line: 1, column: 24, api: 'process.env', confidence: 'medium' }],
    },
    {
      code: 'let e;\ne = process.env;\nsend(e.SECRET)',
      evasion: 're-assignment chain',
      findings: [
        { line: 2, column: 5, api: 'process.env', confidence: 'high' },
        { line: 3, column: 6, api: 'process.env.SECRET', confidence: 'medium' },
      ],
    },
    {
      code: "const { ['e' + 'nv']: vars } = process;\nsend(vars)",
      evasion: 'destructuring with a computed key',
      findings: [{ line: 1, column: 23, api: 'process.env', confidence: 'medium' }],
    },
    {
      code: "import { env } from 'node:process';\nenv.HOME",
      module: 'esm',
      findings: [{ line: 2, column: 1, api: 'process.env.HOME', confidence: 'high' }],
    },
    {
      code: "import process from 'process';\nexport default process.env",
      module: 'esm',
      findings: [{ line: 2, column: 16, api: 'process.env', confidence: 'high' }],
    },
    {
      code: "const { default: proc } = await import('node:process');\nproc.env.TOKEN",
      module: 'esm',
      findings: [{ line: 2, column: 1, api: 'process.env.TOKEN', confidence: 'high' }],
    },
    {
      code: "import * as proc from 'process';\nproc.default.env.HOME",
      module: 'esm',
      findings: [{ line: 2, column: 1, api: 'process.env.HOME', confidence: 'high' }],
    },
    {
      code: "require('process').env.CI",
      module: 'cjs',
      findings: [{ line: 1, column: 1, api: 'process.env.CI', confidence: 'high' }],
    },
    {
      code: "module.require('pro' + 'cess').env",
      module: 'cjs',
      evasion: 'module.require with a concatenated specifier',
      findings: [{ line: 1, column: 1, api: 'process.env', confidence: 'medium' }],
    },
    {
      code: "var env = process.env.NODE_ENV || 'development';\ndebug('mode %s', env);\nif (env === 'production') app.set('env', env);",
      findings: [{ line: 1, column: 11, api: 'process.env.NODE_ENV', confidence: 'high' }],
    },
    {
      code: "const { safeGetenv } = process.binding('credentials');\nsafeGetenv('NPM_TOKEN')",
      evasion: 'internal binding instead of process.env',
      findings: [{ line: 2, column: 1, api: "process.binding('credentials').safeGetenv", confidence: 'high' }],
    },
  ],
});
