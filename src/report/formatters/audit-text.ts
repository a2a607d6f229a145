import { catalog, SEVERITY_ORDER } from '../../../capabilities/index.js';
import type { AuditPackage, AuditReport } from '../../contract/index.js';
import { makeStyle } from './style.js';

/** Options of the audit text formatter. */
export interface AuditTextOptions {
  color?: boolean;
  /** Packages listed per capability group; `Infinity` for all. */
  perGroup?: number;
}

const severity = new Map(catalog.map((c) => [c.id, c.severity]));
const rank = (id: string) => SEVERITY_ORDER.indexOf(severity.get(id) ?? 'low');
/** Order of the groups: riskiest first (install-script before shell, as the issue asks). */
const GROUP_ORDER = ['install-script', 'obfuscated', 'global-tamper', 'shell', 'eval', 'native', 'network', 'dynamic-require', 'env', 'filesystem'];

function riskiest(p: AuditPackage): string | undefined {
  const caps = [...p.capabilities];
  caps.sort((a, b) => {
    const ia = GROUP_ORDER.indexOf(a);
    const ib = GROUP_ORDER.indexOf(b);
    return (ia === -1 ? 100 - rank(a) : ia) - (ib === -1 ? 100 - rank(b) : ib);
  });
  return caps[0];
}

/**
 * The audit as a person reads it: counts per capability first, then packages grouped by their riskiest
 * capability with evidence counts, then what could not be analysed, then a one-line summary.
 */
export function formatAuditText(report: AuditReport, options: AuditTextOptions = {}): string {
  const s = makeStyle(options.color ?? false);
  const limit = options.perGroup ?? 25;
  const lines: string[] = [s.bold(`depcaps audit of ${report.lockfile.path}`) + s.dim(` (${report.lockfile.format} v${report.lockfile.formatVersion})`), ''];
  const caps = Object.entries(report.summary.capabilities).sort((a, b) => rank(b[0]) - rank(a[0]) || b[1] - a[1]);
  const width = Math.max(16, ...caps.map(([c]) => c.length + 2));
  for (const [cap, n] of caps) {
    const sev = severity.get(cap) ?? 'low';
    lines.push(`  ${s.severity(sev, cap.padEnd(width))}${String(n).padStart(5)} package${n === 1 ? '' : 's'}`);
  }
  if (caps.length === 0) lines.push('  no package has any capability');
  const groups = new Map<string, AuditPackage[]>();
  for (const p of report.packages) {
    const g = riskiest(p);
    if (g === undefined) continue;
    groups.set(g, [...(groups.get(g) ?? []), p]);
  }
  for (const g of [...groups.keys()].sort((a, b) => (GROUP_ORDER.indexOf(a) + 100) % 100 - (GROUP_ORDER.indexOf(b) + 100) % 100)) {
    const list = groups.get(g)!.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    lines.push('', `${s.severity(severity.get(g) ?? 'low', s.bold(g))} ${s.dim(`(${list.length})`)}`);
    for (const p of list.slice(0, limit)) {
      const counts = p.capabilities.map((c) => `${c} ${p.counts[c] ?? 0}`).join(', ');
      const tags = [p.dev ? 'dev' : '', p.optional ? 'optional' : '', p.alias ? `as ${p.alias}` : ''].filter(Boolean).join(', ');
      lines.push(`  ${`${p.name}@${p.version}`.padEnd(36)} ${counts}${tags ? s.dim(`  [${tags}]`) : ''}`);
    }
    if (list.length > limit) lines.push(s.dim(`  … ${list.length - limit} more (--json lists every package)`));
  }
  const broken = report.packages.filter((p) => p.status !== 'ok');
  if (broken.length > 0) {
    lines.push('', s.bold(`not fully analysed (${broken.length})`));
    for (const p of broken) lines.push(`  ${p.name}@${p.version}: ${p.error ?? p.status}`);
  }
  if (report.diagnostics.length > 0) {
    lines.push('', s.bold(`lockfile problems (${report.diagnostics.length})`));
    for (const d of report.diagnostics) lines.push(`  ${d.key}${d.line ? ` (line ${d.line})` : ''}: ${d.message}`);
  }
  const sum = report.summary;
  lines.push('', `${sum.packages} packages: ${caps.length > 0 ? caps.map(([c, n]) => `${n} ${c}`).join(', ') : 'no capabilities'} · ${sum.errors} not analysed · ${sum.partial} partial · ${sum.cached} from cache`);
  const shared = sum.sharedCache;
  if (shared) {
    lines.push(
      shared.failed
        ? `shared cache ${shared.store}: not used (${shared.failed})`
        : `shared cache ${shared.store}: ${shared.hits} from the store · ${shared.readonly ? 'read-only' : `${shared.inserted} new results shared`}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
