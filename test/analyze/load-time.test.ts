/**
 * Load time vs call time inside one file: each case marks lines with `// load` (the finding there runs
 * when the module is evaluated) or `// call` (only when a function is called). Every marked line must
 * have a finding, and every finding on it must be on that side.
 */
import { describe, expect, it } from 'vitest';
import { analyzeSource } from '../../src/analyze/file.js';

const CASES: Record<string, string> = {
  'top level, blocks, loops and try are load time': `
const fs = require('fs'); // load
if (process.env.CI) { fs.readFileSync('a'); } // load
for (const f of []) { try { fs.statSync(f); } catch {} } // load
`,
  'a function merely declared, exported or assigned runs when called': `
const fs = require('fs'); // load
function helper() { fs.readFileSync('a'); } // call
module.exports = function () { return process.env.HOME; }; // call
exports.run = () => fs.writeFileSync('x', 'y'); // call
const api = { get home() { return process.env.HOME; }, read() { return fs.readFileSync('b'); } }; // call
`,
  'an IIFE runs where it stands, in every spelling': `
(function () { process.env.A; })(); // load
(() => { process.env.B; })(); // load
!function () { process.env.C; }(); // load
(function () { process.env.D; }).call(this); // load
(function () { process.env.E; }).apply(this, []); // load
new function () { process.env.F; }(); // load
`,
  'a callback handed to a call made at load time runs then': `
const fs = require('fs'); // load
fs.readFile('p', (err, data) => { require('child_process').exec('ls'); }); // load
new Promise(function (resolve) { resolve(process.env.TOKEN); }); // load
[1, 2].forEach(function () { fs.unlinkSync('x'); }); // load
process.on('exit', () => fs.rmSync('tmp')); // load
`,
  'a callback handed to a call inside a function runs when that function is called': `
const fs = require('fs'); // load
module.exports = function () { fs.readFile('p', () => { process.env.X; }); }; // call
`,
  'a function called by name from load-time code runs at load time, transitively': `
const https = require('https'); // load
function main() { helper(); }
function helper() { https.get('https://x.example/'); } // load
main();
const run = async () => { eval('1'); }; // load
run().catch(() => {});
function unused() { process.env.NEVER; } // call
`,
  'a named function called only from call-time code stays call time': `
function inner() { process.env.LATER; } // call
module.exports = function outer() { inner(); };
`,
  'class bodies: static parts at definition, instance parts and methods when used': `
class A {
  static s = process.env.STATIC; // load
  i = process.env.INSTANCE; // call
  static { process.env.BLOCK; } // load
  m() { return process.env.METHOD; } // call
  [process.env.KEY]() {} // load
}
`,
  'default parameter values are evaluated at each call': `
function f(cp = require('child_process')) { return cp; } // call
`,
  'dynamic imports and unresolved requires keep their side': `
require(process.argv[2]); // load
module.exports = (n) => require(n); // call
`,
};

function marks(code: string): Map<number, 'load' | 'call'> {
  const out = new Map<number, 'load' | 'call'>();
  code.split('\n').forEach((line, i) => {
    const m = /\/\/ (load|call)\s*$/.exec(line);
    if (m) out.set(i + 1, m[1] as 'load' | 'call');
  });
  return out;
}

describe('load time and call time within a file', () => {
  for (const [name, code] of Object.entries(CASES)) {
    it(name, () => {
      const r = analyzeSource(code, 'case.js');
      expect(r.errors).toEqual([]);
      const callTime = new Set(r.module?.callTime ?? []);
      const seen = new Map<number, Set<string>>();
      r.findings.forEach((f, i) => {
        const set = seen.get(f.line) ?? new Set<string>();
        set.add(callTime.has(i) ? 'call' : 'load');
        seen.set(f.line, set);
      });
      const expected = marks(code);
      expect(expected.size).toBeGreaterThan(0);
      const got: Record<number, string> = {};
      const want: Record<number, string> = {};
      for (const [line, side] of expected) {
        want[line] = side;
        got[line] = [...(seen.get(line) ?? ['no finding'])].sort().join('+');
      }
      expect(got).toEqual(want);
    });
  }
});

describe('module facts', () => {
  it('records static specifiers once, with whether any site loads them at load time; builtins are not edges', () => {
    const r = analyzeSource(
      "import a from './a.js';\nexport * from '../b';\nconst fs = require('fs');\nrequire('./c');\nfunction f() { require('./c'); require('./lazy'); return import('pkg/sub'); }\n",
      'x.mjs',
    );
    expect(r.module?.specifiers).toEqual([
      { spec: '../b', load: true },
      { spec: './a.js', load: true },
      { spec: './c', load: true },
      { spec: './lazy', load: false },
      { spec: 'pkg/sub', load: false },
    ]);
  });

  it('records unresolved loads with their constant prefix and position', () => {
    const r = analyzeSource("const name = process.argv[2];\nrequire('./locale/' + name);\nimport(`./plugins/${name}.js`);\nrequire(name);\n", 'x.js');
    expect(r.module?.dynamic).toEqual([
      { kind: 'require', line: 2, column: 1, prefix: './locale/', load: true },
      { kind: 'import', line: 3, column: 1, prefix: './plugins/', load: true },
      { kind: 'require', line: 4, column: 1, load: true },
    ]);
  });

  it('records file names in literal call arguments: what a child process or a load by path may run', () => {
    const r = analyzeSource(
      "const cp = require('child_process');\ncp.fork('./child.js');\ncp.spawn(process.execPath, ['lib/payload.js'], { detached: true });\ncp.exec('sh ./install.sh --quiet');\ncp.exec('curl https://x.example/a.js');\n",
      'x.js',
    );
    expect(r.module?.fileNames).toEqual(['./child.js', './install.sh', 'lib/payload.js']);
  });

  it('a file that does not parse gets its facts by pattern, every finding at load time', () => {
    const r = analyzeSource("require('./a');\nconst x = require(name);\nfunction f() { return import('./b.mjs') }\n<<<broken", 'x.js');
    expect(r.errors[0]?.reason).toBe('parse-error');
    expect(r.module?.lexical).toBe(true);
    expect(r.module?.specifiers.map((s) => s.spec)).toEqual(['./a', './b.mjs']);
    expect(r.module?.dynamic.map((d) => `${d.kind}:${d.line}`)).toEqual(['require:2']);
    expect(r.module?.callTime).toEqual([]);
  });
});
