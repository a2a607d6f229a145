import type { DiffReport } from '../../contract/index.js';
import { makeStyle } from './style.js';

/** Options of the diff text formatter. */
export interface DiffTextOptions {
  color?: boolean;
}

const pad = (text: string, width: number) => (text.length >= width ? `${text} ` : text + ' '.repeat(width - text.length));

/**
 * A compact change report: `+ network  https.request  lib/x.js:12` per new finding, capability-level
 * changes with the dependency path for transitive additions, dependency changes, then a verdict line.
 */
export function formatDiffText(report: DiffReport, options: DiffTextOptions = {}): string {
  const s = makeStyle(options.color ?? false);
  const plus = (t: string) => (options.color ? `\u001b[32m${t}\u001b[39m` : t);
  const minus = (t: string) => (options.color ? `\u001b[31m${t}\u001b[39m` : t);
  const lines: string[] = [s.bold(`${report.name} ${report.from} → ${report.to}`)];
  const capWidth = Math.max(12, ...[...report.newFindings, ...report.goneFindings].map((f) => f.capability.length + 2));
  const apiWidth = Math.min(30, Math.max(8, ...[...report.newFindings, ...report.goneFindings].map((f) => f.api.length + 2)));
  if (report.added.length + report.removed.length > 0) {
    lines.push('');
    for (const c of report.added) lines.push(plus(`+ ${c}`) + s.dim('  (new capability)'));
    for (const c of report.removed) lines.push(minus(`- ${c}`) + s.dim('  (capability gone)'));
  }
  if (report.newFindings.length + report.goneFindings.length > 0) {
    lines.push('');
    for (const f of report.newFindings) lines.push(`${plus('+')} ${pad(f.capability, capWidth)}${pad(f.api, apiWidth)}${f.file}:${f.line}  ${s.dim(f.excerpt)}`);
    for (const f of report.goneFindings) lines.push(`${minus('-')} ${pad(f.capability, capWidth)}${pad(f.api, apiWidth)}${f.file}:${f.line}  ${s.dim(f.excerpt)}`);
  }
  const t = report.transitive;
  if (t.added.length + t.removed.length > 0) {
    lines.push('', s.bold('through dependencies'));
    for (const a of t.added) lines.push(`${plus('+')} ${pad(a.capability, capWidth)}via ${a.via.join(' › ')}`);
    for (const a of t.removed) lines.push(`${minus('-')} ${pad(a.capability, capWidth)}was via ${a.via.join(' › ')}`);
  }
  const fresh = t.newPackages.filter((p) => p.capabilities.length > 0);
  if (fresh.length > 0) {
    lines.push('', s.bold('new packages in the tree with capabilities'));
    for (const p of fresh) lines.push(`  ${pad(p.package, 28)}${p.capabilities.join(', ')}${s.dim(`  via ${p.via.join(' › ')}`)}`);
  }
  const d = report.dependencies;
  const deps = [
    ...Object.entries(d.added).map(([n, r]) => plus(`+ ${n} ${r}`)),
    ...Object.entries(d.changed).map(([n, r]) => `~ ${n} ${r.from} → ${r.to}`),
    ...Object.entries(d.removed).map(([n, r]) => minus(`- ${n} ${r}`)),
  ];
  if (deps.length > 0) lines.push('', s.bold('dependencies'), ...deps.map((x) => `  ${x}`));
  if (t.errors.length > 0) {
    lines.push('', s.bold(`not analysed (${t.errors.length}); the transitive result may be incomplete`));
    for (const e of t.errors) lines.push(`  ${e.package}: ${e.message}`);
  }
  const sev = report.risk === 'high' ? 'critical' : report.risk;
  const verdict = report.added.length + t.added.length === 0 && report.newFindings.length === 0 ? 'no new capabilities' : `${report.added.length} new capabilities, ${t.added.length} through dependencies, ${report.newFindings.length} new findings`;
  lines.push('', `${report.name} ${report.from} → ${report.to}: risk ${s.severity(sev, s.bold(report.risk))} · ${verdict}${t.resolution === 'none' ? '' : ` · trees resolved as of ${t.resolution === 'latest' ? 'today' : 'the publish time'}`}`);
  return `${lines.join('\n')}\n`;
}
