import { testCapability } from '../helpers/capability-tester.js';

testCapability('global-tamper', {
  valid: [
    // Reading a network global is `network`, not tampering.
    'const res = await fetch(url);\nconst xhr = new XMLHttpRequest();\nxhr.open("GET", url);',
    'const send = XMLHttpRequest.prototype.send;\nsend.call(xhr, body)',
    // Polyfills that install only when absent (whatwg-fetch, cross-fetch, isomorphic-fetch shapes).
    'if (!globalThis.fetch) globalThis.fetch = fetchPolyfill;',
    "var g = (typeof globalThis !== 'undefined' && globalThis) || (typeof self !== 'undefined' && self) || {};\nif (!g.fetch) {\n  g.fetch = fetch;\n  g.Headers = Headers;\n  g.Request = Request;\n  g.Response = Response;\n}",
    { code: "if (!global.fetch) {\n  global.fetch = require('node-fetch');\n}", module: 'cjs' },
    'globalThis.fetch ||= polyfill;\nwindow.WebSocket ??= ShimSocket;',
    'window.fetch = window.fetch || fetchShim;\nself.EventSource = self.EventSource ? self.EventSource : EventSourceShim;',
    "if (typeof fetch === 'undefined') { globalThis.fetch = nodeFetch; }",
    "if (typeof window.WebSocket !== 'function') window.WebSocket = Shim;",
    "if (!('fetch' in globalThis)) Object.defineProperty(globalThis, 'fetch', { value: impl, writable: true });",
    'function install() {\n  if (globalThis.fetch) return;\n  globalThis.fetch = impl;\n}',
    "typeof window !== 'undefined' && !window.fetch && (window.fetch = shim);",
    'if (!XMLHttpRequest.prototype.sendAsBinary) {\n  XMLHttpRequest.prototype.sendAsBinary = function (data) { this.send(data); };\n}',
    'if (!Function.prototype.bind) Function.prototype.bind = bindShim;',
    // Writing things that are not network or eval globals.
    'global.navigator = { userAgent: "node" };\nwindow.myLib = api;\nglobalThis.__APP_STATE__ = state;',
    'let fetch = null;\nfetch = createFetch(options);',
    'const client = {};\nclient.fetch = wrap(fetch);\nclient.WebSocket = Socket;',
    'class Api {\n  constructor() {\n    this.fetch = fetch.bind(globalThis);\n  }\n}',
    { code: 'module.exports.fetch = fetch;\nexports.XMLHttpRequest = XHR;', module: 'cjs' },
    "Object.defineProperty(exports, 'fetch', { enumerable: true, get: () => impl });",
    "Object.assign(window, { myWidget: widget });\nReflect.set(target, 'fetch', impl);",
    'window[name] = factory();',
    // core-js: a function's own `constructor` property, and the native-looking toString it installs.
    'var $ArrayBuffer = function ArrayBuffer() {};\nvar proto = $ArrayBuffer && $ArrayBuffer.prototype;\n$ArrayBuffer.constructor = Fn;\nproto.constructor = $ArrayBuffer;\nFunction.prototype.toString = makeBuiltIn(toString);',
    // Adding a method to Function.prototype (the `once` package, dart2js output) replaces nothing.
    "Object.defineProperty(Function.prototype, 'once', { value: function () { return once(this); }, configurable: true });\nFunction.prototype.call$1 = function (a) { return this(a); };",
  ],
  invalid: [
    { code: 'globalThis.fetch = wrappedFetch;', findings: [{ line: 1, column: 1, api: 'fetch', confidence: 'high' }] },
    {
      code: 'const original = window.fetch;\nwindow.fetch = async (...args) => {\n  const res = await original(...args);\n  return rewrite(res);\n};',
      findings: [{ line: 2, column: 1, api: 'fetch', confidence: 'high' }],
    },
    {
      code: 'const open = XMLHttpRequest.prototype.open;\nXMLHttpRequest.prototype.open = function (method, url) {\n  this._url = url;\n  return open.apply(this, arguments);\n};\nXMLHttpRequest.prototype.send = function (body) { leak(this._url, body); };',
      findings: [
        { line: 2, column: 1, api: 'XMLHttpRequest.prototype.open', confidence: 'high' },
        { line: 6, column: 1, api: 'XMLHttpRequest.prototype.send', confidence: 'high' },
      ],
    },
    {
      code: 'WebSocket = class extends WebSocket { send(d) { leak(d); super.send(d); } };\nwindow.WebSocket = Proxy;',
      module: 'cjs',
      findings: [
        { line: 1, column: 1, api: 'WebSocket', confidence: 'high' },
        { line: 2, column: 1, api: 'WebSocket', confidence: 'high' },
      ],
    },
    {
      code: 'const request = window.ethereum.request;\nwindow.ethereum.request = async (args) => request(swapRecipient(args));',
      findings: [{ line: 2, column: 1, api: 'ethereum.request', confidence: 'high' }],
    },
    {
      code: "Object.defineProperty(window, 'ethereum', { get: () => evilProvider, configurable: true });",
      findings: [{ line: 1, column: 1, api: 'Object.defineProperty(ethereum)', confidence: 'high' }],
    },
    {
      code: "Object.defineProperty(XMLHttpRequest.prototype, 'send', { value: spy });",
      findings: [{ line: 1, column: 1, api: 'Object.defineProperty(XMLHttpRequest.prototype.send)', confidence: 'high' }],
    },
    {
      code: 'const call = Function.prototype.call;\nFunction.prototype.call = function (...a) { log(this); return call.apply(this, a); };\nFunction.prototype.apply = spyApply;',
      findings: [
        { line: 2, column: 1, api: 'Function.prototype.call', confidence: 'high' },
        { line: 3, column: 1, api: 'Function.prototype.apply', confidence: 'high' },
      ],
    },
    {
      code: "Reflect.set(globalThis, 'fetch', spyFetch);",
      findings: [{ line: 1, column: 1, api: 'Reflect.set(fetch)', confidence: 'high' }],
    },
    {
      code: "Object.assign(globalThis, { fetch: spyFetch, WebSocket: SpySocket });\nObject.defineProperties(window, { ethereum: { value: p } });",
      findings: [
        { line: 1, column: 1, api: 'Object.assign(fetch)', confidence: 'high' },
        { line: 2, column: 1, api: 'Object.defineProperties(ethereum)', confidence: 'high' },
      ],
    },
    {
      code: 'const g = globalThis;\ng.fetch = spy;',
      evasion: 'global object through an alias',
      findings: [{ line: 2, column: 1, api: 'fetch', confidence: 'medium' }],
    },
    {
      code: 'const P = XMLHttpRequest.prototype;\nP.open = hook(P.open);\nP.send = hook(P.send);',
      evasion: 'prototype through an alias',
      findings: [
        { line: 2, column: 1, api: 'XMLHttpRequest.prototype.open', confidence: 'medium' },
        { line: 3, column: 1, api: 'XMLHttpRequest.prototype.send', confidence: 'medium' },
      ],
    },
    {
      code: "window['fe' + 'tch'] = spy;\nself[atob('ZXRoZXJldW0=')].request = spy;",
      evasion: 'computed, folded keys',
      findings: [
        { line: 1, column: 1, api: 'fetch', confidence: 'medium' },
        { line: 2, column: 1, api: 'ethereum.request', confidence: 'medium' },
      ],
    },
    {
      code: '(function (w) {\n  w.fetch = spy;\n})(window);',
      evasion: 'IIFE parameter',
      findings: [{ line: 2, column: 3, api: 'fetch', confidence: 'medium' }],
    },
    {
      code: 'for (const m of methods) XMLHttpRequest.prototype[m] = wrap(XMLHttpRequest.prototype[m]);',
      evasion: 'unresolved member of a target prototype',
      findings: [{ line: 1, column: 26, api: 'XMLHttpRequest.prototype[…]', confidence: 'low' }],
    },
    {
      code: 'delete globalThis.fetch;\nif (!globalThis.fetch) globalThis.fetch = spy;',
      evasion: 'deleting the global to pass a polyfill guard',
      findings: [{ line: 1, column: 8, api: 'delete fetch', confidence: 'high' }],
    },
    {
      code: 'if (!window.solana) window.fetch = spy;\nif (globalThis.fetch) globalThis.fetch = wrap(globalThis.fetch);',
      evasion: 'a guard on another global, or on presence',
      findings: [
        { line: 1, column: 21, api: 'fetch', confidence: 'high' },
        { line: 2, column: 23, api: 'fetch', confidence: 'high' },
      ],
    },
    {
      code: "typeof window !== 'undefined' && (window.fetch = spy);",
      evasion: 'write inside a logical expression',
      findings: [{ line: 1, column: 35, api: 'fetch', confidence: 'high' }],
    },
    {
      code: "const define = Object.defineProperty;\ndefine(window, 'ethereum', { value: p });",
      evasion: 'property writer through an alias',
      findings: [{ line: 2, column: 1, api: 'Object.defineProperty(ethereum)', confidence: 'medium' }],
    },
    {
      code: "window.__defineGetter__('fetch', () => spy);",
      evasion: 'legacy accessor definition',
      findings: [{ line: 1, column: 1, api: '__defineGetter__(fetch)', confidence: 'high' }],
    },
    {
      code: '(globalThis as any).fetch = spy;',
      module: 'esm',
      findings: [{ line: 1, column: 1, api: 'fetch', confidence: 'high' }],
    },
    {
      code: 'eval = function (code) { leak(code); };\nglobalThis.Function = Proxy;',
      module: 'cjs',
      findings: [
        { line: 1, column: 1, api: 'eval', confidence: 'high' },
        { line: 2, column: 1, api: 'Function', confidence: 'high' },
      ],
    },
  ],
});
