import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { formatAuditMarkdown } from '../../src/report/formatters/audit-markdown.js';
import { formatAuditText } from '../../src/report/formatters/audit-text.js';
import { formatAuditSarif } from '../../src/report/formatters/sarif.js';
import { CANONICAL_AUDIT } from './canonical-audit.js';

const require = createRequire(import.meta.url);

/** The official SARIF 2.1.0 JSON schema (OASIS, rtm.5), as shipped by @microsoft/jest-sarif. */
function sarifValidator() {
  const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as Record<string, unknown>;
  // The schema's language-tag pattern is not valid with the `u` flag (a lone `]`).
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

describe('audit formatters render the canonical audit', () => {
  it('SARIF 2.1.0 is valid against the official schema, one result per (package, capability) at the lockfile line', async () => {
    const text = formatAuditSarif(CANONICAL_AUDIT, { toolVersion: '0.1.0', lockfileUri: 'package-lock.json' });
    const log = JSON.parse(text) as { runs: { results: { ruleId: string; level: string; locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[] };
    const validate = sarifValidator();
    expect(validate(log), JSON.stringify(validate.errors, null, 2)).toBe(true);
    const results = log.runs[0]!.results.map((r) => `${r.ruleId}:${r.level}:${r.locations[0]!.physicalLocation.region.startLine}`);
    expect(results).toEqual(['env:warning:12', 'install-script:error:12', 'network:error:12', 'shell:error:12', 'filesystem:warning:30', 'native:error:70', 'native:error:71', 'not-analysed:warning:50']);
    await expect(text).toMatchFileSnapshot('__snapshots__/audit.sarif.json');
  });

  it('the schema check can fail: a result without a message is rejected', () => {
    const log = JSON.parse(formatAuditSarif(CANONICAL_AUDIT, { toolVersion: '0.1.0', lockfileUri: 'package-lock.json' })) as { runs: { results: Record<string, unknown>[] }[] };
    delete log.runs[0]!.results[0]!['message'];
    expect(sarifValidator()(log)).toBe(false);
  });

  it('markdown', async () => {
    await expect(formatAuditMarkdown(CANONICAL_AUDIT)).toMatchFileSnapshot('__snapshots__/audit.md');
  });

  it('text: what needs a decision first (high and critical, a platform family as one line, what was not analysed), the rest summarised', async () => {
    const text = formatAuditText(CANONICAL_AUDIT);
    const lines = text.split('\n');
    expect(lines[1]).toBe('6 packages: 1 runs code at install · 3 hold a high or critical capability · 1 only lower ones · 1 none · 1 not analysed');
    const groups = lines.filter((l) => /^[a-z -]+ \(\d+\)/.test(l));
    expect(groups[0]).toMatch(/^runs at install \(1\) · /);
    expect(groups.slice(1)).toEqual(['install-script (1)', 'native (2)', 'not fully analysed (1)', 'lower severity only (1): filesystem 1 (--all lists them)', 'no capability (1) (--all lists them)', 'lockfile problems (1)']);
    expect(text).toContain('\n  @esbuild/* (2 platform packages of esbuild) 0.21.5: native in 2\n');
    expect(text).not.toContain('fs-helper');
    // The header counts agree with the sections: held by, and listed under (each package once).
    expect(text).toContain('\n  native          high             2                2\n');
    expect(text).toContain('\n  shell           critical         1                0\n');
    await expect(text).toMatchFileSnapshot('__snapshots__/audit.txt');
  });

  it('runs at install stays short on a big lockfile: the riskiest install-time code first, a family as one, the rest named then counted', () => {
    const pkg = (name: string, caps: string[], family?: { parent: string; glob?: string }) => ({
      name, version: '1.0.0', source: 'registry' as const, dev: false, optional: false, key: `node_modules/${name}`, line: 1, status: 'ok' as const,
      capabilities: caps, counts: Object.fromEntries(caps.map((c) => [c, 1])), evidence: [], cached: true, tarballBytes: 0, parsedBytes: 0,
      ...(family ? { family } : {}),
      install: {
        scripts: { postinstall: 'node install.js' }, files: ['install.js'], programs: [], capabilities: caps,
        evidence: caps.map((c) => ({ capability: c, api: `${c}.api`, file: c === 'install-script' ? 'package.json' : 'install.js', line: 2, excerpt: `use(${c})` })),
      },
    });
    const many = Array.from({ length: 60 }, (_, i) => pkg(`plain-${String(i).padStart(2, '0')}`, ['install-script']));
    const family = ['a', 'b', 'c'].map((x) => pkg(`@fam/${x}`, ['install-script', 'native'], { parent: 'fam', glob: '@fam/*' }));
    const packages = [...many, pkg('dropper', ['install-script', 'network', 'shell']), ...family];
    const report = { ...CANONICAL_AUDIT, packages, summary: { ...CANONICAL_AUDIT.summary, packages: packages.length, errors: 0 }, diagnostics: [] };
    const lines = formatAuditText(report).split('\n');
    expect(lines[1]).toMatch(/^64 packages: 64 run code at install · /);
    expect(lines[3]).toMatch(/^runs at install \(64\) · /);
    // What else the code does ranks it: the dropper first, the family (native) next, as one entry.
    expect(lines.slice(4, 10)).toEqual([
      '  dropper@1.0.0  postinstall: node install.js',
      '    shell    shell.api    install.js:2  use(shell)',
      '    network  network.api  install.js:2  use(network)',
      '  @fam/* (3 platform packages of fam) 1.0.0  postinstall: node install.js',
      '    native  native.api  install.js:2  use(native)',
      '  plain-00@1.0.0  postinstall: node install.js · nothing found in the code it runs (install.js)',
    ]);
    const section = lines.slice(3, lines.indexOf('', 4));
    // 12 entries in full, then names for 40 more, then a count: the section stays under ~30 lines.
    expect(section.filter((l) => /^ {2}\S/.test(l) && !l.startsWith('  …'))).toHaveLength(12);
    expect(section.join('\n')).toMatch(/ {2}… and 50 more \(--all or --json shows them, `depcaps scripts` reviews them\): plain-10@1\.0\.0,\n/);
    expect(section.at(-1)).toMatch(/… 10 more$/);
    expect(section.length).toBeLessThan(30);
    // --all shows every one in full.
    const all = formatAuditText(report, { all: true });
    expect(all).toContain('\n  plain-59@1.0.0  postinstall: node install.js · nothing found in the code it runs (install.js)\n');
  });

  it('text --all: every package, families expanded, lower severities and capability-free packages listed', () => {
    const text = formatAuditText(CANONICAL_AUDIT, { all: true });
    expect(text.split('\n').filter((l) => /^[a-z -]+ \(\d+\)/.test(l)).slice(1)).toEqual(['install-script (1)', 'native (2)', 'not fully analysed (1)', 'filesystem (1)', 'no capability (1)', 'lockfile problems (1)']);
    expect(text).toContain('  @esbuild/* (2 platform packages of esbuild) 0.21.5: native in 2\n    @esbuild/darwin-arm64@0.21.5');
    expect(text).toMatch(/\n {2}fs-helper@2\.3\.1 +filesystem 4 {2}\[dev\]\n/);
    expect(text).toMatch(/\n {2}plain@0\.1\.0 +\[optional, as plain-alias\]\n/);
  });
});
