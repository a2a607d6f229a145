import { catalog, SEVERITY_ORDER } from '../../../capabilities/index.js';
import type { AuditPackage, AuditReport } from '../../contract/index.js';
import { familyLabel, groupFamilies, type Grouped } from './family.js';
import { makeStyle } from './style.js';

/** Options of the audit text formatter. */
export interface AuditTextOptions {
  color?: boolean;
  /** Lines listed per capability group (a platform family is one line); `Infinity` for all. */
  perGroup?: number;
  /** Every package: medium-only and capability-free ones listed too, families expanded, no per-group limit. */
  all?: boolean;
}

const severity = new Map(catalog.map((c) => [c.id, c.severity]));
const rank = (id: string) => SEVERITY_ORDER.indexOf(severity.get(id) ?? 'low');
/** A capability at or above this severity needs a decision: the audit leads with the packages that hold one. */
const DECISION_RANK = SEVERITY_ORDER.indexOf('high');
/** Order of the groups: riskiest first (install-script before shell, as the issue asks). */
const GROUP_ORDER = ['install-script', 'obfuscated', 'global-tamper', 'shell', 'eval', 'native', 'network', 'dynamic-require', 'env', 'filesystem'];
const order = (id: string) => {
  const i = GROUP_ORDER.indexOf(id);
  return i === -1 ? 100 - rank(id) : i;
};
/** Lockfile problems listed without `all`. */
const MAX_DIAGNOSTICS = 10;
const byName = (a: AuditPackage, b: AuditPackage) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function riskiest(capabilities: readonly string[]): string | undefined {
  return [...capabilities].sort((a, b) => order(a) - order(b))[0];
}

/** The capabilities of a package or of a whole family (a family is listed once, under its members' riskiest). */
const capsOf = (items: readonly AuditPackage[]) => [...new Set(items.flatMap((p) => p.capabilities))];

/**
 * Each capability's group: the packages whose riskiest capability it is, platform families kept together
 * under their members' riskiest. The header and the sections both count from this, so they agree.
 */
function groupsOf(report: AuditReport): Map<string, AuditPackage[]> {
  const groups = new Map<string, AuditPackage[]>();
  for (const g of groupFamilies(report.packages)) {
    const items = g.kind === 'one' ? [g.item] : g.items;
    const cap = riskiest(capsOf(items));
    if (cap !== undefined) groups.set(cap, [...(groups.get(cap) ?? []), ...items]);
  }
  return groups;
}

/**
 * The audit as a person reads it: what needs a decision first — the packages holding a high or critical
 * capability, grouped by their riskiest one with evidence counts (platform families as one line), and what
 * could not be analysed — then a line each for the packages with only medium capabilities and those with
 * none (`all`: listed in full), lockfile problems, and a one-line summary. The header's counts per
 * capability say how many packages hold it and how many are listed under it.
 */
export function formatAuditText(report: AuditReport, options: AuditTextOptions = {}): string {
  const s = makeStyle(options.color ?? false);
  const all = options.all === true;
  const limit = all ? Infinity : (options.perGroup ?? 25);
  const groups = groupsOf(report);
  const listed = (cap: string) => groups.get(cap)?.length ?? 0;
  const decides = (cap: string) => rank(cap) >= DECISION_RANK;
  const decision = [...groups].filter(([c]) => decides(c)).reduce((n, [, list]) => n + list.length, 0);
  const medium = [...groups].filter(([c]) => !decides(c)).reduce((n, [, list]) => n + list.length, 0);
  const failed = report.packages.filter((p) => p.status === 'error').length;
  const none = report.packages.length - decision - medium - failed;
  const sum = report.summary;
  const lines: string[] = [
    s.bold(`depcaps audit of ${report.lockfile.path}`) + s.dim(` (${report.lockfile.format} v${report.lockfile.formatVersion})`),
    `${sum.packages} packages: ${decision} hold a high or critical capability · ${medium} only lower ones · ${none} none · ${failed} not analysed`,
    '',
  ];
  const caps = Object.entries(sum.capabilities).sort((a, b) => rank(b[0]) - rank(a[0]) || order(a[0]) - order(b[0]));
  const width = Math.max(16, ...caps.map(([c]) => c.length + 2));
  if (caps.length > 0) lines.push(s.dim(`  ${'capability'.padEnd(width)}${'severity'.padEnd(10)}${'hold it'.padStart(8)}${'listed under it'.padStart(17)}`));
  for (const [cap, n] of caps) {
    const sev = severity.get(cap) ?? 'low';
    lines.push(`  ${s.severity(sev, cap.padEnd(width))}${sev.padEnd(10)}${String(n).padStart(8)}${String(listed(cap)).padStart(17)}`);
  }
  if (caps.length === 0) lines.push('  no package has any capability');
  else lines.push(s.dim('  (a package holding several capabilities is listed once, under its riskiest)'));

  const section = (cap: string) => {
    const list = groups.get(cap)!.sort(byName);
    lines.push('', `${s.severity(severity.get(cap) ?? 'low', s.bold(cap))} ${s.dim(`(${list.length})`)}`);
    const entries = groupFamilies(list);
    for (const g of entries.slice(0, limit)) lines.push(...entryLines(g, all, s.dim));
    if (entries.length > limit) lines.push(s.dim(`  … ${entries.length - limit} more (--all lists every package)`));
  };
  const ordered = [...groups.keys()].sort((a, b) => order(a) - order(b));
  for (const cap of ordered.filter(decides)) section(cap);

  const broken = report.packages.filter((p) => p.status !== 'ok').sort(byName);
  if (broken.length > 0) {
    const partial = broken.filter((p) => p.status === 'partial' && p.capabilities.length > 0).length;
    lines.push('', s.bold(`not fully analysed (${broken.length})`) + (partial > 0 ? s.dim(` · ${partial} partly analysed ${partial === 1 ? 'one is' : 'ones are'} also listed under a capability`) : ''));
    for (const p of broken) lines.push(`  ${p.name}@${p.version}: ${p.error ?? p.status}`);
  }

  const lower = ordered.filter((c) => !decides(c));
  if (all) {
    for (const cap of lower) section(cap);
    const bare = report.packages.filter((p) => p.status !== 'error' && p.capabilities.length === 0).sort(byName);
    if (bare.length > 0) {
      lines.push('', `${s.bold('no capability')} ${s.dim(`(${bare.length})`)}`);
      for (const g of groupFamilies(bare)) lines.push(...entryLines(g, true, s.dim));
    }
  } else {
    if (lower.length > 0) lines.push('', `${s.bold('lower severity only')} ${s.dim(`(${medium})`)}: ${lower.map((c) => `${c} ${listed(c)}`).join(', ')} ${s.dim('(--all lists them)')}`);
    if (none > 0) lines.push(`${s.bold('no capability')} ${s.dim(`(${none})`)} ${s.dim('(--all lists them)')}`);
  }
  if (report.diagnostics.length > 0) {
    lines.push('', s.bold(`lockfile problems (${report.diagnostics.length})`));
    const shown = all ? report.diagnostics : report.diagnostics.slice(0, MAX_DIAGNOSTICS);
    for (const d of shown) lines.push(`  ${d.key}${d.line ? ` (line ${d.line})` : ''}: ${d.message}`);
    if (shown.length < report.diagnostics.length) lines.push(s.dim(`  … ${report.diagnostics.length - shown.length} more (--all or --json lists them)`));
  }
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

/** A package's line (`name@version  shell 2, env 1  [dev]`), or a family's line and, when `expand`, its members'. */
function entryLines(g: Grouped<AuditPackage>, expand: boolean, dim: (t: string) => string): string[] {
  const line = (p: AuditPackage, indent: string) => {
    const counts = p.capabilities.map((c) => `${c} ${p.counts[c] ?? 0}`).join(', ');
    const tags = [p.dev ? 'dev' : '', p.optional ? 'optional' : '', p.alias ? `as ${p.alias}` : ''].filter(Boolean).join(', ');
    return `${indent}${`${p.name}@${p.version}`.padEnd(36)} ${counts}${tags ? dim(`  [${tags}]`) : ''}`;
  };
  if (g.kind === 'one') return [line(g.item, '  ')];
  const versions = [...new Set(g.items.map((p) => p.version))];
  // How many members hold each capability: one wasm build among 23 binaries reads differently from 23.
  const caps = capsOf(g.items).sort((a, b) => order(a) - order(b)).map((c) => `${c} in ${g.items.filter((p) => p.capabilities.includes(c)).length}`);
  const head = `  ${familyLabel(g.family, g.items.length)} ${versions.length <= 3 ? versions.join(', ') : `${versions.length} versions`}: ${caps.join(', ') || 'no capability'}`;
  return expand ? [head, ...g.items.map((p) => line(p, '    '))] : [head];
}
