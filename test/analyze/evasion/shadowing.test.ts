/**
 * Shadowed bindings: a local that reuses a global's name holds whatever it was given, and a member that
 * the module it holds does not export (`child_process.pid`) is no use of the module's API: the import is
 * reported, nothing at the member.
 */
import { testEvasionClass } from '../../helpers/evasion-tester.js';

testEvasionClass('shadowed bindings', {
  flags: [
    {
      code: "var process = require('child_process');\nconsole.log(process.pid)",
      module: 'cjs',
      findings: [{ capability: 'shell', line: 1, column: 15, api: 'child_process', confidence: 'high' }],
    },
    {
      code: "var process = require('child_process');\nsend(process.env.HOME, process.platform)",
      module: 'cjs',
      findings: [{ capability: 'shell', line: 1, column: 15, api: 'child_process', confidence: 'high' }],
    },
    {
      code: "const child_process = require('child_process');\nif (child_process.connected) child_process.disconnect()",
      module: 'cjs',
      findings: [{ capability: 'shell', line: 1, column: 23, api: 'child_process', confidence: 'high' }],
    },
    {
      code: "var process = require('child_process');\nprocess.exec('id')",
      module: 'cjs',
      findings: [
        { capability: 'shell', line: 1, column: 15, api: 'child_process', confidence: 'high' },
        { capability: 'shell', line: 2, column: 1, api: 'child_process.exec', confidence: 'high' },
      ],
    },
    {
      code: "import * as cp from 'node:child_process';\nexport const kinds = [cp.default, cp.ChildProcess, cp.foo];",
      module: 'esm',
      findings: [
        { capability: 'shell', line: 1, column: 1, api: 'child_process', confidence: 'high' },
        { capability: 'shell', line: 2, column: 35, api: 'child_process.ChildProcess', confidence: 'high' },
      ],
    },
  ],
  clean: [
    'function f(process) { return process.env.SECRET }',
    { code: "const fetch = require('node-fetch');\nfetch('https://x.invalid')", module: 'cjs' },
    'function get(fetch) { return fetch(url) }',
    { code: 'let eval = (s) => s;\neval(input)', module: 'cjs' },
    'const global = { fetch: () => 1 };\nglobal.fetch()',
    'class Worker { exec(c) { return c } }\nnew Worker().exec(cmd)',
  ],
});
