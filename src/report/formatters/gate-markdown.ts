import type { GatePackage, GateReport } from '../../contract/index.js';
import { gateAllowed, gateChangeCount, gateChangeCounts, gatePolicyEntries, gateVersions, gateViolationsOf, printable, sortEvidence, sortGatePackages } from './gate-text.js';

/** Options of the gate Markdown formatter. */
export interface GateMarkdownOptions {
  /** A link to a line of the head lockfile (e.g. on the PR's head commit); package names link there when given. */
  lockfileUrl?: (line: number) => string;
}

/**
 * Characters per section. GitHub rejects a comment over 65,536 characters; these budgets plus the headline
 * (refs clipped) and the left-out notes stay under ~62,000, leaving room for a marker the caller adds.
 */
const BUDGET = { table: 24_000, details: 20_000, incomplete: 6_000, diagnostics: 2_000, policy: 8_000 };
/** Table rows at most: beyond that a table stops being read. */
const MAX_ROWS = 100;
/** Evidence lines per package (the report holds at most 3 per gained capability). */
const MAX_EVIDENCE = 6;

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Untrusted text as inert Markdown on one line, control characters shown (`printable`): no HTML (`<`, `&`),
 * no emphasis, links or code (`*_[]~` and backticks), no table-cell break (`|`; GFM honours `\|` anywhere).
 */
function text(s: string): string {
  return printable(s).replace(/[\\`*_[\]~|]/g, '\\$&').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Untrusted text as a code span that shows it verbatim: a span cannot be escaped from inside, so the fence
 * is one backtick longer than the longest run in the text (CommonMark), padded when the text starts or ends
 * with one; in a table, `|` is escaped because GFM splits cells before it parses spans.
 */
function code(s: string, inTable: boolean): string {
  let flat = printable(s);
  if (inTable) flat = flat.replace(/\|/g, '\\|');
  if (flat === '') return '';
  const fence = '`'.repeat(Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length)) + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** Untrusted text inside raw HTML (`<summary>`), where Markdown is not parsed. */
const html = (s: string) => printable(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A dependency path `a › b › c`, the middle elided when long. */
function path(via: string[], inTable: boolean): string {
  const part = (v: string) => code(clip(v, 60), inTable);
  return (via.length > 4 ? [part(via[0]!), '…', ...via.slice(-2).map(part)] : via.map(part)).join(' › ');
}

/** Takes items in order while they fit in `budget` characters (one line break each); the rest are counted. */
function fill(items: string[], budget: number, max = Infinity): { taken: string[]; left: number } {
  const taken: string[] = [];
  let used = 0;
  for (const item of items) {
    if (taken.length >= max || used + item.length + 1 > budget) break;
    taken.push(item);
    used += item.length + 1;
  }
  return { taken, left: items.length - taken.length };
}

function verdictCell(report: GateReport, p: GatePackage): string {
  const violations = gateViolationsOf(report, p);
  const rule = code(clip(p.policy.rule, 80), true);
  const reason = p.policy.reason === undefined ? '' : `: ${text(clip(p.policy.reason, 200))}`;
  if (violations.length > 0) {
    const denied = [...new Set(violations.flatMap((v) => (v.kind === 'incomplete' || v.capability === undefined ? [] : [v.capability])))].sort();
    const what = [denied.length > 0 ? `${denied.map(text).join(', ')} not allowed` : '', violations.some((v) => v.kind === 'incomplete') ? 'not fully analysed' : ''];
    return `❌ ${what.filter(Boolean).join('; ')} (rule ${rule})`;
  }
  if (p.policy.ignored) return `➖ ignored (rule ${rule})${reason}`;
  if (p.status !== 'ok') return '⚠️ not fully analysed, allowed';
  if (p.gained.length + p.transitive.length > 0) return `✅ allowed by ${rule}${reason}`;
  return p.change === 'removed' ? '—' : '✅ nothing gained';
}

function row(report: GateReport, p: GatePackage, options: GateMarkdownOptions): string {
  const name = code(clip(p.name, 100), true) + (p.alias === undefined ? '' : ` as ${code(clip(p.alias, 100), true)}`);
  const linked = options.lockfileUrl === undefined ? name : `[${name}](${options.lockfileUrl(p.line).replace(/[\s()<>]/g, encodeURIComponent)})`;
  const tags = [p.dev ? 'dev' : '', p.optional ? 'optional' : ''].filter(Boolean).join(', ');
  const gained = [...p.gained.map(text), ...p.transitive.map((t) => `${text(t.capability)} via ${path(t.via, true)}`)].join(', ');
  const via = p.via.length <= 1 ? 'direct' : path(p.via, true);
  return `| ${linked}${tags === '' ? '' : ` (${tags})`} | ${p.change} ${text(clip(gateVersions(p), 80))} | ${gained === '' ? '—' : gained} | ${verdictCell(report, p)} | ${via} |`;
}

function details(p: GatePackage): string {
  const caps = [...p.gained, ...p.transitive.map((t) => t.capability)];
  const lines = [`<details><summary><code>${html(clip(`${p.name}@${p.to ?? p.version}`, 120))}</code> gained ${html([...new Set(caps)].join(', '))}</summary>`, ''];
  for (const e of sortEvidence(p.evidence).slice(0, MAX_EVIDENCE)) {
    lines.push(`- ${text(e.capability)} · ${code(clip(e.api, 80), false)} · ${code(`${clip(e.file, 100)}:${e.line}`, false)} — ${code(clip(e.excerpt, 160), false)}`);
  }
  if (p.evidence.length > MAX_EVIDENCE) lines.push(`- … ${plural(p.evidence.length - MAX_EVIDENCE, 'more finding')} left out`);
  for (const t of p.transitive) lines.push(`- ${text(t.capability)} via ${path(t.via, false)}`);
  const reason = p.policy.reason === undefined ? '' : `: ${text(clip(p.policy.reason, 200))}`;
  lines.push(`- policy rule ${code(clip(p.policy.rule, 80), false)}${p.policy.ignored ? ' ignores it' : ` allows ${text(gateAllowed(p))}`}${reason}`, '', '</details>');
  return lines.join('\n');
}

function headline(report: GateReport): string {
  const total = gateChangeCount(report);
  if (report.verdict === 'fail') {
    const n = new Set(report.violations.map((v) => `${v.name}@${v.version}`)).size;
    return n === 0 ? '### ❌ depcaps: the gate failed' : `### ❌ depcaps: ${n} dependency change${n === 1 ? ' needs' : 's need'} review`;
  }
  if (total === 0) return '### ✅ depcaps: no dependency changes';
  return `### ✅ depcaps: ${plural(total, 'dependency change')}, ${total === 1 ? '' : 'all '}allowed by the policy`;
}

/**
 * The gate as a pull-request comment: a verdict headline, one line of counts, a table of the changed
 * packages (violations first), collapsible evidence per package that gained capabilities, what could not be
 * analysed, and the policy entries that would accept the change. Everything that comes from a package or a
 * lockfile is escaped, and each section has a character budget so the comment stays under GitHub's limit;
 * what does not fit is counted.
 */
export function formatGateMarkdown(report: GateReport, options: GateMarkdownOptions = {}): string {
  const s = report.summary;
  const counts = [
    gateChangeCount(report) === 0 ? '' : `**${plural(gateChangeCount(report), 'change')}**: ${gateChangeCounts(report)}`,
    s.violations > 0 ? `**${plural(s.violations, 'violation')}**` : '',
    s.incomplete > 0 ? `${s.incomplete} not fully analysed` : '',
    `base ${code(clip(report.base.ref, 100), false)} → head ${code(clip(report.head.ref, 100), false)} (${code(clip(report.head.lockfile, 100), false)})`,
    `policy ${report.policy.path === undefined ? 'default' : code(clip(report.policy.path, 100), false)}${report.policy.strict ? ' (strict)' : ''}`,
  ];
  const out = [headline(report), '', counts.filter(Boolean).join(' · ')];
  const rank = (p: GatePackage) => {
    if (gateViolationsOf(report, p).length > 0) return 0;
    if (p.status !== 'ok' && !p.policy.ignored) return 1;
    if (p.gained.length + p.transitive.length === 0) return 4;
    return p.policy.ignored ? 3 : 2;
  };
  const ranks = new Map(report.packages.map((p) => [p, rank(p)]));
  const packages = sortGatePackages(report.packages).sort((a, b) => ranks.get(a)! - ranks.get(b)!);
  if (packages.length > 0) {
    const table = fill(packages.map((p) => row(report, p, options)), BUDGET.table, MAX_ROWS);
    out.push('', '| package | change | gained | verdict | via |', '|---|---|---|---|---|', ...table.taken);
    if (table.left > 0) out.push('', `… ${plural(table.left, 'more package')} left out; \`depcaps gate --json\` lists them all.`);
  }
  const gaining = packages.filter((p) => p.gained.length + p.transitive.length > 0);
  if (gaining.length > 0) {
    const blocks = fill(gaining.map(details), BUDGET.details);
    for (const block of blocks.taken) out.push('', block);
    if (blocks.left > 0) out.push('', `… evidence for ${plural(blocks.left, 'more package')} left out.`);
  }
  const broken = packages.filter((p) => p.status !== 'ok');
  if (broken.length > 0) {
    const items = broken.map((p) => {
      const mark = gateViolationsOf(report, p).some((v) => v.kind === 'incomplete') ? '❌' : '⚠️';
      return `- ${mark} ${code(clip(`${p.name}@${p.to ?? p.version}`, 120), false)} (${p.status}): ${text(clip(p.error ?? 'no reason given', 300))}`;
    });
    const list = fill(items, BUDGET.incomplete);
    out.push('', '#### Not fully analysed', '', ...list.taken);
    if (list.left > 0) out.push(`- … ${list.left} more`);
  }
  if (report.diagnostics.length > 0) {
    const items = report.diagnostics.map((d) => `- ${code(clip(d.lockfile, 100), false)} ${code(clip(d.key, 100), false)}${d.line === undefined ? '' : ` line ${d.line}`}: ${text(clip(d.message, 200))}`);
    const list = fill(items, BUDGET.diagnostics);
    out.push('', '#### Lockfile problems', '', ...list.taken);
    if (list.left > 0) out.push(`- … ${list.left} more`);
  }
  const entries = gatePolicyEntries(report);
  if (report.violations.length > 0 && entries.length > 0) {
    const policy = fill(entries, BUDGET.policy);
    const body = ['{', '  "packages": {', ...policy.taken.map((e, i) => `    ${e}${i < policy.taken.length - 1 ? ',' : ''}`), '  }', '}'].join('\n');
    // JSON keeps line breaks escaped, but a key may hold backticks: the fence outruns them.
    const fence = '`'.repeat(Math.max(3, ...(body.match(/`+/g) ?? []).map((run) => run.length + 1)));
    out.push('', `To accept this change, add to ${code(clip(report.policy.path ?? 'depcaps.policy.json', 100), false)}:`, '', `${fence}json`, body, fence);
    if (policy.left > 0) out.push('', `… ${policy.left} more ${policy.left === 1 ? 'entry' : 'entries'} left out; \`depcaps gate --json\` has them in \`suggestedPolicy\`.`);
  }
  return `${out.join('\n')}\n`;
}
