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
import { BUILT_IN_GATE, CANONICAL_GATE, EMPTY_GATE, HOSTILE_EXCERPT, HOSTILE_NAME } from './canonical-gate.js';

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
    expect(md.split('\n')[0]).toBe('### ❌ depcaps: 6 dependency changes need review');
    await expect(md).toMatchFileSnapshot('__snapshots__/gate.md');
  });

  it('markdown: the suggested policy is valid JSON, one sorted line per package', () => {
    const md = formatGateMarkdown(CANONICAL_GATE);
    const block = /\n(`{3,})json\n([\s\S]*?)\n\1\n/.exec(md);
    expect(block).not.toBeNull();
    expect(JSON.parse(block![2]!)).toEqual({ packages: { '@esbuild/*': { allow: ['native'] }, 'evil-pkg': { allow: ['install-script', 'network'] }, [HOSTILE_NAME]: { allow: ['eval'] }, 'left-pad': { allow: ['network'] } } });
    expect(block![2]!.split('\n').slice(2, 6).map((l) => l.trim().split('"')[1])).toEqual(['@esbuild/*', 'evil-pkg', HOSTILE_NAME, 'left-pad']);
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
    expect(md).toMatch(/… 2900 more failing packages left out/);
    expect(md).toMatch(/… evidence for \d+ more packages left out/);
    expect(md).toMatch(/… \d+ more entries left out/);
    const block = /\n(`{3,})json\n([\s\S]*?)\n\1\n/.exec(md);
    expect(Object.keys((JSON.parse(block![2]!) as { packages: object }).packages).length).toBeGreaterThan(0);
    expect(markdownProblems(md)).toEqual([]);
  });

  it('github: one annotation per violation at the lockfile line, then a notice', () => {
    const out = formatGateGithub(CANONICAL_GATE, { lockfileUri: 'package-lock.json' });
    expect(out.split('\n')).toEqual([
      '::error file=package-lock.json,line=100,title=depcaps%3A @esbuild/netbsd-arm64@0.21.0 gained native::@esbuild/netbsd-arm64 added 0.21.0 gains native (ELF binary at bin/esbuild:1), brought in by esbuild@0.21.0; not allowed by the default allow list%0Aevidence: bin/esbuild:1 ELF binary%0Apath: esbuild@0.21.0 › @esbuild/netbsd-arm64@0.21.0%0Apolicy rule: default',
      '::error file=package-lock.json,line=101,title=depcaps%3A @esbuild/openharmony-arm64@0.21.0 gained native::@esbuild/openharmony-arm64 added 0.21.0 gains native (ELF binary at bin/esbuild:1), brought in by esbuild@0.21.0; not allowed by the default allow list%0Aevidence: bin/esbuild:1 ELF binary%0Apath: esbuild@0.21.0 › @esbuild/openharmony-arm64@0.21.0%0Apolicy rule: default',
      '::error file=package-lock.json,line=80,title=depcaps%3A big-bundle@3.1.0 not fully analysed::big-bundle@3.1.0 was not fully analysed: dist/big.js: file-too-large (6.1 MiB > 5 MiB)%0Apolicy rule: default',
      '::error file=package-lock.json,line=40,title=depcaps%3A evil-pkg@1.0.0 gained install-script::evil-pkg@1.0.0 (added) has install-script; policy rule default does not allow it%0Aevidence: package.json:7 postinstall: curl, pipe to shell%0Apath: build-tools@4.1.0 › evil-pkg@1.0.0%0Apolicy rule: default',
      '::error file=package-lock.json,line=40,title=depcaps%3A evil-pkg@1.0.0 gained network::evil-pkg@1.0.0 (added) has network; policy rule default does not allow it%0Aevidence: lib/index.js:4 https.get%0Apath: build-tools@4.1.0 › evil-pkg@1.0.0%0Apolicy rule: default',
      '::error file=package-lock.json,line=60,title=depcaps%3A h%25st%2Cile%3A`|<img src=x onerror=alert(1)>@0.0.1 gained eval::h%25st,ile:`|<img src=x onerror=alert(1)>@0.0.1 (added) has eval: eval(atob(p))\\x1b[2J ` </details><script>alert(1)</script> ``` | x | y |%0A::error::injected%0D%0A::warning::also injected%0Aevidence: index.js:1 eval%0Apolicy rule: default',
      '::error file=package-lock.json,line=20,title=depcaps%3A left-pad@1.3.0 gained network::left-pad 1.2.0 → 1.3.0 gained network through tiny-fetch@2.0.0; policy rule default does not allow it%0Avia tiny-fetch@2.0.0%0Apolicy rule: default',
      '::notice title=depcaps gate::depcaps gate failed: 7 violations in 14 dependency changes (5 added, 6 upgraded, 1 downgraded, 1 removed, 1 changed)',
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
    expect(lines.filter((l) => l.startsWith('::')).map((l) => /^::(\w+) /.exec(l)?.[1])).toEqual(['error', 'error', 'error', 'error', 'error', 'error', 'error', 'notice']);
    expect(out).not.toMatch(/[\r\u001b]/);
    const line = lines[5]!;
    const [, props, message] = /^::error ([^:]*)::(.*)$/.exec(line)!;
    const unescape = (s: string) => s.replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
    expect(props!.split(',').map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)].map(unescape))).toEqual([['file', 'package-lock.json'], ['line', '60'], ['title', `depcaps: ${HOSTILE_NAME}@0.0.1 gained eval`]]);
    expect(unescape(message!).split('\n')[0]).toBe(`${HOSTILE_NAME}@0.0.1 (added) has eval: eval(atob(p))\\x1b[2J \` </details><script>alert(1)</script> \`\`\` | x | y |`);
  });

  it('github: with --allow-incomplete, a partial package that is not a violation is a warning', () => {
    const report: GateReport = { ...CANONICAL_GATE, policy: { ...CANONICAL_GATE.policy, allowIncomplete: true }, violations: CANONICAL_GATE.violations.filter((v) => v.kind !== 'incomplete') };
    const lines = formatGateGithub(report, { lockfileUri: 'package-lock.json' }).trimEnd().split('\n');
    expect(lines.map((l) => /^::(\w+)/.exec(l)?.[1])).toEqual(['error', 'error', 'error', 'error', 'error', 'error', 'warning', 'notice']);
    expect(lines[6]).toBe('::warning file=package-lock.json,line=80,title=depcaps%3A big-bundle@3.1.0 not fully analysed::big-bundle@3.1.0 was not fully analysed (partial): dist/big.js: file-too-large (6.1 MiB > 5 MiB)%0Aaccepted by --allow-incomplete; its capabilities may be incomplete');
  });

  it('SARIF 2.1.0 is valid against the official schema, one result per violation at the lockfile line', async () => {
    const text = formatGateSarif(CANONICAL_GATE, SARIF_OPTIONS);
    const validate = sarifValidator();
    expect(validate(JSON.parse(text)), JSON.stringify(validate.errors, null, 2)).toBe(true);
    const results = sarifResults(text);
    expect(results.map((r) => `${r.ruleId}:${r.level}:${r.locations[0]!.physicalLocation.region.startLine}`)).toEqual([
      'native:error:100', 'native:error:101', 'incomplete:error:80', 'install-script:error:40', 'network:error:40', 'eval:error:60', 'network:error:20',
    ]);
    expect(results[6]!.message.text).toBe('left-pad@1.3.0 (upgraded from 1.2.0) gained network through tiny-fetch@2.0.0, which policy rule "default" does not allow; it allows nothing. A direct dependency.');
    expect(results[3]!.message.text).toContain('Dependency path: build-tools@4.1.0 › evil-pkg@1.0.0.');
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
    expect(fingerprints(CANONICAL_GATE)).toEqual(['@esbuild/netbsd-arm64:native:gained', '@esbuild/openharmony-arm64:native:gained', 'big-bundle::incomplete', 'evil-pkg:install-script:gained', 'evil-pkg:network:gained', `${HOSTILE_NAME}:eval:gained`, 'left-pad:network:gained']);
    expect(fingerprints(bumped)).toEqual(fingerprints(CANONICAL_GATE));
  });

  it('text: verdict first, only what fails listed with its evidence, a platform family as one, the rest summarised', async () => {
    const text = formatGateText(CANONICAL_GATE, { color: false });
    expect(text).not.toContain('\u001b');
    expect(text.split('\n')[0]).toBe('depcaps gate: FAIL · 7 violations in 6 of 14 dependency changes');
    expect(text.split('\n').filter((l) => l.startsWith('✗ ')).map((l) => l.split(' ')[l.startsWith('✗ @esbuild/*') ? 1 : 2])).toEqual(['@esbuild/*', 'big-bundle', 'evil-pkg', HOSTILE_NAME.split(' ')[0], 'left-pad']);
    expect(text).toContain('✗ @esbuild/* (2 platform packages of esbuild) added 0.21.0\n      members: @esbuild/netbsd-arm64, @esbuild/openharmony-arm64\n');
    // Passing changes: counts, one line for the family, what they gained; no block of their own.
    expect(text).toContain('passing · 8 changes: 4 upgraded, 1 added, 1 removed, 1 downgraded, 1 changed\n  @esbuild/* (2 platform packages of esbuild) 0.20.0 → 0.21.0\n');
    expect(text).not.toMatch(/^ {2}[+↑↓~-] /m);
    await expect(text).toMatchFileSnapshot('__snapshots__/gate.txt');
  });

  it('text --verbose: every passing change listed too, after what fails', () => {
    const text = formatGateText(CANONICAL_GATE, { color: false, verbose: true });
    expect(text.split('\n').filter((l) => /^ {2}[+↑↓~-] /.test(l)).map((l) => l.slice(2).split(' ').slice(0, 2).join(' '))).toEqual([
      '↑ @esbuild/darwin-arm64', '↑ @esbuild/linux-x64', '↑ axios', '↑ esbuild', '~ local-lib', '- request', '↓ semver', '+ tiny-fetch',
    ]);
    expect(text.indexOf('✗ + evil-pkg')).toBeLessThan(text.indexOf('↑ axios'));
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

describe('gate formatters: without a policy file (built-in default)', () => {
  it('text: says how it judged and how to be stricter, lists the notices apart from the violations', async () => {
    const text = formatGateText(BUILT_IN_GATE, { color: false });
    expect(text.split('\n').slice(0, 3)).toEqual([
      'depcaps gate: FAIL · 1 violation in 1 of 3 dependency changes · 3 notices',
      'base origin/main (package-lock.json) → head HEAD (package-lock.json) · no policy file',
      'no policy file: gaining eval, global-tamper, install-script, native, network, obfuscated or shell fails the gate; gaining dynamic-require, env or filesystem is a notice. Stricter: `--strict`, or a depcaps.policy.json (`depcaps policy init` writes one).',
    ]);
    expect(text).toContain('notices · gained, not failing without a policy file (2 packages)\n  env (2): debug@4.4.0, knex@2.5.1\n  filesystem (1): knex@2.5.1\n');
    // The most telling evidence of what fails: the call, not the bare import.
    expect(text).toContain('+ shell  child_process.execSync  scripts/build.js:20');
    await expect(text).toMatchFileSnapshot('__snapshots__/gate-builtin.txt');
  });

  it('markdown: the same line, a notices section, the policy to create', async () => {
    const md = formatGateMarkdown(BUILT_IN_GATE);
    expect(md).toContain('\n> no policy file: gaining eval, global-tamper, install-script, native, network, obfuscated or shell fails the gate;');
    expect(md).toContain('#### Notices: gained, not failing without a policy file (2 packages)\n\n- `debug@4.4.0` upgraded from 4.3.4: env (`process.env.DEBUG` at `src/node.js:12`)\n');
    expect(md).toContain('To accept this change, create `depcaps.policy.json`');
    expect(markdownProblems(md)).toEqual([]);
    await expect(md).toMatchFileSnapshot('__snapshots__/gate-builtin.md');
  });

  it('github: a notice annotation per package with notices, the verdict notice carries the line', () => {
    const lines = formatGateGithub(BUILT_IN_GATE, { lockfileUri: 'package-lock.json' }).trimEnd().split('\n');
    expect(lines.map((l) => /^::(\w+)/.exec(l)?.[1])).toEqual(['error', 'notice', 'notice', 'notice']);
    expect(lines[2]).toBe('::notice file=package-lock.json,line=50,title=depcaps%3A knex@2.5.1 gained env%2C filesystem (notice)::knex@2.5.1 (added) gained env, filesystem: a notice, not a failure; without a policy file only high and critical capabilities fail the gate%0Aevidence: bin/cli.js:98 process.env.KNEX_PATH%0Aevidence: lib/util/fs.js:1 fs');
    expect(lines[3]).toMatch(/^::notice title=depcaps gate::depcaps gate failed: 1 violation in 3 dependency changes \(1 added, 2 upgraded\); 3 notices%0Ano policy file: /);
  });

  it('SARIF: notices are `note` results of their own kind, valid against the schema', () => {
    const text = formatGateSarif(BUILT_IN_GATE, SARIF_OPTIONS);
    expect(sarifValidator()(JSON.parse(text))).toBe(true);
    const results = sarifResults(text);
    expect(results.map((r) => `${r.ruleId}:${r.level}:${r.partialFingerprints['depcaps/gate/v1']}`)).toEqual([
      'shell:error:knex:shell:gained', 'env:note:debug:env:notice', 'env:note:knex:env:notice', 'filesystem:note:knex:filesystem:notice',
    ]);
    expect(results[1]!.message.text).toBe('debug@4.4.0 (upgraded from 4.3.4) gained env: a notice, not a failure, because without a policy file only high and critical capabilities fail the gate. A direct dependency. Evidence: src/node.js:12 (process.env.DEBUG).');
  });
});

describe('gate formatters: a 200-change bump with 20 violations', () => {
  /**
   * 14 new packages that gain shell (6 of them network too: 20 violations), 30 upgrades that gain env
   * (notices), 23 platform packages, 133 quiet upgrades.
   */
  function bump(): GateReport {
    const packages: GatePackage[] = [];
    const violations: GateReport['violations'] = [];
    const notices: GateReport['notices'] = [];
    const base = { source: 'registry' as const, dev: false, optional: false, status: 'ok' as const, lost: [], transitive: [], policy: { rule: 'default', allowed: [] } };
    for (let i = 0; i < 14; i++) {
      const name = `bad-${String(i).padStart(2, '0')}`;
      const gained = i < 6 ? ['network', 'shell'] : ['shell'];
      const via = ['framework@2.0.0', 'plugin@1.4.0', `${name}@1.0.0`];
      packages.push({
        ...base, name, change: 'added', to: '1.0.0', version: '1.0.0', key: `node_modules/${name}`, line: 100 + i, capabilities: gained, gained, via,
        evidence: gained.flatMap((capability) => [1, 2, 3].map((line) => ({ capability, api: capability === 'shell' ? 'child_process.spawn' : 'https.request', file: `lib/${capability}.js`, line, column: 1, excerpt: `${capability}Call(${'arg, '.repeat(20)})` }))),
      });
      for (const capability of gained) violations.push({ package: `${name}@1.0.0`, name, version: '1.0.0', kind: 'gained', capability, message: `${name} added 1.0.0 gains ${capability}`, key: `node_modules/${name}`, line: 100 + i, rule: 'default', via });
    }
    for (let i = 0; i < 30; i++) {
      const name = `env-reader-${String(i).padStart(2, '0')}`;
      packages.push({
        ...base, name, change: 'upgraded', from: '1.0.0', to: '1.1.0', version: '1.1.0', key: `node_modules/${name}`, line: 200 + i, capabilities: ['env'], previous: [], gained: ['env'], via: [`${name}@1.1.0`],
        evidence: [{ capability: 'env', api: 'process.env.FORCE_COLOR', file: 'index.js', line: 3, column: 1, excerpt: 'process.env.FORCE_COLOR' }],
      });
      notices.push({ package: `${name}@1.1.0`, name, version: '1.1.0', kind: 'gained', capability: 'env', message: `${name} gains env`, key: `node_modules/${name}`, line: 200 + i, rule: 'default', via: [`${name}@1.1.0`] });
    }
    for (let i = 0; i < 23; i++) {
      const name = `@esbuild/platform-${String(i).padStart(2, '0')}`;
      packages.push({ ...base, name, change: 'upgraded', from: '0.20.0', to: '0.21.0', version: '0.21.0', key: `node_modules/${name}`, line: 300 + i, optional: true, family: { parent: 'esbuild', glob: '@esbuild/*' }, capabilities: ['native'], previous: ['native'], gained: [], via: ['esbuild@0.21.0', `${name}@0.21.0`], evidence: [] });
    }
    for (let i = 0; i < 133; i++) {
      const name = `quiet-${String(i).padStart(3, '0')}`;
      packages.push({ ...base, name, change: 'upgraded', from: '2.0.0', to: '2.0.1', version: '2.0.1', key: `node_modules/${name}`, line: 400 + i, capabilities: [], previous: [], gained: [], via: [`${name}@2.0.1`], evidence: [] });
    }
    return {
      ...BUILT_IN_GATE, packages, violations, notices,
      summary: { added: 14, removed: 0, upgraded: 186, downgraded: 0, changed: 0, violations: 20, notices: 30, incomplete: 0 },
      suggestedPolicy: Object.fromEntries([...packages.slice(0, 44)].map((p) => [p.name, { allow: p.gained }])),
    };
  }

  it('text fits in about two screens and names every failing package; markdown fits one comment with room to spare', () => {
    const report = bump();
    const text = formatGateText(report, { color: false });
    const lines = text.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(120);
    expect(report.packages).toHaveLength(200);
    expect(report.violations).toHaveLength(20);
    for (let i = 0; i < 14; i++) expect(text).toContain(`✗ + bad-${String(i).padStart(2, '0')} 1.0.0`);
    expect(text).toContain('@esbuild/* (23 platform packages of esbuild) 0.20.0 → 0.21.0');
    expect(text).not.toContain('quiet-000');
    // --verbose lists them all.
    expect(formatGateText(report, { color: false, verbose: true })).toContain('quiet-132');
    const md = formatGateMarkdown(report);
    expect(md.length).toBeLessThan(40_000);
    expect(md).not.toMatch(/left out|was cut/);
    for (let i = 0; i < 14; i++) expect(md).toContain(`\`bad-${String(i).padStart(2, '0')}\``);
    expect(markdownProblems(md)).toEqual([]);
    const verbose = formatGateMarkdown(report, { verbose: true });
    expect(verbose.length).toBeLessThan(65_536);
    expect(markdownProblems(verbose)).toEqual([]);
  });
});

describe('gate formatters: when gained code runs', () => {
  const rule = { rule: 'default', allowed: ['filesystem', 'install-script', 'network'], allowedAtInstall: ['filesystem', 'install-script'] };
  const base = { source: 'registry' as const, dev: false, optional: false, status: 'ok' as const, lost: [], transitive: [], policy: rule };
  // Named so that name order and install-first order disagree: a-call gains at call time, z-install at install.
  const callPkg: GatePackage = {
    ...base, name: 'a-call', change: 'upgraded', from: '1.0.0', to: '1.1.0', version: '1.1.0', key: 'node_modules/a-call', line: 10, via: ['a-call@1.1.0'],
    capabilities: ['shell'], previous: [], gained: ['shell'], gainedAtInstall: [], gainedRuns: { shell: ['call'] }, runs: { shell: ['call'] }, runsAtInstall: false, previousRunsAtInstall: false,
    evidence: [{ capability: 'shell', api: 'child_process.exec', file: 'index.js', line: 3, column: 1, excerpt: 'exec(cmd)', runs: 'call' }],
  };
  const installPkg: GatePackage = {
    ...base, name: 'z-install', change: 'upgraded', from: '2.0.0', to: '2.1.0', version: '2.1.0', key: 'node_modules/z-install', line: 90, via: ['z-install@2.1.0'],
    capabilities: ['install-script', 'network'], previous: ['network'], gained: ['install-script'], gainedAtInstall: ['install-script', 'network'],
    gainedRuns: { 'install-script': ['install'], network: ['install'] }, runs: { 'install-script': ['install'], network: ['install', 'call'] },
    runsAtInstall: true, previousRunsAtInstall: false, installScripts: { postinstall: 'node setup.js' },
    evidence: [
      { capability: 'install-script', api: 'postinstall', file: 'package.json', line: 5, column: 5, excerpt: '"postinstall": "node setup.js"', runs: 'install' },
      { capability: 'network', api: 'https.get', file: 'setup.js', line: 1, column: 1, excerpt: "https.get('https://x.example/p')", runs: 'install' },
    ],
  };
  const testPkg: GatePackage = {
    ...base, name: 'm-test', change: 'upgraded', from: '1.0.0', to: '1.0.1', version: '1.0.1', key: 'node_modules/m-test', line: 50, via: ['m-test@1.0.1'],
    capabilities: ['eval'], previous: [], gained: ['eval'], gainedAtInstall: [], gainedRuns: { eval: ['unreached'] }, runs: { eval: ['unreached'] },
    evidence: [{ capability: 'eval', api: 'eval', file: 'test/a.test.js', line: 2, column: 1, excerpt: 'eval(src)', runs: 'unreached' }],
  };
  const v = (p: GatePackage, capability: string, runs: 'install' | 'call', message: string) => ({
    package: `${p.name}@${p.version}`, name: p.name, version: p.version, kind: 'gained' as const, capability, runs, message, key: p.key, line: p.line, rule: 'default', via: p.via,
  });
  const report: GateReport = {
    ...EMPTY_GATE,
    verdict: 'fail',
    policy: { path: 'depcaps.policy.json', strict: false, allowIncomplete: false },
    packages: [callPkg, testPkg, installPkg],
    violations: [
      v(callPkg, 'shell', 'call', 'a-call 1.0.0 → 1.1.0 gains shell when called (child_process.exec at index.js:3); not allowed by the default allow list'),
      v(installPkg, 'network', 'install', 'z-install 2.0.0 → 2.1.0 gains network at install (https.get at setup.js:1), used before only at run time; not allowed at install by the default allow list (at install it allows filesystem, install-script)'),
    ],
    notices: [{
      package: 'm-test@1.0.1', name: 'm-test', version: '1.0.1', kind: 'gained', capability: 'eval', runs: 'unreached', why: 'unreached', key: testPkg.key, line: 50, rule: 'default', via: testPkg.via,
      message: 'm-test 1.0.0 → 1.0.1 gains eval in unreached files (eval at test/a.test.js:2); a notice: no entry point, bin or script reaches that code (--strict fails on it)',
    }],
    summary: { added: 0, removed: 0, upgraded: 3, downgraded: 0, changed: 0, violations: 2, notices: 1, incomplete: 0 },
    suggestedPolicy: { 'a-call': { allow: ['shell'] }, 'm-test': { allow: ['eval'] }, 'z-install': { allow: [], atInstall: ['network'] } },
  };

  it('text: install-time failures first, each gain says when it runs, a package that starts running code at install says so', () => {
    const text = formatGateText(report, { color: false });
    expect(text.indexOf('✗ ↑ z-install')).toBeGreaterThan(0);
    expect(text.indexOf('✗ ↑ z-install')).toBeLessThan(text.indexOf('✗ ↑ a-call'));
    expect(text).toContain('      now runs code at install: postinstall: node setup.js\n');
    expect(text).toContain('      + network at install (held before at run time)  https.get  setup.js:1  https.get(\'https://x.example/p\')  ✗ not allowed at install\n');
    expect(text).toContain('      + install-script at install  allowed\n');
    expect(text).toContain('      policy rule default allows filesystem, install-script, network; at install filesystem, install-script\n');
    expect(text).toContain('notices · gained only in code nothing reaches, not failing without --strict (1 package)\n  eval (unreached) (1): m-test@1.0.1\n');
    expect(text).toContain('  "z-install": { "allow": [], "atInstall": ["network"] }');
  });

  it('markdown: the same order; the verdict says what fails at install', () => {
    const md = formatGateMarkdown(report);
    const rows = md.split('\n').filter((l) => l.startsWith('| `'));
    expect(rows.map((r) => r.split('|')[1]!.trim())).toEqual(['`z-install`', '`a-call`']);
    expect(rows[0]).toContain('| **now runs code at install**; install-script (at install), network (at install) | ❌ network not allowed at install (rule `default`) |');
    expect(md).toContain('- network · at install · `https.get` · `setup.js:1`');
    expect(markdownProblems(md)).toEqual([]);
  });

  it('github and SARIF: install-time results first, with when they run', () => {
    const errors = formatGateGithub(report, { lockfileUri: 'package-lock.json' }).split('\n').filter((l) => l.startsWith('::error '));
    expect(errors.map((l) => /title=([^:]*)::/.exec(l)![1])).toEqual(['depcaps%3A z-install@2.1.0 gained network at install', 'depcaps%3A a-call@1.1.0 gained shell']);
    expect(errors[0]).toContain('%0Anow runs code at install: postinstall: node setup.js%0Aevidence: setup.js:1 https.get (at install)');
    const sarif = JSON.parse(formatGateSarif(report, SARIF_OPTIONS)) as { runs: { results: { ruleId: string; level: string; message: { text: string }; properties: { runs?: string } }[] }[] };
    const validate = sarifValidator();
    expect(validate(sarif), JSON.stringify(validate.errors)).toBe(true);
    const results = sarif.runs[0]!.results;
    expect(results.map((r) => [r.ruleId, r.level, r.properties.runs])).toEqual([['network', 'error', 'install'], ['shell', 'error', 'call'], ['eval', 'note', 'unreached']]);
    expect(results[0]!.message.text).toMatch(/^z-install@2\.1\.0 \(upgraded from 2\.0\.0\) gained network at install in its own code, which policy rule "default" does not allow at install; it allows filesystem, install-script, network; at install filesystem, install-script\. It now runs code at install: postinstall: node setup\.js\./);
    expect(results[2]!.message.text).toContain('only code that no entry point, bin or script reaches uses it');
  });
});
