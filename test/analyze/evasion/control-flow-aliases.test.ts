/**
 * Aliases through control flow: a loader or a global picked by a conditional, `||`/`??`, or the last
 * element of a sequence. Any branch may run, so the one that names a capability is the one reported.
 */
import { testEvasionClass } from '../../helpers/evasion-tester.js';

testEvasionClass('aliases through control flow', {
  flags: [
    {
      code: "const req = typeof __non_webpack_require__ === 'function' ? __non_webpack_require__ : require;\nreq('child_process').exec('id')",
      module: 'cjs',
      findings: [
        { capability: 'shell', line: 2, column: 1, api: 'child_process', confidence: 'medium' },
        { capability: 'shell', line: 2, column: 1, api: 'child_process.exec', confidence: 'medium' },
      ],
    },
    {
      code: "const r = global.customRequire || require;\nr('fs').readFileSync('/etc/passwd')",
      module: 'cjs',
      findings: [
        { capability: 'filesystem', line: 2, column: 1, api: 'fs', confidence: 'medium' },
        { capability: 'filesystem', line: 2, column: 1, api: 'fs.readFileSync', confidence: 'medium' },
      ],
    },
    {
      code: "let r;\nr = process.browser ? null : require;\nr('child_process').spawn('sh')",
      module: 'cjs',
      findings: [
        { capability: 'shell', line: 3, column: 1, api: 'child_process', confidence: 'medium' },
        { capability: 'shell', line: 3, column: 1, api: 'child_process.spawn', confidence: 'medium' },
      ],
    },
    {
      code: "const load = (init(), require);\nload('net').connect(80)",
      module: 'cjs',
      findings: [
        { capability: 'network', line: 2, column: 1, api: 'net', confidence: 'medium' },
        { capability: 'network', line: 2, column: 1, api: 'net.connect', confidence: 'medium' },
      ],
    },
    {
      code: "(0, require)('child_process').execSync('id')",
      module: 'cjs',
      findings: [
        { capability: 'shell', line: 1, column: 1, api: 'child_process', confidence: 'high' },
        { capability: 'shell', line: 1, column: 1, api: 'child_process.execSync', confidence: 'high' },
      ],
    },
    {
      code: 'const f = fetchOverride ?? globalThis.fetch;\nf(url)',
      findings: [
        { capability: 'network', line: 1, column: 28, api: 'fetch', confidence: 'high' },
        { capability: 'network', line: 2, column: 1, api: 'fetch', confidence: 'medium' },
      ],
    },
    {
      code: "const run = window.execScript || eval;\nrun(payload)",
      findings: [{ capability: 'eval', line: 2, column: 1, api: 'eval', confidence: 'medium' }],
    },
  ],
  clean: [
    { code: "const req = typeof __non_webpack_require__ === 'function' ? __non_webpack_require__ : require;\nreq('./local.js')", module: 'cjs' },
    "const pick = cond ? loadA : loadB;\npick('child_process')",
    "const r = custom || loader;\nr('child_process')",
    "(0, helpers.run)('child_process')",
    "const log = console.log || noop;\nlog('child_process')",
    "const g = typeof globalThis !== 'undefined' ? globalThis : window;\ng.addEventListener('load', init)",
  ],
});
