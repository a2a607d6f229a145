import { catalog, SEVERITY_ORDER } from '../../../capabilities/index.js';
import type { AuditPackage, AuditReport } from '../../contract/index.js';
import { familyLabel, groupFamilies, type Grouped } from './family.js';

const severity = new Map(catalog.map((c) => [c.id, c.severity]));
const rank = (id: string) => SEVERITY_ORDER.indexOf(severity.get(id) ?? 'low');
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const itemsOf = (g: Grouped<AuditPackage>) => (g.kind === 'one' ? [g.item] : g.items);
const topRank = (g: Grouped<AuditPackage>) => Math.max(...itemsOf(g).flatMap((p) => p.capabilities.map(rank)));
const nameOf = (g: Grouped<AuditPackage>) => (g.kind === 'one' ? g.item.name : (g.family.glob ?? g.family.parent));

function title(g: Grouped<AuditPackage>): string {
  if (g.kind === 'one') return `\`${cell(g.item.name)}@${cell(g.item.version)}\``;
  const versions = [...new Set(g.items.map((p) => p.version))];
  const label = familyLabel(g.family, g.items.length);
  const name = g.family.glob ?? g.family.parent;
  return `\`${cell(name)}\`${cell(label.slice(name.length))} ${cell(versions.length <= 3 ? versions.join(', ') : `${versions.length} versions`)}`;
}

function capabilities(g: Grouped<AuditPackage>): string {
  if (g.kind === 'one') return g.item.capabilities.map((c) => `${c} (${g.item.counts[c] ?? 0})`).join(', ');
  const caps = [...new Set(g.items.flatMap((p) => p.capabilities))].sort((a, b) => rank(b) - rank(a) || (a < b ? -1 : 1));
  return caps.map((c) => `${c} (in ${g.items.filter((p) => p.capabilities.includes(c)).length})`).join(', ');
}

function kind(g: Grouped<AuditPackage>): string {
  const items = itemsOf(g);
  return [items.every((p) => p.dev) ? 'dev' : 'prod', items.every((p) => p.optional) ? 'optional' : ''].filter(Boolean).join(', ');
}

/**
 * The audit as Markdown (a PR comment or a job summary): counts, a package table riskiest first (a platform
 * family is one row), collapsible evidence.
 */
export function formatAuditMarkdown(report: AuditReport): string {
  const out: string[] = ['## depcaps audit', ''];
  const caps = Object.entries(report.summary.capabilities).sort((a, b) => rank(b[0]) - rank(a[0]) || b[1] - a[1]);
  out.push(`**${report.summary.packages} packages** in \`${cell(report.lockfile.path)}\` (${report.lockfile.format} v${report.lockfile.formatVersion}) · ${report.summary.errors} not analysed · ${report.summary.partial} partial`, '');
  out.push('| capability | severity | packages |', '|---|---|---:|');
  for (const [c, n] of caps) out.push(`| ${c} | ${severity.get(c) ?? ''} | ${n} |`);
  const withCaps = groupFamilies(report.packages.filter((p) => p.capabilities.length > 0)).sort((a, b) => topRank(b) - topRank(a) || (nameOf(a) < nameOf(b) ? -1 : 1));
  if (withCaps.length > 0) {
    out.push('', '| package | capabilities | kind |', '|---|---|---|');
    for (const g of withCaps) out.push(`| ${title(g)} | ${capabilities(g)} | ${kind(g)} |`);
    out.push('', '<details><summary>Evidence</summary>', '');
    for (const g of withCaps) {
      out.push(g.kind === 'one' ? `**${cell(g.item.name)}@${cell(g.item.version)}**` : `**${title(g)}**`, '');
      // A family shows one finding per capability, from the first member that has it.
      const seen = new Set<string>();
      for (const p of itemsOf(g)) {
        for (const e of p.evidence) {
          if (g.kind === 'family' && seen.has(e.capability)) continue;
          seen.add(e.capability);
          const who = g.kind === 'family' ? `\`${cell(p.name)}\` · ` : '';
          out.push(`- ${e.capability} · ${who}\`${cell(e.api)}\` · \`${cell(e.file)}:${e.line}\` — \`${cell(e.excerpt)}\``);
        }
      }
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
