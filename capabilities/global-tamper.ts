import { defineCapability } from './define.js';

export default defineCapability({
  id: 'global-tamper',
  title: 'Global tampering',
  description:
    'Replaces, redefines or deletes a network or code-evaluation global, or a method of its prototype (fetch, XMLHttpRequest.prototype.send, WebSocket, window.ethereum.request, Function.prototype.call).',
  severity: 'high',
  docs:
    'Code that replaces a global API intercepts every caller in the process or the page: a wrapped fetch or ' +
    'XMLHttpRequest.prototype.send reads and rewrites all traffic, a wrapped window.ethereum.request swaps the ' +
    'recipient of a wallet transaction (the September 2025 chalk/debug compromise did exactly this in browsers), ' +
    'a redefined Function.prototype.call or .apply sees every call made through it. Reading fetch is the ' +
    'network capability; writing it is this one. A polyfill that installs a global only when it is absent ' +
    '(`if (!globalThis.fetch) globalThis.fetch = …`, `globalThis.fetch ||= …`, `g.fetch = g.fetch || …`, or ' +
    'after `if (g.fetch) return`) cannot replace what a runtime already has and is not reported; deleting a ' +
    'target, which would defeat such a guard, is.',
  tamper: {
    targets: [
      'fetch',
      'Request.prototype.*',
      'Response.prototype.*',
      'XMLHttpRequest',
      'XMLHttpRequest.prototype',
      'XMLHttpRequest.prototype.*',
      'WebSocket',
      'WebSocket.prototype',
      'WebSocket.prototype.*',
      'EventSource',
      'EventSource.prototype.*',
      'navigator.sendBeacon',
      'eval',
      'Function',
      'Function.prototype',
      // Named, not `*`: adding a method is common and harmless (`once` adds Function.prototype.once,
      // dart2js output adds call$0…); replacing one of these intercepts every call made through it.
      // Not toString: core-js replaces it, unconditionally, so that its polyfills look native.
      'Function.prototype.call',
      'Function.prototype.apply',
      'Function.prototype.bind',
      'ethereum',
      'ethereum.*',
      'solana',
      'solana.*',
    ],
    writers: [
      { callee: 'Object.defineProperty', object: 0, key: 1 },
      { callee: 'Reflect.defineProperty', object: 0, key: 1 },
      { callee: 'Reflect.set', object: 0, key: 1 },
      { callee: 'Object.defineProperties', object: 0, properties: 1 },
      { callee: 'Object.assign', object: 0, properties: 1 },
      { method: '__defineGetter__', key: 0 },
      { method: '__defineSetter__', key: 0 },
    ],
  },
  examples: {
    flags: 'const send = XMLHttpRequest.prototype.send;\nXMLHttpRequest.prototype.send = function (body) { report(body); return send.call(this, body); };',
    ok: 'if (!globalThis.fetch) globalThis.fetch = fetchPolyfill;',
  },
});
