/**
 * Decoders: module and global names decoded at run time (`decodeURIComponent`, `unescape`, `atob`,
 * Buffer encodings, char codes through `.apply`/`.call`/`.map`, a small XOR routine) are folded to the
 * name, so the capability is reported instead of a vague unresolved require.
 */
import { testEvasionClass } from '../../helpers/evasion-tester.js';

/** `child_process`, XOR 0x42, as `\xNN` escapes. */
const XORED = [...'child_process'].map((c) => `\\x${(c.charCodeAt(0) ^ 0x42).toString(16).padStart(2, '0')}`).join('');
const CODES = [...'child_process'].map((c) => c.charCodeAt(0)).join(',');

testEvasionClass('decoders', {
  flags: [
    {
      code: "require(decodeURIComponent('%63hild_process')).exec('id')",
      module: 'cjs',
      findings: [
        { capability: 'shell', line: 1, column: 1, api: 'child_process', confidence: 'medium' },
        { capability: 'shell', line: 1, column: 1, api: 'child_process.exec', confidence: 'medium' },
      ],
    },
    {
      code: "require(decodeURI('child%5Fprocess'))",
      module: 'cjs',
      findings: [{ capability: 'shell', line: 1, column: 1, api: 'child_process', confidence: 'medium' }],
    },
    {
      code: "require(unescape('%u0063hild%5Fprocess'))",
      module: 'cjs',
      findings: [{ capability: 'shell', line: 1, column: 1, api: 'child_process', confidence: 'medium' }],
    },
    {
      code: `require(String.fromCharCode.apply(null, [${CODES}]))`,
      module: 'cjs',
      findings: [{ capability: 'shell', line: 1, column: 1, api: 'child_process', confidence: 'medium' }],
    },
    {
      code: 'globalThis[String.fromCharCode.call(null, 101, 118, 97, 108)](payload)',
      findings: [{ capability: 'eval', line: 1, column: 1, api: 'eval', confidence: 'medium' }],
    },
    {
      code: `const name = [${CODES}].map((c) => String.fromCharCode(c)).join('');\nrequire(name).execSync('id')`,
      module: 'cjs',
      findings: [
        { capability: 'shell', line: 2, column: 1, api: 'child_process', confidence: 'medium' },
        { capability: 'shell', line: 2, column: 1, api: 'child_process.execSync', confidence: 'medium' },
      ],
    },
    {
      code: "require(atob('Y2hpbGRfcHJvY2Vzcw=='))",
      module: 'cjs',
      findings: [{ capability: 'shell', line: 1, column: 1, api: 'child_process', confidence: 'medium' }],
    },
    {
      code: "require(Buffer.from('6368696c645f70726f63657373', 'hex').toString())",
      module: 'cjs',
      findings: [{ capability: 'shell', line: 1, column: 1, api: 'child_process', confidence: 'medium' }],
    },
    {
      code: `require(Buffer.from([${CODES}]).toString('utf8'))`,
      module: 'cjs',
      findings: [{ capability: 'shell', line: 1, column: 1, api: 'child_process', confidence: 'medium' }],
    },
    {
      name: 'a small XOR decoder function',
      code: `function x(s, k) { let o = ''; for (let i = 0; i < s.length; i++) o += String.fromCharCode(s.charCodeAt(i) ^ k); return o; }\nrequire(x('${XORED}', 0x42)).exec('id')`,
      module: 'cjs',
      findings: [
        { capability: 'shell', line: 2, column: 1, api: 'child_process', confidence: 'medium' },
        { capability: 'shell', line: 2, column: 1, api: 'child_process.exec', confidence: 'medium' },
      ],
    },
    {
      code: "const k = escape('ev') === 'ev' ? unescape('%65%76%61%6C') : 'x';\nglobalThis[k](payload)",
      findings: [{ capability: 'eval', line: 2, column: 1, api: 'eval', confidence: 'medium' }],
    },
  ],
  clean: [
    "const p = decodeURIComponent('%2Fhome%2Fuser');",
    { code: "require(decodeURIComponent('.%2Flocal'))", module: 'cjs' },
    'const s = String.fromCharCode.apply(null, bytes);\nlog(s)',
    "console.log(unescape('%41'))",
    `const name = [${CODES}].map((c) => String.fromCharCode(c)).join('');\nlog(name)`,
  ],
});
