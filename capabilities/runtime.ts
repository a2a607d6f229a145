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
  decoders: readonly { path: string; decode: 'charCodes' | 'base64' | 'bufferFrom' }[];
  /** `x.constructor.constructor` reaches this global (the Function constructor). */
  constructorOfConstructor: string;
  /** Module-name prefix that names a builtin explicitly. */
  builtinPrefix: string;
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
  ],
  constructorOfConstructor: 'Function',
  builtinPrefix: 'node:',
};

export default runtime;
