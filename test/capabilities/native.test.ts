import { testCapability } from '../helpers/capability-tester.js';

testCapability('native', {
  valid: [
    "const addon = { dlopen() {} };\naddon.dlopen('x')",
    "function load(process) { return process.binding('fs') }",
    "if (typeof process.dlopen === 'function') ok()",
    'const abi = process.versions.modules + process.arch',
    "binding.dlopen(file); native.binding('x')",
    { code: "const process = require('./process');\nprocess.binding('x')", module: 'cjs' },
  ],
  invalid: [
    {
      code: "process.dlopen(module, require('path').join(__dirname, 'addon.node'))",
      module: 'cjs',
      findings: [{ line: 1, column: 1, api: 'process.dlopen', confidence: 'high' }],
    },
    {
      code: "const spawn = process.binding('spawn_sync').spawn",
      findings: [{ line: 1, column: 15, api: 'process.binding', confidence: 'high' }],
    },
    { code: "process._linkedBinding('electron_common_features')", findings: [{ line: 1, column: 1, api: 'process._linkedBinding' }] },
    { code: "globalThis.process.binding('fs')", findings: [{ line: 1, column: 1, api: 'process.binding', confidence: 'high' }] },
    {
      code: "process['dl' + 'open'](m, file)",
      evasion: 'concatenated member',
      findings: [{ line: 1, column: 1, api: 'process.dlopen', confidence: 'medium' }],
    },
    {
      code: "const p = process;\np.binding('spawn_sync')",
      evasion: 'process aliased through a variable',
      findings: [{ line: 2, column: 1, api: 'process.binding', confidence: 'medium' }],
    },
    {
      code: "const { binding } = process;\nbinding('spawn_sync')",
      evasion: 'destructured global',
      findings: [
        { line: 1, column: 9, api: 'process.binding', confidence: 'high' },
        { line: 2, column: 1, api: 'process.binding', confidence: 'medium' },
      ],
    },
    {
      code: "(function (p) { p.binding('spawn_sync') })(process)",
      evasion: 'IIFE parameter',
      findings: [{ line: 1, column: 17, api: 'process.binding', confidence: 'medium' }],
    },
    {
      code: "self[String.fromCharCode(112, 114, 111, 99, 101, 115, 115)].dlopen(m, f)",
      evasion: 'char-code global key',
      findings: [{ line: 1, column: 1, api: 'process.dlopen', confidence: 'medium' }],
    },
  ],
});
