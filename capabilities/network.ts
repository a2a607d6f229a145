import { defineCapability } from './define.js';

export default defineCapability({
  id: 'network',
  title: 'Network',
  description: 'Opens network connections, sends requests or resolves names.',
  severity: 'high',
  docs: 'Code that can reach the network can exfiltrate secrets and download payloads. Third-party clients (axios, node-fetch, got, ws) are dependency edges, not capabilities of the importer: the capability flows along them.',
  modules: [
    { name: 'http' },
    { name: 'https' },
    { name: 'http2' },
    { name: 'net' },
    { name: 'tls' },
    { name: 'dgram' },
    { name: 'dns' },
    { name: 'undici' },
  ],
  globals: [
    { path: 'fetch' },
    { path: 'XMLHttpRequest' },
    { path: 'WebSocket' },
    { path: 'EventSource' },
    { path: 'navigator.sendBeacon' },
  ],
  examples: {
    flags: "require('https').get('https://example.com')",
    ok: 'function fetch(url) { return cache[url]; } fetch(key);',
  },
});
