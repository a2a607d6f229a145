import { testCapability } from '../helpers/capability-tester.js';

testCapability('eval', {
  valid: [
    'if (x instanceof Function) x()',
    'const evaluate = (x) => x * 2;\nevaluate(3)',
    'const o = { eval(x) { return x } };\no.eval(code)',
    "math.eval('1 + 1'); engine.Function('x')",
    "if (typeof eval === 'function' && typeof Function !== 'undefined') ok()",
    'const isFn = x instanceof Function',
    'const toSource = Function.prototype.toString.call(fn)',
    'setTimeout(() => tick(), 10); setInterval(tick, 1000)',
    'const delay = 5;\nsetTimeout(flush, delay)',
    'WebAssembly.validate(bytes)',
    'const Function = class {};\nnew Function()',
    "JSON.parse('{}'); new Map(); Reflect.construct(Date, [])",
    { code: "function run(eval) { return eval('x') }", module: 'cjs' },
    { code: "const vm = require('./vm');\nvm.runInThisContext(code)", module: 'cjs' },
    { code: "const { VM } = require('vm2');\nnew VM().run(code)", module: 'cjs' },
    { code: "import evaluate from './eval.js';\nevaluate(code)", module: 'esm' },
  ],
  invalid: [
    { code: "eval('1 + 1')", findings: [{ line: 1, column: 1, api: 'eval', confidence: 'high' }] },
    {
      code: "eval(Buffer.from(payload, 'base64').toString())",
      findings: [{ line: 1, column: 1, api: 'eval', confidence: 'high' }],
    },
    { code: '(0, eval)(code)', evasion: 'indirect eval', findings: [{ line: 1, column: 1, api: 'eval' }] },
    { code: 'globalThis.eval(code)', findings: [{ line: 1, column: 1, api: 'eval', confidence: 'high' }] },
    {
      code: "window['ev' + 'al'](code)",
      evasion: 'computed member, concatenated key',
      findings: [{ line: 1, column: 1, api: 'eval', confidence: 'medium' }],
    },
    {
      code: 'globalThis[String.fromCharCode(101, 118, 97, 108)](code)',
      evasion: 'char-code key',
      findings: [{ line: 1, column: 1, api: 'eval', confidence: 'medium' }],
    },
    {
      code: "self[atob('ZXZhbA==')](code)",
      evasion: 'atob key',
      findings: [{ line: 1, column: 1, api: 'eval', confidence: 'medium' }],
    },
    {
      code: 'const e = eval;\ne(code)',
      evasion: 'eval aliased through a variable',
      findings: [{ line: 2, column: 1, api: 'eval', confidence: 'medium' }],
    },
    {
      code: '(function (w) { w.eval(code) })(window)',
      evasion: 'IIFE parameter',
      findings: [{ line: 1, column: 17, api: 'eval', confidence: 'medium' }],
    },
    {
      code: 'eval.call(null, code);\nFunction.apply(null, [body])',
      evasion: 'invoked through .call/.apply',
      findings: [
        { line: 1, column: 1, api: 'eval', confidence: 'high' },
        { line: 2, column: 1, api: 'Function', confidence: 'high' },
      ],
    },
    { code: "const f = new Function('a', 'return a');", findings: [{ line: 1, column: 11, api: 'Function', confidence: 'high' }] },
    { code: "Function('return this')()", findings: [{ line: 1, column: 1, api: 'Function', confidence: 'high' }] },
    {
      code: 'const F = Function;\nnew F(body)',
      evasion: 'Function aliased through a variable',
      findings: [{ line: 2, column: 1, api: 'Function', confidence: 'medium' }],
    },
    {
      code: "({}).constructor.constructor('return process')()",
      evasion: '.constructor.constructor',
      findings: [{ line: 1, column: 1, api: 'Function', confidence: 'medium' }],
    },
    {
      code: "''.constructor.constructor(code)()",
      evasion: 'string .constructor.constructor',
      findings: [{ line: 1, column: 1, api: 'Function', confidence: 'medium' }],
    },
    {
      code: '(() => {}).constructor(code)',
      evasion: 'function literal .constructor',
      findings: [{ line: 1, column: 1, api: 'Function', confidence: 'medium' }],
    },
    {
      code: "setTimeout('alert(1)', 10)",
      findings: [{ line: 1, column: 1, api: 'setTimeout(string)', confidence: 'high' }],
    },
    {
      code: "setInterval('poll(' + id + ')', 1000)",
      findings: [{ line: 1, column: 1, api: 'setInterval(string)', confidence: 'high' }],
    },
    {
      code: "const code = 'x()';\nsetTimeout(code, 0)",
      findings: [{ line: 2, column: 1, api: 'setTimeout(string)' }],
    },
    {
      code: 'globalThis.setTimeout(`run(${n})`)',
      findings: [{ line: 1, column: 1, api: 'setTimeout(string)' }],
    },
    {
      code: "const vm = require('vm');\nvm.runInNewContext(code, {})",
      module: 'cjs',
      findings: [
        { line: 1, column: 12, api: 'vm', confidence: 'high' },
        { line: 2, column: 1, api: 'vm.runInNewContext', confidence: 'high' },
      ],
    },
    {
      code: "import { Script } from 'node:vm';\nnew Script(code).runInThisContext()",
      module: 'esm',
      findings: [
        { line: 1, column: 1, api: 'vm', confidence: 'high' },
        { line: 2, column: 5, api: 'vm.Script', confidence: 'high' },
      ],
    },
    {
      code: "require('v' + 'm').runInThisContext(code)",
      module: 'cjs',
      evasion: 'concatenated specifier',
      findings: [
        { line: 1, column: 1, api: 'vm', confidence: 'medium' },
        { line: 1, column: 1, api: 'vm.runInThisContext', confidence: 'medium' },
      ],
    },
    {
      code: "module.require('vm')",
      module: 'cjs',
      evasion: 'module.require',
      findings: [{ line: 1, column: 1, api: 'vm', confidence: 'medium' }],
    },
    {
      code: 'const { instance } = await WebAssembly.instantiate(bytes)',
      findings: [{ line: 1, column: 28, api: 'WebAssembly.instantiate', confidence: 'high' }],
    },
    {
      code: 'WebAssembly.compile(bytes);\nnew WebAssembly.Module(bytes)',
      findings: [
        { line: 1, column: 1, api: 'WebAssembly.compile' },
        { line: 2, column: 5, api: 'WebAssembly.Module' },
      ],
    },
    {
      code: "globalThis['Web' + 'Assembly'].instantiateStreaming(fetch(url))",
      evasion: 'computed global',
      findings: [{ line: 1, column: 1, api: 'WebAssembly.instantiateStreaming', confidence: 'medium' }],
    },
    {
      code: "[eval][0](payload)",
      evasion: 'eval through an array element',
      findings: [{ line: 1, column: 1, api: 'eval', confidence: 'medium' }],
    },
    {
      code: "chunks.map(eval)",
      evasion: 'eval handed to other code',
      findings: [{ line: 1, column: 12, api: 'eval', confidence: 'medium' }],
    },
  ],
});
