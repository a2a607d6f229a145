/**
 * Syntax that current TypeScript and JavaScript ship, and that Node runs, parses (issue 10, item 5):
 * each case is analysed and must yield its finding with no file error, so the capability inside the
 * new syntax is seen, not only the parse.
 */
import { describe, expect, it } from 'vitest';
import { analyzeSource } from '../../src/analyze/file.js';
import { parseSource } from '../../src/analyze/parse.js';

/** `file` decides the parser's plugins; `code` uses the shell somewhere inside the syntax under test. */
const CASES: { name: string; file: string; code: string; line: number }[] = [
  {
    name: 'decorators with auto-accessors, as puppeteer-core 25 ships them in src/bidi/*.ts',
    file: 'src/bidi/Browser.ts',
    code: [
      "import { exec } from 'node:child_process';",
      'export class Browser {',
      '  @bubble()',
      '  accessor browserCore: Core;',
      '  static accessor count = 0;',
      '  @inertIfDisposed',
      '  close(): void { exec(this.cmd); }',
      '}',
    ].join('\n'),
    line: 1,
  },
  {
    name: 'decorators before and after export, and parenthesised decorator calls',
    file: 'lib/a.ts',
    code: "@sealed export class A {}\nexport @sealed class B { @(cfg.dec()) m() { require('child_process').exec('x'); } }",
    line: 2,
  },
  {
    name: 'experimentalDecorators parameter decorators (Angular, NestJS)',
    file: 'lib/service.ts',
    code: "class S {\n  constructor(@Inject(TOKEN) private readonly x: X) {}\n  run() { return require('child_process').execSync('ls'); }\n}",
    line: 3,
  },
  {
    name: 'decorators and accessors in plain JavaScript (Lit, MobX sources)',
    file: 'src/el.js',
    code: "@customElement('x-el')\nclass El { @property() accessor name = ''; go() { require('child_process').spawn('x'); } }",
    line: 2,
  },
  {
    name: '`using` and `await using` declarations',
    file: 'lib/res.mjs',
    code: "import cp from 'node:child_process';\n{ using handle = open(); await using conn = connect(); cp.exec(handle.cmd); }",
    line: 1,
  },
  {
    name: 'import attributes with `with`',
    file: 'lib/cfg.mjs',
    code: "import data from './data.json' with { type: 'json' };\nimport { exec } from 'node:child_process';\nexec(data.cmd);",
    line: 2,
  },
  {
    name: 'import assertions with `assert` (Node 20 runs them)',
    file: 'lib/cfg-old.mjs',
    code: "import data from './data.json' assert { type: 'json' };\nimport { exec } from 'node:child_process';\nexec(data.cmd);",
    line: 2,
  },
  {
    name: 'a pre-ES2017 script where `await` is an identifier',
    file: 'lib/old.js',
    code: "var await = require('child_process').exec;\nawait: while (true) break await;\nmodule.exports = await;",
    line: 1,
  },
];

describe('parse: what current TypeScript and JavaScript ship', () => {
  for (const c of CASES) {
    it(c.name, () => {
      expect(() => parseSource(c.code, c.file)).not.toThrow();
      const r = analyzeSource(c.code, c.file);
      expect(r.errors).toEqual([]);
      expect(r.findings.filter((f) => f.capability === 'shell').map((f) => f.line)).toContain(c.line);
      expect(r.findings.every((f) => f.confidence !== 'low'), 'found by the AST walk, not the lexical fallback').toBe(true);
    });
  }

  it('still fails on what is not JavaScript (an EJS template)', () => {
    expect(() => parseSource('export default defineConfig({\n  title: <%= title %>,\n})\n', 'config.js')).toThrow(/syntax error/);
  });
});
