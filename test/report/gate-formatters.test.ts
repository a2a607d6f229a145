import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type { GatePackage, GateReport } from '../../src/contract/index.js';
import { formatGateGithub } from '../../src/report/formatters/gate-github.js';
import { formatGateMarkdown } from '../../src/report/formatters/gate-markdown.js';
import { formatGateSarif } from '../../src/report/formatters/gate-sarif.js';
import { formatGateText } from '../../src/report/formatters/gate-text.js';
import { CANONICAL_GATE, EMPTY_GATE, HOSTILE_EXCERPT, HOSTILE_NAME } from './canonical-gate.js';

const require = createRequire(import.meta.url);
const SARIF_OPTIONS = { toolVersion: '0.1.0', lockfileUri: 'package-lock.json' };

/** The official SARIF 2.1.0 JSON schema (OASIS, rtm.5), as shipped by @microsoft/jest-sarif. */
function sarifValidator() {
  const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as Record<string, unknown>;
  // The schema's language-tag pattern is not valid with the `u` flag (a lone `]`).
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

interface SarifResult {
  ruleId: string;
  level: string;
  message: { text: string };
  locations: { physicalLocation: { region: { startLine: number } } }[];
  partialFingerprints: Record<string, string>;
}
const sarifResults = (text: string) => (JSON.parse(text) as { runs: { results: SarifResult[] }[] }).runs[0]!.results;

/** Removes code spans as CommonMark reads them: a run of n backticks up to the next run of exactly n. */
const stripCodeSpans = (line: string) => line.replace(/(?<!`)(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, '');
const OUR_TAGS = /<\/?(details|summary|code)>/g;

/**
 * What could make a gate comment render other than as written: a table row with a cell too many (a raw `|`),
 * HTML outside code spans other than our own tags, or unbalanced `<details>`. Fenced blocks are skipped.
 */
function markdownProblems(md: string): string[] {
  const problems: string[] = [];
  let fence: string | undefined;
  let open = 0;
  for (const line of md.split('\n')) {
    const f = /^(`{3,})/.exec(line)?.[1];
    if (fence !== undefined) {
      if (f !== undefined && line.trim() === fence) fence = undefined;
      continue;
    }
    if (f !== undefined) {
      fence = f;
      continue;
    }
    if (line.startsWith('|') && (line.match(/(?<!\\)\|/g) ?? []).length !== 6) problems.push(`cells: ${line}`);
    const outside = stripCodeSpans(line).replace(/<summary><code>[^<]*<\/code>/g, '<summary>');
    for (const m of outside.matchAll(OUR_TAGS)) if (m[0] === '<details>') open += 1; else if (m[0] === '</details>') open -= 1;
    if (/</.test(outside.replace(OUR_TAGS, ''))) problems.push(`html: ${line}`);
  }
  if (open !== 0) problems.push(`unbalanced <details>: ${open}`);
  return problems;
}

/** A changed package that gains `capability` and violates the policy; `size` pads its evidence. */
function violating(i: number, size: number): { pkg: GatePackage; violation: GateReport['violations'][number] } {
  const name = `pkg-${String(i).padStart(5, '0')}`;
  const pkg: GatePackage = {
    name, change: 'added', to: '1.0.0', version: '1.0.0', source: 'registry', dev: false, optional: false, key: `node_modules/${name}`, line: i + 1,
    status: 'ok', capabilities: ['shell'], gained: ['shell'], lost: [], transitive: [], via: [`${name}@1.0.0`],
    evidence: Array.from({ length: 3 }, (_, n) => ({ capability: 'shell', api: 'child_process.exec', file: `lib/${'d/'.repeat(size)}x.js`, line: n + 1, column: 1, excerpt: 'x'.repeat(size * 4) })),
    policy: { rule: 'default', allowed: [] },
  };
  return {
    pkg,
    violation: { package: `${name}@1.0.0`, name, version: '1.0.0', kind: 'gained', capability: 'shell', message: `${name} has shell`, key: pkg.key, line: pkg.line, rule: 'default', via: pkg.via },
  };
}

describe('gate formatters render the canonical gate', () => {
  it('markdown: verdict headline, counts, table, evidence, incomplete packages, the policy to accept', async () => {
    const md = formatGateMarkdown(CANONICAL_GATE);
    expect(md.split('\n')[0]).toBe('### ❌ depcaps: 4 dependency changes need review');
    await expect(md).toMatchFileSnapshot('__snapshots__/gate.md');
  });

  it('markdown: the suggested policy is valid JSON, one sorted line per package', () => {
    const md = formatGateMarkdown(CANONICAL_GATE);
    const block = /\n(`{3,})json\n([\s\S]*?)\n\1\n/.exec(md);
    expect(block).not.toBeNull();
    expect(JSON.parse(block![2]!)).toEqual({ packages: { 'evil-pkg': { allow: ['install-script', 'network'] }, [HOSTILE_NAME]: { allow: ['eval'] }, 'left-pad': { allow: ['network'] } } });
    expect(block![2]!.split('\n').slice(2, 5).map((l) => l.trim().split('"')[1])).toEqual(['evil-pkg', HOSTILE_NAME, 'left-pad']);
    expect(formatGateMarkdown({ ...CANONICAL_GATE, verdict: 'pass', violations: [] })).not.toContain('To accept this change');
  });

  it('markdown: a hostile name or excerpt cannot break the table or inject HTML', () => {
    const md = formatGateMarkdown(CANONICAL_GATE);
    expect(md).toContain('````eval(atob(p))\\x1b[2J ` </details><script>alert(1)</script> ``` | x | y | ::error::injected````');
    expect(markdownProblems(md)).toEqual([]);
    // The checker itself can fail: the excerpt in a plain code span, or a name in a cell unescaped.
    expect(markdownProblems(`- \`${HOSTILE_EXCERPT.replace(/\n/g, ' ')}\``)).not.toEqual([]);
    expect(markdownProblems(`| \`${HOSTILE_NAME}\` | a | b | c | d |`)).not.toEqual([]);
  });

  it('markdown: package names link to the lockfile line when given a URL builder', () => {
    const md = formatGateMarkdown(CANONICAL_GATE, { lockfileUrl: (line) => `https://github.com/o/r/blob/abc/package-lock.json#L${line}` });
    expect(md).toContain('| [`left-pad`](https://github.com/o/r/blob/abc/package-lock.json#L20) | upgraded 1.2.0 → 1.3.0 |');
    expect(markdownProblems(md)).toEqual([]);
  });

  it('markdown: stays under the comment limit and says how much was left out', () => {
    const many = Array.from({ length: 3000 }, (_, i) => violating(i, 40));
    const report: GateReport = {
      ...CANONICAL_GATE,
      packages: many.map((m) => m.pkg),
      violations: many.map((m) => m.violation),
      summary: { ...CANONICAL_GATE.summary, added: 3000, removed: 0, upgraded: 0, downgraded: 0, changed: 0, violations: 3000, incomplete: 0 },
      suggestedPolicy: Object.fromEntries(many.map((m) => [m.pkg.name, { allow: ['shell'] }])),
    };
    const md = formatGateMarkdown(report);
    expect(md.length).toBeLessThan(65_536);
    expect(md).toContain('### ❌ depcaps: 3000 dependency changes need review');
    expect(md).toMatch(/… 2900 more packages left out/);
    expect(md).toMatch(/… evidence for \d+ more packages left out/);
    expect(md).toMatch(/… \d+ more entries left out/);
    const block = /\n(`{3,})json\n([\s\S]*?)\n\1\n/.exec(md);
    expect(Object.keys((JSON.parse(block![2]!) as { packages: object }).packages).length).toBeGreaterThan(0);
    expect(markdownProblems(md)).toEqual([]);
  });

  it('github: one annotation per violation at the lockfile line, then a notice', () => {
    const out = formatGateGithub(CANONICAL_GATE, { lockfileUri: 'package-lock.json' });
    expect(out.split('\n')).toEqual([
      '::error file=package-lock.json,line=80,title=depcaps%3A big-bundle@3.1.0 not fully analysed::big-bundle@3.1.0 was not fully analysed: dist/big.js: file-too-large (6.1 MiB > 5 MiB)%0Apolicy rule: default',
      '::error file=package-lock.json,line=40,title=depcaps%3A evil-pkg@1.0.0 gained install-script::evil-pkg@1.0.0 (added) has install-script; policy rule default does not allow it%0Aevidence: package.json:7 postinstall: curl, pipe to shell%0Apath: build-tools@4.1.0 › evil-pkg@1.0.0%0Apolicy rule: default',
      '::error file=package-lock.json,line=40,title=depcaps%3A evil-pkg@1.0.0 gained network::evil-pkg@1.0.0 (added) has network; policy rule default does not allow it%0Aevidence: lib/index.js:4 https.get%0Apath: build-tools@4.1.0 › evil-pkg@1.0.0%0Apolicy rule: default',
      '::error file=package-lock.json,line=60,title=depcaps%3A h%25st%2Cile%3A`|<img src=x onerror=alert(1)>@0.0.1 gained eval::h%25st,ile:`|<img src=x onerror=alert(1)>@0.0.1 (added) has eval: eval(atob(p))\\x1b[2J ` </details><script>alert(1)</script> ``` | x | y |%0A::error::injected%0D%0A::warning::also injected%0Aevidence: index.js:1 eval%0Apolicy rule: default',
      '::error file=package-lock.json,line=20,title=depcaps%3A left-pad@1.3.0 gained network::left-pad 1.2.0 → 1.3.0 gained network through tiny-fetch@2.0.0; policy rule default does not allow it%0Avia tiny-fetch@2.0.0%0Apolicy rule: default',
      '::notice title=depcaps gate::depcaps gate failed: 5 violations in 10 dependency changes (3 added, 4 upgraded, 1 downgraded, 1 removed, 1 changed)',
      '',
    ]);
  });

  it('github: a hostile name or message cannot start a command of its own, and survives unescaping intact', () => {
    const hostile = CANONICAL_GATE.violations.find((v) => v.name === HOSTILE_NAME)!;
    expect(hostile.message).toMatch(/\n::error::/);
    expect(hostile.message).toMatch(/\r\n::warning::/);
    const out = formatGateGithub(CANONICAL_GATE, { lockfileUri: 'package-lock.json' });
    const lines = out.trimEnd().split('\n');
    // The runner reads a command from each line that starts with `::`: exactly ours, no more.
    expect(lines.filter((l) => l.startsWith('::')).map((l) => /^::(\w+) /.exec(l)?.[1])).toEqual(['error', 'error', 'error', 'error', 'error', 'notice']);
    expect(out).not.toMatch(/[\r\u001b]/);
    const line = lines[3]!;
    const [, props, message] = /^::error ([^:]*)::(.*)$/.exec(line)!;
    const unescape = (s: string) => s.replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
    expect(props!.split(',').map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)].map(unescape))).toEqual([['file', 'package-lock.json'], ['line', '60'], ['title', `depcaps: ${HOSTILE_NAME}@0.0.1 gained eval`]]);
    expect(unescape(message!).split('\n')[0]).toBe(`${HOSTILE_NAME}@0.0.1 (added) has eval: eval(atob(p))\\x1b[2J \` </details><script>alert(1)</script> \`\`\` | x | y |`);
  });

  it('github: with --allow-incomplete, a partial package that is not a violation is a warning', () => {
    const report: GateReport = { ...CANONICAL_GATE, policy: { ...CANONICAL_GATE.policy, allowIncomplete: true }, violations: CANONICAL_GATE.violations.filter((v) => v.kind !== 'incomplete') };
    const lines = formatGateGithub(report, { lockfileUri: 'package-lock.json' }).trimEnd().split('\n');
    expect(lines.map((l) => /^::(\w+)/.exec(l)?.[1])).toEqual(['error', 'error', 'error', 'error', 'warning', 'notice']);
    expect(lines[4]).toBe('::warning file=package-lock.json,line=80,title=depcaps%3A big-bundle@3.1.0 not fully analysed::big-bundle@3.1.0 was not fully analysed (partial): dist/big.js: file-too-large (6.1 MiB > 5 MiB)%0Aaccepted by --allow-incomplete; its capabilities may be incomplete');
  });

  it('SARIF 2.1.0 is valid against the official schema, one result per violation at the lockfile line', async () => {
    const text = formatGateSarif(CANONICAL_GATE, SARIF_OPTIONS);
    const validate = sarifValidator();
    expect(validate(JSON.parse(text)), JSON.stringify(validate.errors, null, 2)).toBe(true);
    const results = sarifResults(text);
    expect(results.map((r) => `${r.ruleId}:${r.level}:${r.locations[0]!.physicalLocation.region.startLine}`)).toEqual([
      'incomplete:error:80', 'install-script:error:40', 'network:error:40', 'eval:error:60', 'network:error:20',
    ]);
    expect(results[4]!.message.text).toBe('left-pad@1.3.0 (upgraded from 1.2.0) gained network through tiny-fetch@2.0.0, which policy rule "default" does not allow; it allows nothing. A direct dependency.');
    expect(results[1]!.message.text).toContain('Dependency path: build-tools@4.1.0 › evil-pkg@1.0.0.');
    await expect(text).toMatchFileSnapshot('__snapshots__/gate.sarif.json');
  });

  it('SARIF: the schema check can fail (a result without a message is rejected)', () => {
    const log = JSON.parse(formatGateSarif(CANONICAL_GATE, SARIF_OPTIONS)) as { runs: { results: Record<string, unknown>[] }[] };
    delete log.runs[0]!.results[0]!['message'];
    expect(sarifValidator()(log)).toBe(false);
  });

  it('SARIF: fingerprints hold name, capability and kind, so they survive a version bump', () => {
    const fingerprints = (r: GateReport) => sarifResults(formatGateSarif(r, SARIF_OPTIONS)).map((x) => x.partialFingerprints['depcaps/gate/v1']);
    const bumped: GateReport = {
      ...CANONICAL_GATE,
      packages: CANONICAL_GATE.packages.map((p) => (p.name === 'left-pad' ? { ...p, to: '1.3.1', version: '1.3.1' } : p)),
      violations: CANONICAL_GATE.violations.map((v) => (v.name === 'left-pad' ? { ...v, version: '1.3.1', package: 'left-pad@1.3.1' } : v)),
    };
    expect(fingerprints(CANONICAL_GATE)).toEqual(['big-bundle::incomplete', 'evil-pkg:install-script:gained', 'evil-pkg:network:gained', `${HOSTILE_NAME}:eval:gained`, 'left-pad:network:gained']);
    expect(fingerprints(bumped)).toEqual(fingerprints(CANONICAL_GATE));
  });

  it('text: verdict first, violations marked, no escape codes without colour (not even a hostile one)', async () => {
    const text = formatGateText(CANONICAL_GATE, { color: false });
    expect(text).not.toContain('\u001b');
    expect(text.split('\n')[0]).toBe('depcaps gate: FAIL · 5 violations in 4 of 10 dependency changes');
    expect(text.split('\n').filter((l) => l.startsWith('✗ ')).map((l) => l.split(' ')[2])).toEqual(['big-bundle', 'evil-pkg', HOSTILE_NAME.split(' ')[0], 'left-pad']);
    expect(text.split('\n').filter((l) => /^ {2}[+↑↓~-] /.test(l)).map((l) => l.slice(2, 3))).toEqual(['↑', '↑', '~', '-', '↓', '+']);
    await expect(text).toMatchFileSnapshot('__snapshots__/gate.txt');
  });

  it('text: with colour, escape codes', () => {
    const text = formatGateText(CANONICAL_GATE, { color: true });
    expect(text).toContain('\u001b[31m');
    expect(text.replace(/\u001b\[\d+m/g, '')).toBe(formatGateText(CANONICAL_GATE, { color: false }));
    expect(text).not.toContain('\u001b[2J');
  });
});

describe('gate formatters: no changes pass', () => {
  it('markdown', () => {
    const md = formatGateMarkdown(EMPTY_GATE);
    expect(md).toBe('### ✅ depcaps: no dependency changes\n\nbase `origin/main` → head `HEAD` (`package-lock.json`) · policy `depcaps.policy.json`\n');
  });

  it('github: only the notice', () => {
    expect(formatGateGithub(EMPTY_GATE, { lockfileUri: 'package-lock.json' })).toBe('::notice title=depcaps gate::depcaps gate passed: no dependency changes\n');
  });

  it('SARIF: valid, no results', () => {
    const text = formatGateSarif(EMPTY_GATE, SARIF_OPTIONS);
    expect(sarifValidator()(JSON.parse(text))).toBe(true);
    expect(sarifResults(text)).toEqual([]);
  });

  it('text', () => {
    expect(formatGateText(EMPTY_GATE, { color: false }).split('\n')[0]).toBe('depcaps gate: PASS · no dependency changes');
  });

  it('changes that the policy allows pass too', () => {
    const report: GateReport = {
      ...EMPTY_GATE,
      packages: CANONICAL_GATE.packages.filter((p) => p.name === 'axios' || p.name === 'tiny-fetch'),
      summary: { ...EMPTY_GATE.summary, added: 1, upgraded: 1 },
    };
    expect(formatGateMarkdown(report).split('\n')[0]).toBe('### ✅ depcaps: 2 dependency changes, all allowed by the policy');
    expect(formatGateText(report, { color: false }).split('\n')[0]).toBe('depcaps gate: PASS · 2 dependency changes, all allowed by the policy');
    expect(formatGateGithub(report, { lockfileUri: 'package-lock.json' })).toBe('::notice title=depcaps gate::depcaps gate passed: 2 dependency changes (1 added, 1 upgraded), allowed by the policy\n');
  });
});
