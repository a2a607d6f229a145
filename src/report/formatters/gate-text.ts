import { catalog } from '../../../capabilities/index.js';
import type { ChangeKind, GateEvidence, GatePackage, GateReport, GateViolation } from '../../contract/index.js';
import { makeStyle } from './style.js';

/** Options of the gate text formatter. */
export interface GateTextOptions {
  color: boolean;
}

const SYMBOL: Record<ChangeKind, string> = { added: '+', upgraded: '↑', downgraded: '↓', removed: '-', changed: '~' };
const KIND_ORDER: Record<GateViolation['kind'], number> = { gained: 0, unallowed: 1, incomplete: 2 };
const severityOf = new Map(catalog.map((c) => [c.id, c.severity]));
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** `1.2.0 → 1.3.0` for a package on both sides, its one version otherwise. */
export function gateVersions(p: GatePackage): string {
  return p.from !== undefined && p.to !== undefined ? `${p.from} → ${p.to}` : (p.to ?? p.from ?? p.version);
}

/** How a package changed, in words: `upgraded from 1.2.0`, `added`, `removed`. */
export function gateChange(p: GatePackage): string {
  if (p.change === 'added' || p.change === 'removed' || p.from === undefined) return p.change;
  return `${p.change} from ${p.from}`;
}

/** The violations of one changed package. Violations name the head version, so a removed package has none. */
export function gateViolationsOf(report: GateReport, p: GatePackage): GateViolation[] {
  return p.to === undefined ? [] : report.violations.filter((v) => v.name === p.name && v.version === p.to);
}

/** The changed package a violation is about, if the report lists it. */
export function gatePackageOf(report: GateReport, v: GateViolation): GatePackage | undefined {
  return report.packages.find((p) => p.name === v.name && p.to === v.version);
}

/** Packages sorted by name, then version. */
export function sortGatePackages(packages: readonly GatePackage[]): GatePackage[] {
  return [...packages].sort((a, b) => compare(a.name, b.name) || compare(a.version, b.version));
}

/** Violations sorted by name, version, kind (gained, unallowed, incomplete), capability. */
export function sortGateViolations(violations: readonly GateViolation[]): GateViolation[] {
  return [...violations].sort((a, b) => compare(a.name, b.name) || compare(a.version, b.version) || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || compare(a.capability ?? '', b.capability ?? ''));
}

/** Evidence sorted by capability, file, line, column. */
export function sortEvidence(evidence: readonly GateEvidence[]): GateEvidence[] {
  return [...evidence].sort((a, b) => compare(a.capability, b.capability) || compare(a.file, b.file) || a.line - b.line || a.column - b.column);
}

/** Where a package's capability comes from: `in its own code`, `through dep@1.0.3 › leaf@2.0.0`, or both. */
export function gateSourceOf(p: GatePackage, capability: string): string {
  const parts = p.gained.includes(capability) ? ['in its own code'] : [];
  for (const t of p.transitive) if (t.capability === capability) parts.push(`through ${t.via.join(' › ')}`);
  return parts.join(' and ');
}

/** What a policy rule allows, in words. */
export function gateAllowed(p: GatePackage): string {
  return p.policy.allowed.length > 0 ? p.policy.allowed.join(', ') : 'nothing';
}

/**
 * The suggested policy entries, one JSON line per package, sorted by key, allow lists sorted:
 * `"left-pad": { "allow": ["network"] }`. Joined with commas they are the body of the policy's `packages`.
 */
export function gatePolicyEntries(report: GateReport): string[] {
  return Object.keys(report.suggestedPolicy).sort(compare).map((key) => {
    const allow = [...new Set(report.suggestedPolicy[key]!.allow)].sort(compare);
    return `${JSON.stringify(key)}: { "allow": [${allow.map((c) => JSON.stringify(c)).join(', ')}] }`;
  });
}

/** Total number of changed packages, from the summary counts. */
export function gateChangeCount(report: GateReport): number {
  const s = report.summary;
  return s.added + s.removed + s.upgraded + s.downgraded + s.changed;
}

/** Non-zero change counts: `3 added, 4 upgraded, 1 removed`. */
export function gateChangeCounts(report: GateReport): string {
  const s = report.summary;
  const counts: [number, string][] = [[s.added, 'added'], [s.upgraded, 'upgraded'], [s.downgraded, 'downgraded'], [s.removed, 'removed'], [s.changed, 'changed']];
  return counts.filter(([n]) => n > 0).map(([n, word]) => `${n} ${word}`).join(', ');
}

/**
 * The text with control characters shown as `\xNN`/`\uNNNN` and line breaks as spaces: names and excerpts
 * come from the packages under review, and an escape sequence in them must not drive the reader's terminal
 * (nor a bidi override reorder what they see).
 */
export function printable(text: string): string {
  return text
    .replace(/[\t\r\n\u2028\u2029]+/g, ' ')
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => {
      const code = c.charCodeAt(0);
      return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
    });
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The gate as a person reads it in a terminal: the verdict, then each changed package (`+` added,
 * `↑` upgraded, `↓` downgraded, `-` removed, `~` changed; `✗` marks a violation) with what it gained, from
 * where, the first finding per gained capability and the policy rule that decided it.
 */
export function formatGateText(report: GateReport, options: GateTextOptions): string {
  const s = makeStyle(options.color);
  const red = (t: string) => s.severity('critical', t);
  const green = (t: string) => (options.color ? `\u001b[32m${t}\u001b[39m` : t);
  const cap = (id: string) => s.severity(severityOf.get(id) ?? 'low', id);
  const total = gateChangeCount(report);
  const violators = new Set(report.violations.map((v) => `${v.name}@${v.version}`)).size;
  const verdict = report.verdict === 'fail'
    ? `${red(s.bold('FAIL'))} · ${plural(report.violations.length, 'violation')} in ${violators} of ${plural(total, 'dependency change')}`
    : `${green(s.bold('PASS'))} · ${total === 0 ? 'no dependency changes' : `${plural(total, 'dependency change')}, ${total === 1 ? '' : 'all '}allowed by the policy`}`;
  const side = (x: GateReport['base']) => `${printable(x.ref)} (${printable(x.lockfile)})`;
  const lines = [
    `depcaps gate: ${verdict}`,
    s.dim(`base ${side(report.base)} → head ${side(report.head)} · policy ${printable(report.policy.path ?? 'default')}${report.policy.strict ? ' (strict)' : ''}`),
  ];
  const indent = '      ';
  for (const p of sortGatePackages(report.packages)) {
    const violations = gateViolationsOf(report, p);
    const denied = (c: string) => violations.some((v) => v.capability === c && v.kind !== 'incomplete');
    const mark = (c: string) => (denied(c) ? `  ${red('✗ not allowed')}` : '');
    const tags = [p.alias ? `as ${p.alias}` : '', p.dev ? 'dev' : '', p.optional ? 'optional' : '', p.source === 'registry' ? '' : p.source].filter(Boolean);
    lines.push('', `${violations.length > 0 ? red('✗') : ' '} ${SYMBOL[p.change]} ${s.bold(printable(p.name))} ${printable(gateVersions(p))}${tags.length > 0 ? s.dim(`  [${printable(tags.join(', '))}]`) : ''}`);
    for (const c of p.gained) {
      const e = sortEvidence(p.evidence).find((x) => x.capability === c);
      const where = e === undefined ? '' : `  ${printable(e.api)}  ${printable(e.file)}:${e.line}  ${s.dim(printable(clip(e.excerpt, 80)))}`;
      lines.push(`${indent}+ ${cap(c)}${where}${mark(c)}`);
    }
    for (const t of p.transitive) lines.push(`${indent}+ ${cap(t.capability)} ${s.dim(`via ${printable(t.via.join(' › '))}`)}${mark(t.capability)}`);
    for (const v of violations) if (v.kind === 'unallowed') lines.push(`${indent}${red(`✗ ${v.capability ?? ''} not allowed`)} ${s.dim('(strict: held, not only gained)')}`);
    if (p.lost.length > 0) lines.push(s.dim(`${indent}- ${p.lost.join(', ')}`));
    if (p.status !== 'ok') {
      const text = `not fully analysed (${p.status}): ${printable(p.error ?? 'no reason given')}`;
      lines.push(`${indent}${violations.some((v) => v.kind === 'incomplete') ? red(`✗ ${text}`) : `! ${text}`}`);
    }
    const reason = p.policy.reason === undefined ? '' : `: ${printable(p.policy.reason)}`;
    if (p.policy.ignored) lines.push(s.dim(`${indent}ignored by policy rule ${printable(p.policy.rule)}${reason}`));
    else if (violations.length > 0) lines.push(s.dim(`${indent}policy rule ${printable(p.policy.rule)} allows ${gateAllowed(p)}${reason}`));
    else if (p.gained.length + p.transitive.length > 0) lines.push(s.dim(`${indent}allowed by policy rule ${printable(p.policy.rule)}${reason}`));
    if (p.via.length > 1) lines.push(s.dim(`${indent}path: ${printable(p.via.join(' › '))}`));
  }
  if (report.diagnostics.length > 0) {
    lines.push('', s.bold(`lockfile problems (${report.diagnostics.length})`));
    for (const d of report.diagnostics) lines.push(`  ${printable(d.lockfile)} ${printable(d.key)}${d.line ? ` (line ${d.line})` : ''}: ${printable(d.message)}`);
  }
  const entries = gatePolicyEntries(report);
  if (report.violations.length > 0 && entries.length > 0) {
    lines.push('', `to accept this change, add to "packages" in ${printable(report.policy.path ?? 'depcaps.policy.json')}:`);
    lines.push(...entries.map((e, i) => `  ${printable(e)}${i < entries.length - 1 ? ',' : ''}`));
  }
  const counts = gateChangeCounts(report);
  lines.push('', `${counts === '' ? 'no changes' : counts} · ${plural(report.summary.violations, 'violation')} · ${report.summary.incomplete} not fully analysed`);
  return `${lines.join('\n')}\n`;
}
