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
  // Sockets, pipes and DNS (the bindings net, dgram and dns are built on), QUIC/DTLS endpoints, and the
  // inspector's listening port.
  bindings: [
    { name: 'tcp_wrap' },
    { name: 'udp_wrap' },
    { name: 'pipe_wrap' },
    { name: 'cares_wrap' },
    { name: 'quic' },
    { name: 'dtls' },
    { name: 'inspector', members: ['open'] },
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
