/**
 * The model of the JavaScript runtime the engine evaluates against: how modules are loaded and how the
 * global object is reached. Data, like the capability files, so the engine itself never names a global
 * or a module (STYLE.md); a test checks src/analyze for such names.
 */
export interface RuntimeModel {
  /** Names of the global object itself: `globalThis.fetch`, `window['fetch']`. */
  globalObjects: readonly string[];
  /** Global paths that are a CommonJS `require` function. */
  requirePaths: readonly string[];
  /** Module members that return a `require` function when called: `createRequire(import.meta.url)`. */
  requireFactories: readonly { module: string; member: string }[];
  /** Module members that load a module when called with its name: `require('module')._load('fs')`. */
  moduleLoaders: readonly { module: string; member: string }[];
  /**
   * Module members that run a file named by path in another process or thread: `fork('./child.js')`,
   * `spawn('node', ['payload.js'])`, `exec('sh ./x.sh')`, `new Worker('./w.js')`. The module graph
   * follows the package files they name. Without `member`, every member of the module.
   */
  fileRunners: readonly { module: string; member?: string }[];
  /** Globals holding the directory of the running module (`__dirname`): paths built on them are module-relative. */
  moduleDirectories: readonly string[];
  /** Module members that join path segments (`path.join(__dirname, 'lib', 'x.js')`). */
  pathJoiners: readonly { module: string; member: string }[];
  /**
   * Compiler helpers that wrap a required module and hand it back (Babel, TypeScript, esbuild output):
   * `_interopRequireDefault(require('fs')).default` is still `fs`.
   */
  interopHelpers: readonly string[];
  /** Global paths whose call decodes its arguments into a string, with how. */
  decoders: readonly { path: string; decode: 'charCodes' | 'base64' | 'bufferFrom' | 'uriComponent' | 'uri' | 'legacyUnescape' }[];
  /**
   * Reflection the engine sees through: `Reflect.get(o, k)` is `o[k]`, `Reflect.apply(f, t, args)` and
   * `Reflect.construct(F, args)` call `f`/`F`, a property descriptor's `value` is the property, and the
   * members of an object enumerated (`Object.values(m)`) are some member of it, not known which.
   * `define` returns the object it defines a property on; defining `default` as a module makes a namespace
   * of that module (what interop helpers do: `Object.defineProperty(ns, 'default', { value: m })`).
   */
  reflection: readonly { path: string; op: 'get' | 'apply' | 'construct' | 'descriptor' | 'descriptors' | 'members' | 'define' }[];
  /** Global paths that resolve a module name to a file without loading it: `require.resolve(name)`. */
  resolvers: readonly string[];
  /**
   * The pure builtins the partial evaluator provides to the code it interprets (decoders, string-array
   * rotations, interop helpers): global paths and what each does. Anything else global is a value the
   * interpreter can hold but never call, so package code that reaches for the host stops being evaluated.
   */
  builtins: readonly { path: string; op: BuiltinOp }[];
  /** `x.constructor.constructor` reaches this global (the Function constructor). */
  constructorOfConstructor: string;
  /** Module-name prefix that names a builtin explicitly. */
  builtinPrefix: string;
  /**
   * Global paths whose call loads a Node.js internal binding by name: `process.binding('fs')`. What a
   * binding gives is in the capability files (`bindings`).
   */
  bindingLoaders: readonly string[];
  /** The same loaders as module members: `import process from 'node:process'; process.binding('fs')`. */
  bindingLoaderModules: readonly { module: string; member: string }[];
  /**
   * Internal bindings that give no capability: loading one is not a finding. A binding that is neither
   * here nor in a capability's `bindings` (an embedder's, a future Node's, one we do not classify) is
   * reported as unresolved.
   */
  inertBindings: readonly string[];
  /** Global paths whose call returns a new symbol: `Symbol('k')`, `Symbol.for('k')`. */
  symbolFactories: readonly string[];
  /**
   * Global paths that are always a symbol (well-known symbols, non-writable). A symbol-keyed property is
   * never a module member or a global the catalog could name.
   */
  symbols: readonly string[];
  /**
   * Argument positions that never call what they are given: a call-only global (`Function`, `eval`)
   * passed there is a value being compared or described, not code that runs. Any other call may call
   * its arguments (an unknown callee, `arr.map`, `Reflect.construct`).
   */
  valueArguments: readonly ValueArgument[];
}

/** What a pure builtin does (implemented once in the engine's interpreter, src/analyze/js-builtins.ts). */
export type BuiltinOp =
  | 'undefined-value'
  | 'nan-value'
  | 'infinity-value'
  | 'object'
  | 'function'
  | 'array'
  | 'string'
  | 'number'
  | 'boolean'
  | 'regexp'
  | 'error'
  | 'array-is-array'
  | 'array-from'
  | 'from-char-code'
  | 'from-code-point'
  | 'parse-int'
  | 'parse-float'
  | 'is-nan'
  | 'is-finite'
  | 'decode-uri-component'
  | 'decode-uri'
  | 'encode-uri-component'
  | 'encode-uri'
  | 'percent-escape'
  | 'percent-unescape'
  | 'base64-decode'
  | 'base64-encode'
  | 'buffer-from'
  | 'object-keys'
  | 'object-values'
  | 'object-entries'
  | 'object-get-own-property-names'
  | 'object-assign'
  | 'object-create'
  | 'object-define-property'
  | 'object-freeze'
  | 'object-get-prototype-of'
  | 'math-floor'
  | 'math-ceil'
  | 'math-round'
  | 'math-trunc'
  | 'math-abs'
  | 'math-sign'
  | 'math-sqrt'
  | 'math-min'
  | 'math-max'
  | 'math-pow'
  | 'math-imul';

/** One kind of call whose arguments are only looked at (compared, type-checked, described). */
export interface ValueArgument {
  /** A global function (`Object.getPrototypeOf`); or, with `method`, a method name on any receiver. */
  callee: string;
  /** `callee` is a method name (`any` in `expect.any(Function)`), matched on any receiver but a local object. */
  method?: boolean;
  /** Zero-based argument positions; omitted = every argument. */
  positions?: readonly number[];
}

const runtime: RuntimeModel = {
  globalObjects: ['globalThis', 'global', 'window', 'self'],
  requirePaths: ['require', 'module.require', 'process.mainModule.require', 'require.main.require', 'module.constructor._load'],
  requireFactories: [{ module: 'module', member: 'createRequire' }],
  moduleLoaders: [{ module: 'module', member: '_load' }],
  moduleDirectories: ['__dirname'],
  pathJoiners: [
    { module: 'path', member: 'join' },
    { module: 'path', member: 'resolve' },
    { module: 'path', member: 'normalize' },
  ],
  fileRunners: [{ module: 'child_process' }, { module: 'worker_threads', member: 'Worker' }, { module: 'cluster', member: 'setupPrimary' }, { module: 'cluster', member: 'setupMaster' }],
  interopHelpers: [
    '_interopRequireDefault',
    '_interopRequireWildcard',
    '__importDefault',
    '__importStar',
    '__toESM',
    '__toCommonJS',
    '_interop_require_default',
    '_interop_require_wildcard',
  ],
  decoders: [
    { path: 'String.fromCharCode', decode: 'charCodes' },
    { path: 'String.fromCodePoint', decode: 'charCodes' },
    { path: 'atob', decode: 'base64' },
    { path: 'Buffer.from', decode: 'bufferFrom' },
    { path: 'decodeURIComponent', decode: 'uriComponent' },
    { path: 'decodeURI', decode: 'uri' },
    { path: 'unescape', decode: 'legacyUnescape' },
  ],
  reflection: [
    { path: 'Reflect.get', op: 'get' },
    { path: 'Reflect.apply', op: 'apply' },
    { path: 'Reflect.construct', op: 'construct' },
    { path: 'Object.getOwnPropertyDescriptor', op: 'descriptor' },
    { path: 'Reflect.getOwnPropertyDescriptor', op: 'descriptor' },
    { path: 'Object.getOwnPropertyDescriptors', op: 'descriptors' },
    { path: 'Object.values', op: 'members' },
    { path: 'Object.entries', op: 'members' },
    { path: 'Object.defineProperty', op: 'define' },
  ],
  resolvers: ['require.resolve', 'module.require.resolve', 'require.main.require.resolve'],
  // Only what is pure: no clock, no randomness, no I/O, nothing that compiles code (the Function
  // constructor is here so that `f.constructor` can be named, never called).
  builtins: [
    { path: 'undefined', op: 'undefined-value' },
    { path: 'NaN', op: 'nan-value' },
    { path: 'Infinity', op: 'infinity-value' },
    { path: 'Object', op: 'object' },
    { path: 'Function', op: 'function' },
    { path: 'Array', op: 'array' },
    { path: 'String', op: 'string' },
    { path: 'Number', op: 'number' },
    { path: 'Boolean', op: 'boolean' },
    { path: 'RegExp', op: 'regexp' },
    { path: 'Error', op: 'error' },
    { path: 'Array.isArray', op: 'array-is-array' },
    { path: 'Array.from', op: 'array-from' },
    { path: 'String.fromCharCode', op: 'from-char-code' },
    { path: 'String.fromCodePoint', op: 'from-code-point' },
    { path: 'parseInt', op: 'parse-int' },
    { path: 'Number.parseInt', op: 'parse-int' },
    { path: 'parseFloat', op: 'parse-float' },
    { path: 'Number.parseFloat', op: 'parse-float' },
    { path: 'isNaN', op: 'is-nan' },
    { path: 'isFinite', op: 'is-finite' },
    { path: 'decodeURIComponent', op: 'decode-uri-component' },
    { path: 'decodeURI', op: 'decode-uri' },
    { path: 'encodeURIComponent', op: 'encode-uri-component' },
    { path: 'encodeURI', op: 'encode-uri' },
    { path: 'escape', op: 'percent-escape' },
    { path: 'unescape', op: 'percent-unescape' },
    { path: 'atob', op: 'base64-decode' },
    { path: 'btoa', op: 'base64-encode' },
    { path: 'Buffer.from', op: 'buffer-from' },
    { path: 'Object.keys', op: 'object-keys' },
    { path: 'Object.values', op: 'object-values' },
    { path: 'Object.entries', op: 'object-entries' },
    { path: 'Object.getOwnPropertyNames', op: 'object-get-own-property-names' },
    { path: 'Object.assign', op: 'object-assign' },
    { path: 'Object.create', op: 'object-create' },
    { path: 'Object.defineProperty', op: 'object-define-property' },
    { path: 'Object.freeze', op: 'object-freeze' },
    { path: 'Object.getPrototypeOf', op: 'object-get-prototype-of' },
    { path: 'Math.floor', op: 'math-floor' },
    { path: 'Math.ceil', op: 'math-ceil' },
    { path: 'Math.round', op: 'math-round' },
    { path: 'Math.trunc', op: 'math-trunc' },
    { path: 'Math.abs', op: 'math-abs' },
    { path: 'Math.sign', op: 'math-sign' },
    { path: 'Math.sqrt', op: 'math-sqrt' },
    { path: 'Math.min', op: 'math-min' },
    { path: 'Math.max', op: 'math-max' },
    { path: 'Math.pow', op: 'math-pow' },
    { path: 'Math.imul', op: 'math-imul' },
  ],
  constructorOfConstructor: 'Function',
  builtinPrefix: 'node:',
  // `process._linkedBinding` reaches an embedder's bindings (Electron's `electron_common_*`), never Node's
  // own; the same table applies, and an embedder's name is unresolved.
  bindingLoaders: ['process.binding', 'process._linkedBinding'],
  bindingLoaderModules: [
    { module: 'process', member: 'binding' },
    { module: 'process', member: '_linkedBinding' },
  ],
  // From Node's src/node_binding.cc (v20–v24 and main), the `natives`/`constants` pseudo-bindings, and
  // names older Node versions had (`timer_wrap`, `smalloc`, `domain`, `http_parser_llhttp`), which old
  // packages still probe.
  // Inert here means: no capability of the catalog without a handle some other, reported API made
  // (a TLS, HTTP/2 or HTTP parser layer works on a socket that tcp_wrap or net opened; stream_wrap and
  // tty_wrap write to handles that already exist) or one the catalog does not track at all (os, crypto, zlib).
  inertBindings: [
    'async_context_frame',
    'async_wrap',
    'block_list',
    'buffer',
    'cjs_lexer',
    'config',
    'constants',
    'crypto',
    'diagnostics_channel',
    'domain',
    'encoding_binding',
    'errors',
    'http2',
    'http_parser',
    'http_parser_llhttp',
    'icu',
    'internal_only_v8',
    'ipc_serdes',
    'js_stream',
    'js_udp_wrap',
    'locks',
    'messaging',
    'natives',
    'options',
    'os',
    'performance',
    'permission',
    'sea',
    'serdes',
    'signal_wrap',
    'smalloc',
    'stream_pipe',
    'stream_wrap',
    'string_decoder',
    'symbols',
    'task_queue',
    'timer_wrap',
    'timers',
    'tls_wrap',
    'trace_events',
    'tty_wrap',
    'types',
    'url',
    'url_pattern',
    'util',
    'uv',
    'v8',
    'wasm_web_api',
    'watchdog',
    'webstorage',
    'zlib',
  ],
  symbolFactories: ['Symbol', 'Symbol.for'],
  // Only the non-writable ones: `Symbol.metadata` or `Symbol.observable` may be absent, and then a
  // script can set them to any string.
  symbols: [
    'Symbol.asyncDispose',
    'Symbol.asyncIterator',
    'Symbol.dispose',
    'Symbol.hasInstance',
    'Symbol.isConcatSpreadable',
    'Symbol.iterator',
    'Symbol.match',
    'Symbol.matchAll',
    'Symbol.replace',
    'Symbol.search',
    'Symbol.species',
    'Symbol.split',
    'Symbol.toPrimitive',
    'Symbol.toStringTag',
    'Symbol.unscopables',
  ],
  // Reflection that only inspects its arguments, and the assertions and matchers of test code, which
  // compare or type-check them (`expect.any(Function)`, `assert.strictEqual(x, eval)`,
  // `sinon.match.instanceOf(Function)`). `Reflect.get`/`set` are absent: a getter runs with the receiver.
  valueArguments: [
    { callee: 'Object.defineProperty' },
    { callee: 'Object.freeze' },
    { callee: 'Object.getOwnPropertyDescriptor' },
    { callee: 'Object.getOwnPropertyDescriptors' },
    { callee: 'Object.getOwnPropertyNames' },
    { callee: 'Object.getOwnPropertySymbols' },
    { callee: 'Object.getPrototypeOf' },
    { callee: 'Object.hasOwn' },
    { callee: 'Object.is' },
    { callee: 'Object.keys' },
    { callee: 'Object.setPrototypeOf' },
    { callee: 'Reflect.defineProperty' },
    { callee: 'Reflect.getOwnPropertyDescriptor' },
    { callee: 'Reflect.getPrototypeOf' },
    { callee: 'Reflect.has' },
    { callee: 'Reflect.ownKeys' },
    { callee: 'Reflect.setPrototypeOf' },
    { callee: 'Array.isArray' },
    { callee: 'String' },
    { callee: 'Boolean' },
    { callee: 'any', method: true },
    { callee: 'deepEqual', method: true },
    { callee: 'deepStrictEqual', method: true },
    { callee: 'eql', method: true },
    { callee: 'equal', method: true },
    { callee: 'equals', method: true },
    { callee: 'instanceOf', method: true },
    { callee: 'instanceof', method: true },
    { callee: 'is', method: true },
    { callee: 'isFunction', method: true },
    { callee: 'not', method: true },
    { callee: 'notDeepEqual', method: true },
    { callee: 'notDeepStrictEqual', method: true },
    { callee: 'notEqual', method: true },
    { callee: 'notInstanceOf', method: true },
    { callee: 'notSame', method: true },
    { callee: 'notStrictEqual', method: true },
    { callee: 'ok', method: true },
    { callee: 'same', method: true },
    { callee: 'strictEqual', method: true },
    { callee: 'strictSame', method: true },
    { callee: 'toBe', method: true },
    { callee: 'toBeInstanceOf', method: true },
    { callee: 'toEqual', method: true },
    { callee: 'toStrictEqual', method: true },
    { callee: 'type', method: true },
  ],
};

export default runtime;
