import { catalog, SEVERITY_ORDER } from '../../../capabilities/index.js';
import type { ApprovalState, ScriptsPackage, ScriptsReport } from '../../contract/index.js';
import { makeStyle, type Style } from './style.js';

/** Options of the scripts text formatter. */
export interface ScriptsTextOptions {
  color?: boolean;
  /** Findings shown per capability of a package; `Infinity` for all. */
  evidence?: number;
}

const severityOf = new Map(catalog.map((c) => [c.id, c.severity]));
const rank = (id: string) => SEVERITY_ORDER.indexOf(severityOf.get(id) ?? 'low');

/** Sections in the order they need a decision: unreviewed first. */
const SECTIONS: readonly { state: ApprovalState; title: string; note: string }[] = [
  { state: 'unreviewed', title: 'unreviewed', note: 'runs code at install and nothing approves it' },
  { state: 'denied', title: 'denied', note: 'an approval entry refuses it: npm 12 and pnpm do not run its scripts' },
  { state: 'allowed', title: 'allowed by the policy', note: '' },
  { state: 'approved', title: 'approved', note: '' },
];

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** One package: its scripts and what they run, then what its install-time code can do, with evidence. */
function packageLines(p: ScriptsPackage, s: Style, perCapability: number): string[] {
  const tags = [p.dev ? 'dev' : '', p.optional ? 'optional' : '', p.alias ? `as ${p.alias}` : '', p.source !== 'registry' ? p.source : '', p.when === 'git' ? 'prepare: git installs only' : '']
    .filter(Boolean)
    .join(', ');
  const by = p.approvedBy ? s.dim(`  by ${p.approvedBy === 'policy' ? 'the policy' : JSON.stringify(p.approvedBy)}`) : '';
  const lines = [`  ${s.bold(`${p.name}@${p.version}`)}${tags ? s.dim(`  [${tags}]`) : ''}${by}`];
  for (const [event, command] of Object.entries(p.scripts)) {
    lines.push(`    ${event}: ${cut(command, 120)}`);
    for (const step of p.steps.filter((st) => st.event === event)) {
      const what = step.file ?? step.program ?? (step.kind === 'node-eval' ? 'inline code' : 'standard input');
      lines.push(s.dim(`      → ${step.kind} ${what}${step.note ? ` (${step.note})` : ''}`));
    }
  }
  if (p.runs.length > 0) lines.push(`    runs: ${p.runs.slice(0, 6).join(', ')}${p.runs.length > 6 ? `, … ${p.runs.length - 6} more` : ''}`);
  if (p.capabilities.length === 0) {
    lines.push(`    can: ${p.status === 'error' ? 'unknown (not analysed)' : p.programs.length > 0 ? `nothing in its own code; starts ${p.programs.join(', ')}` : 'nothing found in its own code'}`);
  } else {
    const caps = [...p.capabilities].sort((a, b) => rank(b) - rank(a) || (a < b ? -1 : 1));
    lines.push(`    can: ${caps.map((c) => s.severity(severityOf.get(c) ?? 'low', c)).join(', ')}${p.programs.length > 0 ? s.dim(`; starts ${p.programs.join(', ')}`) : ''}`);
    for (const cap of caps) {
      const list = p.findings.filter((f) => f.capability === cap);
      for (const f of list.slice(0, perCapability)) {
        lines.push(`      ${cap.padEnd(16)} ${cut(f.api, 30).padEnd(31)} ${`${f.file}:${f.line}`.padEnd(28)} ${cut(f.excerpt, 80)}`);
      }
      if (list.length > perCapability) lines.push(s.dim(`      ${cap.padEnd(16)} … ${list.length - perCapability} more`));
    }
  }
  if (p.policy !== undefined && !p.policy.allowed) {
    const rule = p.policy.rule === 'default' ? 'the default rule' : `policy entry ${JSON.stringify(p.policy.rule)}`;
    const why = p.policy.notAllowed.length > 0 ? `${rule} does not allow ${p.policy.notAllowed.join(', ')} at install` : `${rule}: ${p.policy.reason ?? 'not allowed'}`;
    lines.push(s.dim(`    policy: ${why}`));
  }
  if (p.error) lines.push(s.dim(`    ${p.error}`));
  return lines;
}

/**
 * The install-script inventory as a reviewer reads it: packages whose scripts nobody approved first,
 * each with its scripts, the files they run and what that code can do; then denied, allowed and
 * approved ones; then a one-line summary.
 */
export function formatScriptsText(report: ScriptsReport, options: ScriptsTextOptions = {}): string {
  const s = makeStyle(options.color ?? false);
  const per = options.evidence ?? 3;
  const lines: string[] = [
    s.bold(`depcaps scripts: install-time code in ${report.lockfile.path}`) + s.dim(` (${report.lockfile.format} v${report.lockfile.formatVersion})`),
    s.dim(`approvals read from ${report.approvals.sources.join(', ')}${report.approvals.policy !== undefined ? `; policy ${report.approvals.policy}` : ''}`),
  ];
  for (const section of SECTIONS) {
    const list = report.packages.filter((p) => p.approval === section.state);
    if (list.length === 0) continue;
    lines.push('', `${s.bold(`${section.title.toUpperCase()} (${list.length})`)}${section.note ? s.dim(`  ${section.note}`) : ''}`);
    for (const p of list) lines.push(...packageLines(p, s, per), '');
    lines.pop();
  }
  if (report.packages.length === 0) lines.push('', 'no package of this lockfile runs code when it is installed');
  if (report.diagnostics.length > 0) {
    lines.push('', s.bold(`diagnostics (${report.diagnostics.length})`));
    for (const d of report.diagnostics.slice(0, 10)) lines.push(`  ${d.key}${d.line ? `:${d.line}` : ''}: ${d.message}`);
  }
  const sum = report.summary;
  const parts = [sum.unreviewed ? `${sum.unreviewed} unreviewed` : '', sum.denied ? `${sum.denied} denied` : '', sum.allowed ? `${sum.allowed} allowed by the policy` : '', sum.approved ? `${sum.approved} approved` : ''].filter(Boolean);
  lines.push(
    '',
    `${s.bold(`${sum.packages} of ${sum.scanned} packages run code at install`)}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}${sum.errors > 0 ? ` · ${sum.errors} not analysed` : ''}`,
  );
  return `${lines.join('\n')}\n`;
}
