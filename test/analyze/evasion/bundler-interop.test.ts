/**
 * Bundler interop call sites: a module wrapped by an interop helper (esbuild's `__toESM`, TypeScript's
 * `__importDefault`/`__importStar`, Babel's `_interopRequireDefault`) must be found at the call through the
 * wrapper (`import_https.default.get(…)`), with the real API — also when a minifier renamed the helper,
 * so the engine reads what the helper returns instead of trusting its name. Fixtures come from the real
 * compilers at test time.
 */
import * as esbuild from 'esbuild';
import ts from 'typescript';
import { positionOf, testEvasionClass } from '../../helpers/evasion-tester.js';

const SOURCE = "import https from 'https';\nimport * as cp from 'child_process';\nhttps.get(process.argv[2]);\ncp.exec('id');\n";

function esbuildBundle(minify: boolean): string {
  const out = esbuild.buildSync({
    stdin: { contents: SOURCE, resolveDir: '.' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    minify,
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

function typescriptEmit(): string {
  return ts.transpileModule(SOURCE, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, esModuleInterop: true, target: ts.ScriptTarget.ES2019 },
  }).outputText;
}

/** TypeScript's output through esbuild's minifier: the helpers keep their shape, not their names. */
function typescriptMinified(): string {
  return esbuild.transformSync(typescriptEmit(), { minify: true, format: 'cjs', target: 'es2019' }).code;
}

const ESBUILD = esbuildBundle(false);
const ESBUILD_MIN = esbuildBundle(true);
const TSC = typescriptEmit();
const TSC_MIN = typescriptMinified();

/** The findings every build of SOURCE must give: each require, and each call at the call. */
function expected(code: string) {
  const requireHttps = code.indexOf('require("https")');
  const requireCp = code.indexOf('require("child_process")');
  return [
    { capability: 'network', ...positionOf(code, 'require("https")'), api: 'https' },
    { capability: 'network', ...positionOf(code, /[\w$]+\.default\.get\(/, requireHttps), api: 'https.get' },
    { capability: 'shell', ...positionOf(code, 'require("child_process")'), api: 'child_process' },
    { capability: 'shell', ...positionOf(code, /[\w$]+\.exec\(/, requireCp), api: 'child_process.exec' },
  ];
}

testEvasionClass('bundler interop call sites', {
  flags: [
    {
      name: 'esbuild bundle: __toESM(require("https")) then import_https.default.get(…)',
      code: ESBUILD,
      module: 'cjs',
      capabilities: ['network', 'shell', 'dynamic-require'],
      findings: expected(ESBUILD),
    },
    {
      name: 'esbuild bundle --minify: the helper renamed',
      code: ESBUILD_MIN,
      module: 'cjs',
      capabilities: ['network', 'shell', 'dynamic-require'],
      findings: expected(ESBUILD_MIN),
    },
    {
      name: 'TypeScript esModuleInterop: __importDefault, __importStar',
      code: TSC,
      module: 'cjs',
      capabilities: ['network', 'shell', 'dynamic-require'],
      findings: expected(TSC),
    },
    {
      name: 'TypeScript esModuleInterop, minified: the helpers renamed',
      code: TSC_MIN,
      module: 'cjs',
      capabilities: ['network', 'shell', 'dynamic-require'],
      findings: expected(TSC_MIN),
    },
    {
      code: 'function n(e){return e&&e.__esModule?e:{default:e}}var o=n(require("https"));o.default.get(u);',
      module: 'cjs',
      findings: [
        { capability: 'network', line: 1, column: 60, api: 'https', confidence: 'high' },
        { capability: 'network', line: 1, column: 78, api: 'https.get', confidence: 'high' },
      ],
    },
    {
      code: "function wrap(m) { return m }\nwrap(require('child_process')).exec('id')",
      module: 'cjs',
      findings: [
        { capability: 'shell', line: 2, column: 6, api: 'child_process', confidence: 'high' },
        { capability: 'shell', line: 2, column: 1, api: 'child_process.exec', confidence: 'high' },
      ],
    },
    {
      name: 'a helper that does not hand the module back: the require, nothing at the use',
      code: "function size(m) { return Object.keys(m).length }\nconst n = size(require('child_process'));\nn.exec",
      module: 'cjs',
      findings: [{ capability: 'shell', line: 2, column: 16, api: 'child_process', confidence: 'high' }],
    },
  ],
  clean: [
    { code: 'var import_local = __toESM(require("./local"));\nimport_local.default.get(url);', module: 'cjs' },
    { code: "const lib = _interopRequireDefault(require('./lib'));\nlib.default.exec('x')", module: 'cjs' },
    { code: 'function n(e){return e&&e.__esModule?e:{default:e}}var o=n(require("./https"));o.default.get(u);', module: 'cjs' },
    "function wrap(m) { return { run: () => m.exec } }\nwrap(tools).run()('x')",
  ],
});
