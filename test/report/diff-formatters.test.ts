import { describe, expect, it } from 'vitest';
import { formatDiffText, incompleteSides } from '../../src/report/formatters/diff-text.js';
import type { DiffReport } from '../../src/contract/index.js';

const PARSE_ERROR = { file: 'test/fixtures/bad.js', message: 'test/fixtures/bad.js: syntax error: Unexpected token (3:0); lexical scan only', reason: 'parse-error' };

/** One canonical diff: own and transitive changes, dependency changes, a partial new side. */
const CANONICAL_DIFF: DiffReport = {
  schemaVersion: 1,
  name: 'app',
  from: '1.0.0',
  to: '1.1.0',
  added: ['network'],
  removed: ['eval'],
  unchanged: ['env'],
  addedRuns: { network: ['install', 'call'], env: ['install'] },
  addedAtInstall: ['env', 'network'],
  install: { from: { runsAtInstall: false, scripts: {} }, to: { runsAtInstall: true, scripts: { postinstall: 'node setup.js' } } },
  newFindings: [
    { capability: 'network', api: 'https.request', file: 'lib/fetch.js', line: 2, column: 25, excerpt: 'module.exports = (u) => https.request(u).end();', confidence: 'high', runs: 'call' },
    { capability: 'env', api: 'process.env.PROXY', file: 'lib/fetch.js', line: 4, column: 13, excerpt: 'const proxy = process.env.PROXY;', confidence: 'high', runs: 'call' },
    { capability: 'network', api: 'https.get', file: 'setup.js', line: 3, column: 1, excerpt: "https.get(process.env.URL);", confidence: 'high', runs: 'install', runsReason: 'postinstall: node setup.js' },
  ],
  goneFindings: [{ capability: 'eval', api: 'eval', file: 'index.js', line: 9, column: 1, excerpt: 'eval(code)', confidence: 'high', runs: 'unreached' }],
  dependencies: { added: { runner: '^1.0.0' }, removed: {}, changed: { util: { from: '^1.0.0', to: '^1.2.0' } } },
  transitive: {
    added: [{ capability: 'shell', via: ['runner@1.0.0'] }],
    removed: [],
    newPackages: [{ package: 'runner@1.0.0', capabilities: ['shell'], via: ['runner@1.0.0'] }],
    resolution: 'publish-time',
    errors: [],
  },
  risk: 'high',
  status: 'partial',
  sides: {
    from: { status: 'ok', errors: [] },
    to: { status: 'partial', errors: [PARSE_ERROR, { file: 'dist/huge.js', message: 'file is over the 50 MB limit', reason: 'file-too-large' }] },
  },
};

describe('diff text formatter', () => {
  it('renders the canonical diff: the incomplete side first, then the changes, then the verdict', async () => {
    const out = formatDiffText(CANONICAL_DIFF);
    await expect(out).toMatchFileSnapshot('__snapshots__/diff.txt');
    for (const line of out.split('\n')) expect(line, 'no trailing spaces').toBe(line.trimEnd());
  });

  it('says once when both versions failed on the same files; nothing when both are complete', () => {
    const both: DiffReport = { ...CANONICAL_DIFF, sides: { from: { status: 'partial', errors: [PARSE_ERROR] }, to: { status: 'partial', errors: [PARSE_ERROR] } } };
    expect(incompleteSides(both)).toEqual([{ versions: ['1.0.0', '1.1.0'], side: both.sides.to }]);
    const text = formatDiffText(both);
    expect(text).toContain('Both 1.0.0 and 1.1.0 were not fully analysed (1 file each): the findings, and so this diff, may be incomplete\n  test/fixtures/bad.js: syntax error');
    expect(text).toMatch(/· incomplete: 1\.0\.0 and 1\.1\.0 not fully analysed/);
    const complete: DiffReport = { ...CANONICAL_DIFF, status: 'ok', sides: { from: { status: 'ok', errors: [] }, to: { status: 'ok', errors: [] } } };
    expect(formatDiffText(complete)).not.toMatch(/analysed|incomplete/);
  });

  it('says when what was gained runs: a package that starts running code at install first, install-time findings first', () => {
    const text = formatDiffText(CANONICAL_DIFF);
    const lines = text.split('\n');
    const at = (prefix: string) => lines.findIndex((l) => l.startsWith(prefix));
    expect(lines).toContain('now runs code at install: postinstall: node setup.js');
    expect(at('now runs code at install')).toBeLessThan(at('+ network'));
    expect(lines).toContain('+ env at install  (held before only at run time: its install-time code now uses it)');
    expect(lines).toContain('+ network  (new capability, runs at install, when called)');
    // The install-time finding leads the new findings.
    expect(lines.filter((l) => l.startsWith('+ network ') && l.includes(':'))[0]).toMatch(/^\+ network +https\.get +\[install\] +setup\.js:3/);
    expect(lines.at(-2)).toMatch(/1 new capability, 1 held one now used at install, 1 through dependencies, 3 new findings/);
    // A diff without `runs` (an older JSON report) renders as before.
    const old: DiffReport = { ...CANONICAL_DIFF, newFindings: CANONICAL_DIFF.newFindings.map(({ runs: _r, runsReason: _rr, ...f }) => f) };
    delete (old as Partial<DiffReport>).addedRuns;
    delete (old as Partial<DiffReport>).addedAtInstall;
    delete (old as Partial<DiffReport>).install;
    expect(formatDiffText(old)).toContain('+ network  (new capability)\n');
  });
});
