import { catalog, SEVERITY_ORDER } from '../../../capabilities/index.js';
import type { AuditReport } from '../../contract/index.js';

const severity = new Map(catalog.map((c) => [c.id, c.severity]));
const rank = (id: string) => SEVERITY_ORDER.indexOf(severity.get(id) ?? 'low');
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The audit as Markdown (a PR comment or a job summary): counts, a package table, collapsible evidence. */
export function formatAuditMarkdown(report: AuditReport): string {
  const out: string[] = ['## depcaps audit', ''];
  const caps = Object.entries(report.summary.capabilities).sort((a, b) => rank(b[0]) - rank(a[0]) || b[1] - a[1]);
  out.push(`**${report.summary.packages} packages** in \`${cell(report.lockfile.path)}\` (${report.lockfile.format} v${report.lockfile.formatVersion}) · ${report.summary.errors} not analysed · ${report.summary.partial} partial`, '');
  out.push('| capability | severity | packages |', '|---|---|---:|');
  for (const [c, n] of caps) out.push(`| ${c} | ${severity.get(c) ?? ''} | ${n} |`);
  const withCaps = report.packages.filter((p) => p.capabilities.length > 0).sort((a, b) => Math.max(...b.capabilities.map(rank)) - Math.max(...a.capabilities.map(rank)) || (a.name < b.name ? -1 : 1));
  if (withCaps.length > 0) {
    out.push('', '| package | capabilities | kind |', '|---|---|---|');
    for (const p of withCaps) {
      out.push(`| \`${cell(p.name)}@${cell(p.version)}\` | ${p.capabilities.map((c) => `${c} (${p.counts[c] ?? 0})`).join(', ')} | ${[p.dev ? 'dev' : 'prod', p.optional ? 'optional' : ''].filter(Boolean).join(', ')} |`);
    }
    out.push('', '<details><summary>Evidence</summary>', '');
    for (const p of withCaps) {
      out.push(`**${cell(p.name)}@${cell(p.version)}**`, '');
      for (const e of p.evidence) out.push(`- ${e.capability} · \`${cell(e.api)}\` · \`${cell(e.file)}:${e.line}\` — \`${cell(e.excerpt)}\``);
      out.push('');
    }
    out.push('</details>');
  }
  const broken = report.packages.filter((p) => p.status !== 'ok');
  if (broken.length > 0) {
    out.push('', '### Not fully analysed', '');
    for (const p of broken) out.push(`- \`${cell(p.name)}@${cell(p.version)}\`: ${cell(p.error ?? p.status)}`);
  }
  return `${out.join('\n')}\n`;
}
