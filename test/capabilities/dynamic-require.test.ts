import { testCapability } from '../helpers/capability-tester.js';

testCapability('dynamic-require', {
  valid: [
    // Symbol keys name no global.
    "globalThis[Symbol.for('undici.globalDispatcher.1')]",
    "const kGlobal = Symbol('kGlobal');\nglobalThis[kGlobal] = globalThis[kGlobal] || new Map()",
    'window[Symbol.iterator]; self[Symbol.toStringTag]',
    "const { [Symbol.for('x')]: dispatcher } = globalThis",
    "const k = typeof Symbol === 'function' && Symbol.for && Symbol.for('k');\nglobal[k]",
    "var kSym = typeof Symbol === 'function' ? Symbol('k') : '@@k';\nglobalThis[kSym]",
    // Internal bindings the catalog classifies.
    "process.binding('util').getHiddenValue(x); process.binding('natives')",
    "import('./locale/en.js'); import(`./static.js`)",
    'obj[key]; process.env[key]; window.localStorage[key]',
    'const table = {};\ntable[name]()',
    { code: "require('./local'); require('fs'); require('some-package/sub')", module: 'cjs' },
    { code: "require('child_' + 'process'); require(`n${'et'}`)", module: 'cjs' },
    { code: "const name = 'os';\nrequire(name)", module: 'cjs' },
    { code: "const where = require.resolve('./package.json')", module: 'cjs' },
    { code: "function require(id) { return registry[id] }\nrequire(name)", module: 'cjs' },
    { code: "import plugin from './plugin.js';\nexport default plugin", module: 'esm' },
    // A path built on the module's directory from constants is a static load of a file (a graph edge).
    { code: "const path = require('path');\nconst pkg = require(path.join(__dirname, '..', 'package.json'))", module: 'cjs' },
    { code: "require(__dirname + '/lib/x.js'); require(`${__dirname}/y.js`)", module: 'cjs' },
  ],
  invalid: [
    { code: 'require(name)', module: 'cjs', findings: [{ line: 1, column: 1, api: 'require(…)', confidence: 'low' }] },
    {
      code: 'const where = require.resolve(name)',
      module: 'cjs',
      evasion: 'a module located by a name chosen at run time (then forked, imported or handed to a worker)',
      findings: [{ line: 1, column: 15, api: 'require.resolve(…)', confidence: 'low' }],
    },
    {
      code: "const id = process.argv[2];\nrequire(id)",
      module: 'cjs',
      findings: [{ line: 2, column: 1, api: 'require(…)', confidence: 'low' }],
    },
    {
      code: "require(path.join(__dirname, 'plugins', p))",
      module: 'cjs',
      findings: [{ line: 1, column: 1, api: 'require(…)', confidence: 'low' }],
    },
    { code: 'import(spec).then((m) => m.default)', findings: [{ line: 1, column: 1, api: 'import(…)', confidence: 'low' }] },
    {
      code: 'const mod = await import(`./locale/${lang}.js`)',
      module: 'esm',
      findings: [{ line: 1, column: 19, api: 'import(…)', confidence: 'low' }],
    },
    { code: 'module.require(x)', module: 'cjs', evasion: 'module.require', findings: [{ line: 1, column: 1, api: 'module.require(…)', confidence: 'low' }] },
    {
      code: 'process.mainModule.require(x)',
      module: 'cjs',
      evasion: 'process.mainModule.require',
      findings: [{ line: 1, column: 1, api: 'process.mainModule.require(…)', confidence: 'low' }],
    },
    { code: 'global[k]', evasion: 'computed global', findings: [{ line: 1, column: 1, api: 'globalThis[…]', confidence: 'low' }] },
    { code: "globalThis[key]('x')", evasion: 'computed global call', findings: [{ line: 1, column: 1, api: 'globalThis[…]', confidence: 'low' }] },
    {
      code: 'const g = globalThis;\ng[a + b]()',
      evasion: 'globalThis alias',
      findings: [{ line: 2, column: 1, api: 'globalThis[…]', confidence: 'low' }],
    },
    {
      code: 'const { [k]: fn } = window;\nfn()',
      evasion: 'destructuring with an unresolved key',
      findings: [
        { line: 1, column: 14, api: 'globalThis[…]', confidence: 'low' },
        { line: 2, column: 1, api: 'globalThis[…]', confidence: 'low' },
      ],
    },
    {
      code: 'const r = require;\nr(mod)',
      module: 'cjs',
      evasion: 'require aliased through a variable',
      findings: [{ line: 2, column: 1, api: 'require(…)', confidence: 'low' }],
    },
    {
      code: '(function (req) { return req(name) })(require)',
      module: 'cjs',
      evasion: 'require passed to an IIFE',
      findings: [{ line: 1, column: 26, api: 'require(…)', confidence: 'low' }],
    },
    {
      code: "const load = typeof require === 'function' ? require : null;\nload(name)",
      module: 'cjs',
      evasion: 'guarded require alias',
      findings: [{ line: 2, column: 1, api: 'require(…)', confidence: 'low' }],
    },
    {
      code: 'var modules = { 7: function (module, exports, require) { module.exports = require(id) } }',
      module: 'cjs',
      evasion: 'bundle module wrapper',
      findings: [{ line: 1, column: 75, api: 'require(…)', confidence: 'low' }],
    },
    {
      code: "let k = Symbol('x');\nk = name;\nglobalThis[k]",
      evasion: 'a name that is a symbol only sometimes',
      findings: [{ line: 3, column: 1, api: 'globalThis[…]', confidence: 'low' }],
    },
    {
      code: "globalThis[flag ? Symbol('x') : name]",
      evasion: 'symbol or unknown key',
      findings: [{ line: 1, column: 1, api: 'globalThis[…]', confidence: 'low' }],
    },
    { code: 'process.binding(name)', findings: [{ line: 1, column: 1, api: 'process.binding(…)', confidence: 'low' }] },
    {
      code: "process._linkedBinding('electron_common_features')",
      findings: [{ line: 1, column: 1, api: "process._linkedBinding('electron_common_features')", confidence: 'low' }],
    },
    {
      code: 'const load = process.binding;\nload(id)',
      evasion: 'binding loader aliased',
      findings: [{ line: 2, column: 1, api: 'process.binding(…)', confidence: 'low' }],
    },
    {
      code: "process['bind' + 'ing'](String.fromCharCode(119, 111, 114, 107, 101, 114))",
      evasion: 'unclassified binding, char-code name',
      findings: [{ line: 1, column: 1, api: "process.binding('worker')", confidence: 'low' }],
    },
  ],
});
