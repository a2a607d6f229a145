/**
 * Loader primitives: code compiled by a worker started with `eval: true` or by the module loader's
 * `_compile`, `require` reached through `.bind`, and module names resolved without a literal.
 */
import { testEvasionClass } from '../../helpers/evasion-tester.js';

testEvasionClass('loader primitives', {
  flags: [
    {
      code: "const { Worker } = require('worker_threads');\nnew Worker(\"require('child_process').exec('id')\", { eval: true })",
      module: 'cjs',
      findings: [{ capability: 'eval', line: 2, column: 1, api: 'worker_threads.Worker(eval)', confidence: 'high' }],
    },
    {
      code: "import { Worker } from 'node:worker_threads';\nconst w = new Worker(source, { eval: true, workerData });",
      module: 'esm',
      findings: [{ capability: 'eval', line: 2, column: 11, api: 'worker_threads.Worker(eval)', confidence: 'high' }],
    },
    {
      code: "const wt = require('worker_threads');\nnew wt.Worker(code, { ['ev' + 'al']: !0 })",
      module: 'cjs',
      findings: [{ capability: 'eval', line: 2, column: 1, api: 'worker_threads.Worker(eval)', confidence: 'medium' }],
    },
    {
      code: "const Module = require('module');\nconst m = new Module('payload');\nm._compile(code, 'payload.js')",
      module: 'cjs',
      findings: [{ capability: 'eval', line: 3, column: 1, api: 'module.prototype._compile', confidence: 'high' }],
    },
    {
      code: "const Module = require('node:module');\nReflect.construct(Module, ['x'])._compile(code, 'x.js')",
      module: 'cjs',
      findings: [{ capability: 'eval', line: 2, column: 1, api: 'module.prototype._compile', confidence: 'medium' }],
    },
    {
      code: "new module.constructor()._compile(code, __filename)",
      module: 'cjs',
      findings: [{ capability: 'eval', line: 1, column: 1, api: 'module.constructor.prototype._compile', confidence: 'high' }],
    },
    {
      code: "module._compile(Buffer.from(blob, 'base64').toString(), __filename)",
      module: 'cjs',
      findings: [{ capability: 'eval', line: 1, column: 1, api: 'module._compile', confidence: 'high' }],
    },
    {
      code: "const r = module.require.bind(module);\nr('child_process').exec('id')",
      module: 'cjs',
      findings: [
        { capability: 'shell', line: 2, column: 1, api: 'child_process', confidence: 'medium' },
        { capability: 'shell', line: 2, column: 1, api: 'child_process.exec', confidence: 'medium' },
      ],
    },
    {
      code: "const load = require.bind(null);\nload('net').connect(4444, 'x.invalid')",
      module: 'cjs',
      findings: [
        { capability: 'network', line: 2, column: 1, api: 'net', confidence: 'medium' },
        { capability: 'network', line: 2, column: 1, api: 'net.connect', confidence: 'medium' },
      ],
    },
    {
      code: 'function locate(name) {\n  return require.resolve(name);\n}',
      module: 'cjs',
      findings: [{ capability: 'dynamic-require', line: 2, column: 10, api: 'require.resolve(…)', confidence: 'low' }],
    },
  ],
  clean: [
    "new Worker('./worker.js')",
    { code: "const { Worker } = require('worker_threads');\nnew Worker(__dirname + '/w.js', { eval: false })", module: 'cjs' },
    { code: "const { Worker } = require('worker_threads');\nnew Worker('./w.js', { workerData: { eval: true } })", module: 'cjs' },
    { code: "const pkg = require.resolve('./package.json');\nconst dir = require.resolve('lodash/package.json')", module: 'cjs' },
    'compiler._compile(source, file)',
    {
      name: 'a loader hook that wraps _compile and forwards what it is given (source-map-support, pirates)',
      code: "const Module = require('module');\nconst original = Module.prototype._compile;\nModule.prototype._compile = function (content, filename) {\n  return original.call(this, content, filename);\n};",
      module: 'cjs',
    },
    "const bound = helper.require.bind(helper);\nbound('child_process')",
    "const m = new Map();\nm.set('_compile', 1)",
  ],
});
