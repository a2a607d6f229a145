import { catalog, SEVERITY_ORDER } from '../../../capabilities/index.js';
import type { Finding, Runs, ScanReport } from '../../contract/index.js';
import { makeStyle, type Style } from './style.js';

/** Options of the text formatter. */
export interface TextOptions {
  color?: boolean;
  /** Findings shown per capability; `Infinity` for all. */
  perCapability?: number;
}

const severityOf = new Map(catalog.map((c) => [c.id, c.severity]));
const rank = (id: string) => SEVERITY_ORDER.indexOf(severityOf.get(id) ?? 'low');

function pad(text: string, width: number): string {
  return text.length >= width ? `${text} ` : text + ' '.repeat(width - text.length);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** The package label: `name@version`, or the name alone for a version-less local file. */
export function packageLabel(report: ScanReport): string {
  return report.package.version ? `${report.package.name}@${report.package.version}` : report.package.name;
}

/** Sections of the text report, in the order a reviewer needs them: what runs earliest first. */
const SECTIONS: readonly { runs: Runs; title: string; note?: string }[] = [
  { runs: 'install', title: 'runs at install' },
  { runs: 'import', title: 'runs at import', note: 'module top level of what importing the package loads' },
  { runs: 'call', title: 'runs when called', note: 'inside functions, in bins, or loaded on demand' },
  { runs: 'unreached', title: 'unreached', note: 'no entry point, bin or script reaches these files: tests, examples, build tools' },
];

/** The lines of one capability group: API, place, excerpt; a reason when it is not evident. */
function findingLines(list: readonly Finding[], limit: number, s: Style, withReason: boolean): string[] {
  const lines: string[] = [];
  const shown = list.slice(0, limit);
  const apiWidth = Math.min(32, Math.max(...shown.map((f) => f.api.length)) + 2);
  const locWidth = Math.min(44, Math.max(...shown.map((f) => `${f.file}:${f.line}:${f.column}`.length)) + 2);
  let lastReason: string | undefined;
  for (const f of shown) {
    const conf = f.confidence === 'high' ? '' : s.dim(` [${f.confidence}]`);
    lines.push(`  ${pad(f.api, apiWidth)}${pad(`${f.file}:${f.line}:${f.column}`, locWidth)}${f.excerpt}${conf}`);
    if (withReason && f.runsReason && f.runsReason !== lastReason) lines.push(s.dim(`    ↳ ${f.runsReason}`));
    lastReason = f.runsReason;
  }
  if (list.length > shown.length) lines.push(s.dim(`  … ${list.length - shown.length} more (--all or --json shows every finding)`));
  return lines;
}

/** The install scripts: each command and what it runs. */
function installLines(report: ScanReport, s: Style): string[] {
  const lines: string[] = [];
  for (const script of report.install?.scripts ?? []) {
    const when = script.when === 'git' ? s.dim(' (only when installed from git)') : script.implied ? s.dim(' (implied by binding.gyp)') : '';
    lines.push(`  ${s.bold(script.event)}: ${script.command}${when}`);
    for (const step of script.steps) {
      const what = step.file ?? step.program ?? (step.kind === 'node-eval' ? 'inline code' : step.kind === 'shell' ? 'standard input' : '');
      const via = step.via && step.via.length > 1 ? s.dim(` via ${step.via.slice(1).join(' → ')}`) : '';
      const note = step.note ? s.dim(` (${step.note})`) : '';
      lines.push(`    → ${step.kind} ${what}${via}${note}`);
    }
  }
  const files = report.install?.files ?? [];
  if (files.length > 0) lines.push(s.dim(`    files run at install: ${files.slice(0, 8).join(', ')}${files.length > 8 ? `, … ${files.length - 8} more` : ''}`));
  return lines;
}

/**
 * Human report of a scan: findings grouped by when they run (install first, then import, call,
 * unreached), within each by capability (riskiest first), each with API, file:line:column and excerpt;
 * then errors and anomalies; then a one-line summary.
 */
export function formatScanText(report: ScanReport, options: TextOptions = {}): string {
  const s = makeStyle(options.color ?? false);
  const limit = options.perCapability ?? 10;
  const lines: string[] = [];
  lines.push(s.bold(`${packageLabel(report)}`) + s.dim(`  (${report.package.source ?? 'package'}, status ${report.status})`));
  const counts: Partial<Record<Runs, number>> = {};
  for (const section of SECTIONS) {
    // A finding without `runs` (a report from before it existed) is shown with call-time code.
    const inSection = report.findings.filter((f) => (f.runs ?? 'call') === section.runs);
    counts[section.runs] = inSection.length;
    const scripts = section.runs === 'install' ? installLines(report, s) : [];
    if (inSection.length === 0 && scripts.length === 0) continue;
    lines.push('', `${s.bold(section.title.toUpperCase())}${section.note ? s.dim(`  ${section.note}`) : ''}`);
    lines.push(...scripts);
    const byCap = new Map<string, Finding[]>();
    for (const f of inSection) {
      const list = byCap.get(f.capability) ?? [];
      list.push(f);
      byCap.set(f.capability, list);
    }
    const caps = [...byCap.keys()].sort((a, b) => rank(b) - rank(a) || (a < b ? -1 : 1));
    for (const cap of caps) {
      const list = byCap.get(cap)!;
      const sev = severityOf.get(cap) ?? 'low';
      lines.push('');
      lines.push(`${s.severity(sev, s.bold(cap))}  ${s.dim(`${sev} · ${plural(list.length, 'finding')}`)}`);
      lines.push(...findingLines(list, limit, s, section.runs !== 'install'));
    }
  }
  if (report.errors.length > 0) {
    lines.push('', s.bold(`not fully analysed (${report.errors.length})`));
    for (const e of report.errors) lines.push(`  ${e.file}: ${e.reason ? `[${e.reason}] ` : ''}${e.message.startsWith(`${e.file}: `) ? e.message.slice(e.file.length + 2) : e.message}`);
  }
  if (report.anomalies.length > 0) {
    lines.push('', s.bold(`anomalies (${report.anomalies.length})`));
    for (const a of report.anomalies) lines.push(`  ${a.kind}  ${a.file}: ${a.message}`);
  }
  const caps = [...new Set(report.findings.map((f) => f.capability))].sort((a, b) => rank(b) - rank(a) || (a < b ? -1 : 1));
  const capsText = caps.length > 0 ? caps.join(', ') : 'no capabilities';
  const files = new Set(report.findings.map((f) => f.file)).size;
  const byRuns = SECTIONS.filter((x) => (counts[x.runs] ?? 0) > 0).map((x) => `${counts[x.runs]} ${x.runs}`);
  lines.push(
    '',
    `${s.bold(packageLabel(report))}: ${capsText} · ${plural(report.findings.length, 'finding')}${byRuns.length > 0 ? ` (${byRuns.join(', ')})` : ''} in ${files} of ${plural(report.stats.files, 'file')} · ${report.runsAtInstall ? 'runs code at install · ' : ''}${humanBytes(report.stats.bytes)} · ${plural(report.errors.length, 'error')} · ${report.stats.ms} ms${report.stats.cached ? ' (cached)' : ''}`,
  );
  return `${lines.join('\n')}\n`;
}
