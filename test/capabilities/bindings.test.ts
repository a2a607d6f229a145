/**
 * Node's internal bindings, by name: what loading one reports. The table is written out by hand (not
 * derived from the catalog) so that a change to the catalog's binding data shows up here as a failing
 * row; every binding the catalog or the runtime model names must have a row.
 */
import { describe, expect, it } from 'vitest';
import { catalog, runtime } from '../../capabilities/index.js';
import { analyzeSource } from '../../src/analyze/file.js';

/** Capabilities reported by loading the binding as a whole; `[]` = inert; `unresolved` = not classified. */
const LOADS: Readonly<Record<string, readonly string[] | 'unresolved'>> = {
  // Processes.
  spawn_sync: ['shell'],
  process_wrap: ['shell'],
  // Files.
  fs: ['filesystem'],
  fs_dir: ['filesystem'],
  fs_event_wrap: ['filesystem'],
  glob: ['filesystem'],
  modules: ['filesystem'],
  sqlite: ['filesystem'],
  wasi: ['filesystem'],
  // Sockets, pipes, DNS.
  tcp_wrap: ['network'],
  udp_wrap: ['network'],
  pipe_wrap: ['network'],
  cares_wrap: ['network'],
  quic: ['network'],
  dtls: ['network'],
  // Code from strings.
  contextify: ['eval'],
  evals: ['eval'],
  module_wrap: ['eval'],
  // Native code.
  ffi: ['native'],
  // Only some members count (see MEMBERS); loading them alone is nothing.
  blob: [],
  credentials: [],
  heap_utils: [],
  inspector: [],
  process_methods: [],
  report: [],
  // Inert: constants, parsers and protocol layers over handles that some other, reported API opened.
  async_context_frame: [],
  async_wrap: [],
  block_list: [],
  buffer: [],
  cjs_lexer: [],
  config: [],
  constants: [],
  crypto: [],
  diagnostics_channel: [],
  domain: [],
  encoding_binding: [],
  errors: [],
  http2: [],
  http_parser: [],
  http_parser_llhttp: [],
  icu: [],
  internal_only_v8: [],
  ipc_serdes: [],
  js_stream: [],
  js_udp_wrap: [],
  locks: [],
  messaging: [],
  natives: [],
  options: [],
  os: [],
  performance: [],
  permission: [],
  sea: [],
  serdes: [],
  signal_wrap: [],
  smalloc: [],
  stream_pipe: [],
  stream_wrap: [],
  string_decoder: [],
  symbols: [],
  task_queue: [],
  timer_wrap: [],
  timers: [],
  tls_wrap: [],
  trace_events: [],
  tty_wrap: [],
  types: [],
  url: [],
  url_pattern: [],
  util: [],
  uv: [],
  v8: [],
  wasm_web_api: [],
  watchdog: [],
  webstorage: [],
  zlib: [],
  // Not classified: powerful in ways that fit no single capability, or not Node's at all.
  builtins: 'unresolved',
  worker: 'unresolved',
  mksnapshot: 'unresolved',
  native_module: 'unresolved',
  electron_common_features: 'unresolved',
};

/** Members of partly-classified bindings: `binding.member` → capabilities. */
const MEMBERS: readonly [binding: string, member: string, capabilities: readonly string[]][] = [
  ['blob', 'createBlobFromFilePath', ['filesystem']],
  ['blob', 'createBlob', []],
  ['credentials', 'safeGetenv', ['env']],
  ['credentials', 'implementsPosixCredentials', []],
  ['heap_utils', 'triggerHeapSnapshot', ['filesystem']],
  ['heap_utils', 'buildEmbedderGraph', []],
  ['inspector', 'open', ['network']],
  ['inspector', 'Connection', ['eval']],
  ['inspector', 'MainThreadConnection', ['eval']],
  ['inspector', 'isEnabled', []],
  ['process_methods', 'dlopen', ['native']],
  ['process_methods', 'execve', ['shell']],
  ['process_methods', 'loadEnvFile', ['filesystem']],
  ['process_methods', 'hrtime', []],
  ['report', 'writeReport', ['filesystem']],
  ['report', 'getReport', ['env']],
  ['report', 'getCompact', []],
  // A whole-binding capability is reported again at each member used.
  ['spawn_sync', 'spawn', ['shell']],
  ['fs', 'open', ['filesystem']],
  ['buffer', 'kStringMaxLength', []],
];

const LOADERS = runtime.bindingLoaders;

function reported(code: string, kind: 'cjs' | 'esm'): string[] {
  const result = analyzeSource(code, kind === 'cjs' ? 'case.cjs' : 'case.mjs');
  expect(result.errors).toEqual([]);
  return result.findings.map((f) => `${f.capability} ${f.api} @${f.line}:${f.column}`).sort();
}

describe('internal bindings', () => {
  it('has a row for every binding the catalog and the runtime model name, and no binding is both inert and classified', () => {
    const named = new Set<string>(runtime.inertBindings);
    const classified = new Set<string>();
    for (const cap of catalog) for (const b of cap.bindings ?? []) classified.add(b.name);
    for (const name of classified) named.add(name);
    expect([...named].filter((n) => !(n in LOADS)).sort()).toEqual([]);
    expect(runtime.inertBindings.filter((n) => classified.has(n))).toEqual([]);
    for (const [binding, member] of MEMBERS) expect(LOADS[binding], `${binding}.${member}`).toBeDefined();
  });

  for (const loader of LOADERS) {
    for (const [name, expected] of Object.entries(LOADS)) {
      for (const kind of ['cjs', 'esm'] as const) {
        it(`${loader}('${name}') [${kind}]`, () => {
          const column = 'const b = '.length + 1;
          const want =
            expected === 'unresolved'
              ? [`dynamic-require ${loader}('${name}') @1:${column}`]
              : expected.map((c) => `${c} ${loader}('${name}') @1:${column}`);
          expect(reported(`const b = ${loader}('${name}');`, kind)).toEqual([...want].sort());
        });
      }
    }
  }

  for (const [binding, member, capabilities] of MEMBERS) {
    it(`process.binding('${binding}').${member}(x)`, () => {
      const whole = LOADS[binding];
      const atLoad = Array.isArray(whole) ? whole.map((c) => `${c} process.binding('${binding}') @1:1`) : [];
      const atMember = capabilities.map((c) => `${c} process.binding('${binding}').${member} @1:1`);
      expect(reported(`process.binding('${binding}').${member}(x)`, 'cjs')).toEqual([...atLoad, ...atMember].sort());
    });
  }

  it('a name that does not fold is unresolved, with low confidence', () => {
    const result = analyzeSource("process.binding(name);\nprocess._linkedBinding(`electron_${part}`)", 'case.cjs');
    expect(result.findings.map((f) => [f.capability, f.api, f.line, f.confidence])).toEqual([
      ['dynamic-require', 'process.binding(…)', 1, 'low'],
      ['dynamic-require', 'process._linkedBinding(…)', 2, 'low'],
    ]);
  });

  it('safer-buffer 2.1.2 (safer.js:61) reports nothing', () => {
    const source = [
      "var buffer = require('buffer')",
      'var Buffer = buffer.Buffer',
      'var safer = {}',
      "if (!safer.kStringMaxLength) {",
      '  try {',
      "    safer.kStringMaxLength = process.binding('buffer').kStringMaxLength",
      '  } catch (e) {',
      '    // we can\'t determine kStringMaxLength in environments where process.binding',
      '    // is unsupported, so let\'s not set it',
      '  }',
      '}',
    ].join('\n');
    expect(analyzeSource(source, 'safer.js').findings).toEqual([]);
  });

  it('an unparseable file still reports a classified binding through the lexical scan', () => {
    const result = analyzeSource("const r = process.binding('spawn_sync').spawn(opts) +++ ;", 'broken.js');
    expect(result.errors.length).toBe(1);
    expect(result.findings.map((f) => [f.capability, f.api, f.confidence])).toEqual([['shell', "process.binding('spawn_sync')", 'low']]);
  });
});
