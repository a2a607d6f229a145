import { defineCapability } from './define.js';

export default defineCapability({
  id: 'eval',
  title: 'Dynamic code',
  description: 'Compiles and runs code from strings at run time (eval, Function, vm, WebAssembly).',
  severity: 'high',
  docs: 'Code built from strings at run time is invisible to static review: a downloaded or decoded payload runs with full rights.',
  modules: [{ name: 'vm' }],
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
  ],
  calls: [
    { callee: 'setTimeout', predicate: 'firstArgIsString' },
    { callee: 'setInterval', predicate: 'firstArgIsString' },
  ],
  examples: {
    flags: "eval(Buffer.from(payload, 'base64').toString())",
    ok: 'const evaluate = (x) => x * 2; evaluate(3)',
  },
});
