import { catalog, SEVERITY_ORDER } from '../../../capabilities/index.js';
import type { AuditPackage, AuditReport } from '../../contract/index.js';
import { familyLabel, groupFamilies, type Grouped } from './family.js';

const severity = new Map(catalog.map((c) => [c.id, c.severity]));
const rank = (id: string) => SEVERITY_ORDER.indexOf(severity.get(id) ?? 'low');
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
/** Rows of "Runs at install" at most: a longer table is not read; the rest are counted. */
const MAX_INSTALL_ROWS = 50;
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * Text from a package as a code span that shows it verbatim on one line: the fence is one backtick longer
 * than the longest run inside (CommonMark), and `|` is escaped because GFM splits table cells before spans.
 */
function code(text: string, inTable = true): string {
  let flat = text.replace(/[\r\n]+/g, ' ');
  if (inTable) flat = flat.replace(/\|/g, '\\|');
  if (flat === '') return '';
  const fence = '`'.repeat(Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length)) + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/**
 * "Runs at install": a table of the packages whose install runs code (platform families as one row), the
 * riskiest install-time code first, with their scripts and what that code can do; then one evidence line per
 * capability in a collapsible block.
 */
function installSection(report: AuditReport): string[] {
  const installing = report.packages.filter((p) => p.install !== undefined);
  if (installing.length === 0) return [];
  const capsOf = (g: Grouped<AuditPackage>) => [...new Set(itemsOf(g).flatMap((p) => p.install?.capabilities ?? []))].sort((a, b) => rank(b) - rank(a) || (a < b ? -1 : 1));
  // Every one of them has install-script: what else its install-time code does ranks it.
  const beyond = (g: Grouped<AuditPackage>) => capsOf(g).filter((c) => c !== 'install-script');
  const top = (g: Grouped<AuditPackage>) => Math.max(-1, ...beyond(g).map(rank)) * 100 + beyond(g).length;
  const groups = groupFamilies(installing).sort((a, b) => top(b) - top(a) || (nameOf(a) < nameOf(b) ? -1 : 1));
  const shown = groups.slice(0, MAX_INSTALL_ROWS);
  const scripts = (p: AuditPackage) => Object.entries(p.install?.scripts ?? {}).map(([event, command]) => code(clip(`${event}: ${command}`, 120))).join('<br>');
  const out = [`### Runs at install (${installing.length})`, '', 'Their code runs on `npm install`, before anyone reviews it.', '', '| package | install script | its install-time code can | kind |', '|---|---|---|---|'];
  for (const g of shown) {
    const p = itemsOf(g)[0]!;
    const caps = capsOf(g);
    const can = caps.length > 0 ? caps.join(', ') : (p.install?.programs.length ?? 0) > 0 ? `nothing in its own code; starts ${p.install!.programs.join(', ')}` : 'nothing found';
    out.push(`| ${title(g)}${p.install?.when === 'git' ? ' (prepare: git installs only)' : ''} | ${scripts(p)} | ${cell(can)} | ${kind(g)} |`);
  }
  if (groups.length > shown.length) out.push('', `… ${groups.length - shown.length} more; \`depcaps scripts\` lists them all.`);
  const evidence = shown.flatMap((g) => {
    const items = itemsOf(g);
    return beyond(g).flatMap((c) => {
      const e = items.flatMap((p) => p.install?.evidence ?? []).find((x) => x.capability === c);
      return e === undefined ? [] : [`- ${g.kind === 'one' ? code(`${g.item.name}@${g.item.version}`, false) : title(g)} · ${c} · ${code(clip(e.api, 80), false)} · ${code(`${clip(e.file, 100)}:${e.line}`, false)} — ${code(clip(e.excerpt, 160), false)}`];
    });
  });
  if (evidence.length > 0) out.push('', '<details><summary>What install-time code does</summary>', '', ...evidence, '', '</details>');
  return [...out, ''];
}
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
  const installing = report.packages.filter((p) => p.install !== undefined).length;
  out.push(`**${report.summary.packages} packages** in \`${cell(report.lockfile.path)}\` (${report.lockfile.format} v${report.lockfile.formatVersion}) · ${installing} ${installing === 1 ? 'runs' : 'run'} code at install · ${report.summary.errors} not analysed · ${report.summary.partial} partial`, '');
  out.push(...installSection(report));
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
