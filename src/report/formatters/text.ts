import { catalog, SEVERITY_ORDER } from '../../../capabilities/index.js';
import type { Finding, ScanReport } from '../../contract/index.js';
import { makeStyle } from './style.js';

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

/**
 * Human report of a scan: findings grouped by capability (riskiest first), each with API,
 * file:line:column and excerpt; then errors and anomalies; then a one-line summary.
 */
export function formatScanText(report: ScanReport, options: TextOptions = {}): string {
  const s = makeStyle(options.color ?? false);
  const limit = options.perCapability ?? 10;
  const lines: string[] = [];
  const byCap = new Map<string, Finding[]>();
  for (const f of report.findings) {
    const list = byCap.get(f.capability) ?? [];
    list.push(f);
    byCap.set(f.capability, list);
  }
  const caps = [...byCap.keys()].sort((a, b) => rank(b) - rank(a) || (a < b ? -1 : 1));
  lines.push(s.bold(`${packageLabel(report)}`) + s.dim(`  (${report.package.source ?? 'package'}, status ${report.status})`));
  for (const cap of caps) {
    const list = byCap.get(cap)!;
    const sev = severityOf.get(cap) ?? 'low';
    lines.push('');
    lines.push(`${s.severity(sev, s.bold(cap))}  ${s.dim(`${sev} · ${plural(list.length, 'finding')}`)}`);
    const shown = list.slice(0, limit);
    const apiWidth = Math.min(32, Math.max(...shown.map((f) => f.api.length)) + 2);
    const locWidth = Math.min(44, Math.max(...shown.map((f) => `${f.file}:${f.line}:${f.column}`.length)) + 2);
    for (const f of shown) {
      const conf = f.confidence === 'high' ? '' : s.dim(` [${f.confidence}]`);
      lines.push(`  ${pad(f.api, apiWidth)}${pad(`${f.file}:${f.line}:${f.column}`, locWidth)}${f.excerpt}${conf}`);
    }
    if (list.length > shown.length) lines.push(s.dim(`  … ${list.length - shown.length} more (--all or --json shows every finding)`));
  }
  if (report.errors.length > 0) {
    lines.push('', s.bold(`not fully analysed (${report.errors.length})`));
    for (const e of report.errors) lines.push(`  ${e.file}: ${e.reason ? `[${e.reason}] ` : ''}${e.message.startsWith(`${e.file}: `) ? e.message.slice(e.file.length + 2) : e.message}`);
  }
  if (report.anomalies.length > 0) {
    lines.push('', s.bold(`anomalies (${report.anomalies.length})`));
    for (const a of report.anomalies) lines.push(`  ${a.kind}  ${a.file}: ${a.message}`);
  }
  const capsText = caps.length > 0 ? caps.join(', ') : 'no capabilities';
  const files = new Set(report.findings.map((f) => f.file)).size;
  lines.push(
    '',
    `${s.bold(packageLabel(report))}: ${capsText} · ${plural(report.findings.length, 'finding')} in ${files} of ${plural(report.stats.files, 'file')} · ${humanBytes(report.stats.bytes)} · ${plural(report.errors.length, 'error')} · ${report.stats.ms} ms${report.stats.cached ? ' (cached)' : ''}`,
  );
  return `${lines.join('\n')}\n`;
}
