import { testCapability } from '../helpers/capability-tester.js';

testCapability('eval', {
  valid: [
    // Function and eval as values that are compared, type-checked or matched, never called.
    'expect.any(Function)',
    't.assert.ok(value, Function)',
    'sinon.match.instanceOf(Function)',
    "expect(handler).toBeInstanceOf(Function);\nassert.strictEqual(typeof eval, 'function')",
    'assert.equal(lookup(name), eval)',
    'class A extends mixin(Function) {}',
    'class Callable extends Function {}',
    'if (x === Function || y !== eval) skip()',
    'Object.getPrototypeOf(Function) === Function.prototype',
    // `Function.call` handed over is Function.prototype.call, bound to nothing (uncurryThis, `has`).
    'const call = Function.call.bind(Function.call)',
    'module.exports = bind.call(Function.call, Object.prototype.hasOwnProperty)',
    { code: "import { expect, vi } from 'vitest';\nexpect(vi.fn()).toHaveBeenCalledWith(expect.any(Function))", module: 'esm' },
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
    {
      code: 'list.forEach(Function)',
      evasion: 'Function handed to a callback',
      findings: [{ line: 1, column: 14, api: 'Function', confidence: 'medium' }],
    },
    {
      code: "Reflect.construct(Function, ['return process'])()",
      evasion: 'Reflect.construct',
      findings: [{ line: 1, column: 19, api: 'Function', confidence: 'medium' }],
    },
    {
      code: 'Promise.resolve(source).then(Function)',
      evasion: 'Function as a promise callback',
      findings: [{ line: 1, column: 30, api: 'Function', confidence: 'medium' }],
    },
    {
      code: 'const run = eval;\nsources.map(run)',
      evasion: 'aliased eval handed to other code',
      findings: [{ line: 2, column: 13, api: 'eval', confidence: 'medium' }],
    },
    {
      code: 'class Fn extends Function {\n  constructor(body) { super(body) }\n}',
      evasion: 'subclass of Function calling super',
      findings: [{ line: 2, column: 23, api: 'Function', confidence: 'medium' }],
    },
    {
      code: 'class Fn extends Function {}\nnew Fn(payload)()',
      evasion: 'subclass of Function constructed',
      findings: [{ line: 2, column: 1, api: 'Function', confidence: 'medium' }],
    },
    {
      code: 'const Fn = class extends mixin(Function) {};\nnew Fn(payload)',
      evasion: 'class factory over Function, constructed',
      findings: [{ line: 2, column: 1, api: 'Function', confidence: 'medium' }],
    },
    {
      code: 't = { ok: (f) => f(payload)() };\nt.ok(Function)',
      evasion: 'a local method named like an assertion',
      findings: [{ line: 2, column: 6, api: 'Function', confidence: 'medium' }],
    },
    {
      code: "process.binding('contextify').ContextifyScript",
      evasion: 'internal binding instead of vm',
      findings: [
        { line: 1, column: 1, api: "process.binding('contextify')", confidence: 'high' },
        { line: 1, column: 1, api: "process.binding('contextify').ContextifyScript", confidence: 'high' },
      ],
    },
    {
      code: "const { compileFunction } = process.binding('contextify');\ncompileFunction(code, 'x.js', 0, 0)",
      evasion: 'internal binding member destructured',
      findings: [
        { line: 1, column: 29, api: "process.binding('contextify')", confidence: 'high' },
        { line: 2, column: 1, api: "process.binding('contextify').compileFunction", confidence: 'high' },
      ],
    },
  ],
});
