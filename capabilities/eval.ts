import { defineCapability } from './define.js';

export default defineCapability({
  id: 'eval',
  title: 'Dynamic code',
  description: 'Compiles and runs code from strings at run time (eval, Function, vm, WebAssembly).',
  severity: 'high',
  docs: 'Code built from strings at run time is invisible to static review: a downloaded or decoded payload runs with full rights.',
  // `module.prototype._compile` compiles a string as a CommonJS module (what `require` does with a file);
  // instances get it too (`new Module()._compile(code)`, `module._compile` in CommonJS). Only a call
  // compiles: source-map-support and test runners read it to wrap it.
  modules: [{ name: 'vm' }, { name: 'module', members: ['prototype._compile'], when: 'call' }],
  // What vm is built on (scripts and functions compiled from strings; `evals` before Node 0.12), ES module
  // records compiled from source text, and inspector sessions (`Runtime.evaluate`).
  bindings: [
    { name: 'contextify' },
    { name: 'evals' },
    { name: 'module_wrap' },
    { name: 'inspector', members: ['Connection', 'MainThreadConnection'] },
  ],
  globals: [
    { path: 'eval', when: 'call' },
    { path: 'Function', when: 'call' },
    { path: 'WebAssembly.compile' },
    { path: 'WebAssembly.compileStreaming' },
    { path: 'WebAssembly.instantiate' },
    { path: 'WebAssembly.instantiateStreaming' },
    { path: 'WebAssembly.Module' },
    { path: 'module._compile', when: 'call' },
    { path: 'module.constructor.prototype._compile', when: 'call' },
    { path: 'require.main._compile', when: 'call' },
    { path: 'process.mainModule._compile', when: 'call' },
  ],
  calls: [
    { callee: 'setTimeout', predicate: 'firstArgIsString' },
    { callee: 'setInterval', predicate: 'firstArgIsString' },
    // A worker whose first argument is code, not a file.
    { module: 'worker_threads', callee: 'Worker', predicate: 'optionIsTrue', argument: 1, option: 'eval', api: 'worker_threads.Worker(eval)' },
  ],
  examples: {
    flags: "eval(Buffer.from(payload, 'base64').toString())",
    ok: 'const evaluate = (x) => x * 2; evaluate(3)',
  },
});
