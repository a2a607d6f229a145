import { testCapability } from '../helpers/capability-tester.js';

testCapability('native', {
  valid: [
    "const addon = { dlopen() {} };\naddon.dlopen('x')",
    "function load(process) { return process.binding('fs') }",
    "if (typeof process.dlopen === 'function') ok()",
    'const abi = process.versions.modules + process.arch',
    "binding.dlopen(file); native.binding('x')",
    { code: "const process = require('./process');\nprocess.binding('x')", module: 'cjs' },
    // Internal bindings are reported by what they give (shell, filesystem, …), not as native code:
    // safer-buffer reads a constant of the buffer binding.
    "safer.kStringMaxLength = process.binding('buffer').kStringMaxLength",
    "const { isAnyArrayBuffer } = process.binding('util')",
    "process.binding('spawn_sync').spawn(options)",
    "process._linkedBinding('electron_common_features')",
    "if (process.binding) { process.binding = patched }",
    "process.binding('process_methods').hrtime()",
  ],
  invalid: [
    {
      code: "process.dlopen(module, require('path').join(__dirname, 'addon.node'))",
      module: 'cjs',
      findings: [{ line: 1, column: 1, api: 'process.dlopen', confidence: 'high' }],
    },
    {
      code: "process['dl' + 'open'](m, file)",
      evasion: 'concatenated member',
      findings: [{ line: 1, column: 1, api: 'process.dlopen', confidence: 'medium' }],
    },
    {
      code: "const { dlopen } = process;\ndlopen(m, file)",
      evasion: 'destructured global',
      findings: [
        { line: 1, column: 9, api: 'process.dlopen', confidence: 'high' },
        { line: 2, column: 1, api: 'process.dlopen', confidence: 'medium' },
      ],
    },
    {
      code: "self[String.fromCharCode(112, 114, 111, 99, 101, 115, 115)].dlopen(m, f)",
      evasion: 'char-code global key',
      findings: [{ line: 1, column: 1, api: 'process.dlopen', confidence: 'medium' }],
    },
    {
      code: "process.binding('process_methods').dlopen(m, file)",
      evasion: 'dlopen through the internal binding',
      findings: [{ line: 1, column: 1, api: "process.binding('process_methods').dlopen", confidence: 'high' }],
    },
    {
      code: "const { dlopen } = process.binding('process' + '_methods');\ndlopen(m, file)",
      evasion: 'binding member destructured, binding name concatenated',
      findings: [{ line: 2, column: 1, api: "process.binding('process_methods').dlopen", confidence: 'medium' }],
    },
    {
      code: "const ffi = process.binding('ffi');",
      findings: [{ line: 1, column: 13, api: "process.binding('ffi')", confidence: 'high' }],
    },
    {
      code: "import { dlopen } from 'node:process';\ndlopen(module, file)",
      module: 'esm',
      evasion: 'dlopen imported from the process module',
      findings: [{ line: 2, column: 1, api: 'process.dlopen', confidence: 'high' }],
    },
  ],
});
