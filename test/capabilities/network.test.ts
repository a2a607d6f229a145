import { testCapability } from '../helpers/capability-tester.js';

testCapability('network', {
  valid: [
    // Protocol layers over a socket something else opened (http-parser-js patches the parser).
    { code: "process.binding('http_parser').HTTPParser = require('http-parser-js').HTTPParser", module: 'cjs', imports: ['http-parser-js'] },
    "const { WriteWrap } = process.binding('stream_wrap')",
    "process.binding('tls_wrap').wrap(handle, context, false)",
    'function fetch(url) { return cache[url] }\nfetch(key)',
    'let fetch;\nfetch = (u) => u;\nfetch(url)',
    '(function (fetch) { return fetch(url) })(customFetch)',
    'if (typeof fetch === "function") polyfill()',
    'const hasXhr = typeof globalThis.XMLHttpRequest !== "undefined"',
    'class Client { fetch(url) { return this.cache.get(url) } }\nnew Client().fetch(url)',
    'const api = { fetch: () => null, WebSocket: 1 };\napi.fetch(url)',
    'try { load() } catch (fetch) { report(fetch.message) }',
    'JSON.stringify({ fetch: true, WebSocket: false, http: 1 })',
    { code: "const fetch = require('node-fetch');\nfetch(url)", module: 'cjs', imports: ['node-fetch'] },
    {
      code: "const got = require('got');\nconst { WebSocket } = require('ws');\ngot(url); new WebSocket(url)",
      module: 'cjs',
      imports: ['got', 'ws'],
    },
    { code: "import axios from 'axios';\naxios.get(url)", module: 'esm', imports: ['axios'] },
    { code: "import http from './http.js';\nhttp.get(url)", module: 'esm' },
    { code: "require('./http').get(url); require('../net/index.js')", module: 'cjs' },
    { code: "require('http-proxy'); require('@scope/net/client')", module: 'cjs', imports: ['@scope/net', 'http-proxy'] },
    { code: "import type { Agent } from 'node:https';\nexport const agent = null", module: 'esm' },
  ],
  invalid: [
    {
      code: "require('http').get('https://example.com')",
      module: 'cjs',
      imports: [],
      findings: [
        { line: 1, column: 1, api: 'http', confidence: 'high' },
        { line: 1, column: 1, api: 'http.get', confidence: 'high' },
      ],
    },
    {
      code: "const https = require('node:https');\nhttps.request(opts)",
      module: 'cjs',
      findings: [
        { line: 1, column: 15, api: 'https', confidence: 'high' },
        { line: 2, column: 1, api: 'https.request', confidence: 'high' },
      ],
    },
    {
      code: "const { request: send } = require('https');\nsend(url)",
      module: 'cjs',
      findings: [
        { line: 1, column: 27, api: 'https', confidence: 'high' },
        { line: 2, column: 1, api: 'https.request', confidence: 'high' },
      ],
    },
    {
      code: "import http2 from 'node:http2';\nhttp2.connect(url)",
      module: 'esm',
      findings: [
        { line: 1, column: 1, api: 'http2', confidence: 'high' },
        { line: 2, column: 1, api: 'http2.connect', confidence: 'high' },
      ],
    },
    {
      code: "import * as net from 'net';\nnet.createConnection(443)",
      module: 'esm',
      findings: [
        { line: 1, column: 1, api: 'net' },
        { line: 2, column: 1, api: 'net.createConnection' },
      ],
    },
    {
      code: "import { request } from 'undici';\nawait request(url)",
      module: 'esm',
      imports: ['undici'],
      findings: [
        { line: 1, column: 1, api: 'undici' },
        { line: 2, column: 7, api: 'undici.request', confidence: 'high' },
      ],
    },
    { code: "export { request } from 'https'", module: 'esm', findings: [{ line: 1, column: 1, api: 'https', confidence: 'high' }] },
    { code: "export * from 'node:dgram'", module: 'esm', findings: [{ line: 1, column: 1, api: 'dgram' }] },
    {
      code: "const dns = await import('dns');\ndns.lookup('example.com')",
      module: 'esm',
      findings: [
        { line: 1, column: 19, api: 'dns', confidence: 'high' },
        { line: 2, column: 1, api: 'dns.lookup', confidence: 'high' },
      ],
    },
    { code: "import('node:tls').then((tls) => tls.connect(443))", findings: [{ line: 1, column: 1, api: 'tls' }] },
    { code: "fetch('https://example.com')", findings: [{ line: 1, column: 1, api: 'fetch', confidence: 'high' }] },
    { code: 'globalThis.fetch(url)', findings: [{ line: 1, column: 1, api: 'fetch', confidence: 'high' }] },
    {
      code: 'self.fetch(a); global.fetch(b)',
      findings: [
        { line: 1, column: 1, api: 'fetch' },
        { line: 1, column: 16, api: 'fetch' },
      ],
    },
    { code: 'const xhr = new XMLHttpRequest()', findings: [{ line: 1, column: 17, api: 'XMLHttpRequest' }] },
    {
      code: "const ws = new WebSocket('wss://x.example');\nconst es = new EventSource('/events')",
      findings: [
        { line: 1, column: 16, api: 'WebSocket' },
        { line: 2, column: 16, api: 'EventSource' },
      ],
    },
    { code: "navigator.sendBeacon('/collect', data)", findings: [{ line: 1, column: 1, api: 'navigator.sendBeacon', confidence: 'high' }] },
    {
      code: 'const f = fetch;\nf(url)',
      evasion: 'global aliased through a variable',
      findings: [
        { line: 1, column: 11, api: 'fetch', confidence: 'high' },
        { line: 2, column: 1, api: 'fetch', confidence: 'medium' },
      ],
    },
    {
      code: "window['fe' + 'tch'](url)",
      evasion: 'computed member, concatenated key',
      findings: [{ line: 1, column: 1, api: 'fetch', confidence: 'medium' }],
    },
    { code: "globalThis['fetch'](url)", evasion: 'computed member', findings: [{ line: 1, column: 1, api: 'fetch', confidence: 'medium' }] },
    {
      code: 'const g = globalThis;\ng.fetch(url)',
      evasion: 'globalThis alias',
      findings: [{ line: 2, column: 1, api: 'fetch', confidence: 'medium' }],
    },
    {
      code: '(function (g) { g.fetch(url) })(globalThis)',
      evasion: 'IIFE parameter',
      findings: [{ line: 1, column: 17, api: 'fetch', confidence: 'medium' }],
    },
    {
      code: '!function (w) { new w.WebSocket(url) }(window)',
      evasion: 'minifier-style IIFE',
      findings: [{ line: 1, column: 21, api: 'WebSocket', confidence: 'medium' }],
    },
    {
      code: "const { ['fe' + 'tch']: get } = globalThis;\nget(url)",
      evasion: 'destructuring with a computed key',
      findings: [
        { line: 1, column: 25, api: 'fetch', confidence: 'medium' },
        { line: 2, column: 1, api: 'fetch', confidence: 'medium' },
      ],
    },
    { code: 'window.self.globalThis.fetch(url)', evasion: 'global object through itself', findings: [{ line: 1, column: 1, api: 'fetch' }] },
    {
      code: 'const { sendBeacon } = navigator;\nsendBeacon(url, data)',
      evasion: 'destructured global',
      findings: [
        { line: 1, column: 9, api: 'navigator.sendBeacon', confidence: 'high' },
        { line: 2, column: 1, api: 'navigator.sendBeacon', confidence: 'medium' },
      ],
    },
    {
      code: "module.require('net').connect(80)",
      module: 'cjs',
      evasion: 'module.require',
      findings: [
        { line: 1, column: 1, api: 'net', confidence: 'medium' },
        { line: 1, column: 1, api: 'net.connect', confidence: 'medium' },
      ],
    },
    {
      code: "process.mainModule.require('http').get(url)",
      module: 'cjs',
      evasion: 'process.mainModule.require',
      findings: [
        { line: 1, column: 1, api: 'http', confidence: 'medium' },
        { line: 1, column: 1, api: 'http.get', confidence: 'medium' },
      ],
    },
    {
      code: "const { createRequire } = require('module');\nconst load = createRequire(__filename);\nload('undici').request(url)",
      module: 'cjs',
      evasion: 'createRequire',
      findings: [
        { line: 3, column: 1, api: 'undici', confidence: 'medium' },
        { line: 3, column: 1, api: 'undici.request', confidence: 'medium' },
      ],
    },
    {
      code: "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\nconst https = require('https');\nhttps.get(url)",
      module: 'esm',
      evasion: 'createRequire in ESM',
      findings: [
        { line: 3, column: 15, api: 'https', confidence: 'medium' },
        { line: 4, column: 1, api: 'https.get', confidence: 'medium' },
      ],
    },
    {
      code: "const r = require;\nr('net').connect(1)",
      module: 'cjs',
      evasion: 'require aliased through a variable',
      findings: [
        { line: 2, column: 1, api: 'net', confidence: 'medium' },
        { line: 2, column: 1, api: 'net.connect', confidence: 'medium' },
      ],
    },
    {
      code: "let r;\nr = require;\nr('dgram').createSocket('udp4')",
      module: 'cjs',
      evasion: 're-assignment chain',
      findings: [
        { line: 3, column: 1, api: 'dgram', confidence: 'medium' },
        { line: 3, column: 1, api: 'dgram.createSocket', confidence: 'medium' },
      ],
    },
    {
      code: "globalThis['req' + 'uire']('https').get(url)",
      module: 'cjs',
      evasion: "globalThis['req'+'uire']",
      findings: [
        { line: 1, column: 1, api: 'https', confidence: 'medium' },
        { line: 1, column: 1, api: 'https.get', confidence: 'medium' },
      ],
    },
    {
      code: "require('ht' + 'tps').get(url)",
      module: 'cjs',
      evasion: 'concatenated specifier',
      findings: [
        { line: 1, column: 1, api: 'https', confidence: 'medium' },
        { line: 1, column: 1, api: 'https.get', confidence: 'medium' },
      ],
    },
    {
      code: "require(Buffer.from('6e6574', 'hex').toString()).connect(1)",
      module: 'cjs',
      evasion: 'hex-decoded specifier',
      findings: [
        { line: 1, column: 1, api: 'net', confidence: 'medium' },
        { line: 1, column: 1, api: 'net.connect', confidence: 'medium' },
      ],
    },
    {
      code: "require(Buffer.from('aHR0cA==', 'base64').toString('utf8'))",
      module: 'cjs',
      evasion: 'base64-decoded specifier',
      findings: [{ line: 1, column: 1, api: 'http', confidence: 'medium' }],
    },
    {
      code: 'require(String.fromCharCode(100, 110, 115))',
      module: 'cjs',
      evasion: 'char-code specifier',
      findings: [{ line: 1, column: 1, api: 'dns', confidence: 'medium' }],
    },
    { code: "require(atob('dGxz'))", module: 'cjs', evasion: 'atob specifier', findings: [{ line: 1, column: 1, api: 'tls', confidence: 'medium' }] },
    {
      code: "require('ten'.split('').reverse().join(''))",
      module: 'cjs',
      evasion: 'reversed string',
      findings: [{ line: 1, column: 1, api: 'net', confidence: 'medium' }],
    },
    {
      code: "require(['un', 'dici'].join(''))",
      module: 'cjs',
      evasion: 'array join',
      findings: [{ line: 1, column: 1, api: 'undici', confidence: 'medium' }],
    },
    {
      code: "const part = 'tp';\nconst h = require(`ht${part}2`);\nh.connect(url)",
      module: 'cjs',
      evasion: 'template literal',
      findings: [
        { line: 2, column: 11, api: 'http2', confidence: 'medium' },
        { line: 3, column: 1, api: 'http2.connect', confidence: 'medium' },
      ],
    },
    {
      code: "import('node:' + 'dns').then(use)",
      evasion: 'concatenated dynamic import',
      findings: [{ line: 1, column: 1, api: 'dns', confidence: 'medium' }],
    },
    {
      code: "(function (root) { root.fetch(url) })(this)",
      module: 'cjs',
      evasion: 'UMD wrapper handed the top-level this',
      findings: [{ line: 1, column: 20, api: 'fetch', confidence: 'medium' }],
    },
    {
      code: "var m = __toESM(require('net'));\nm.default.connect(1)",
      module: 'cjs',
      evasion: 'esbuild interop helper',
      findings: [
        { line: 1, column: 17, api: 'net', confidence: 'high' },
        { line: 2, column: 1, api: 'net.connect', confidence: 'high' },
      ],
    },
    {
      code: "const { TCP, constants } = process.binding('tcp_wrap');\nconst handle = new TCP(constants.SOCKET)",
      evasion: 'internal binding instead of net',
      findings: [
        { line: 1, column: 28, api: "process.binding('tcp_wrap')", confidence: 'high' },
        { line: 2, column: 20, api: "process.binding('tcp_wrap').TCP", confidence: 'high' },
        { line: 2, column: 24, api: "process.binding('tcp_wrap').constants.SOCKET", confidence: 'high' },
      ],
    },
    {
      code: "globalThis.process.binding('cares_wrap')",
      findings: [{ line: 1, column: 1, api: "process.binding('cares_wrap')", confidence: 'high' }],
    },
    {
      code: "process['_linked' + 'Binding']('udp_wrap')",
      evasion: 'computed loader',
      findings: [{ line: 1, column: 1, api: "process._linkedBinding('udp_wrap')", confidence: 'medium' }],
    },
  ],
});
