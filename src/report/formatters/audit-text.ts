import { catalog, SEVERITY_ORDER } from '../../../capabilities/index.js';
import type { AuditPackage, AuditReport } from '../../contract/index.js';
import { familyLabel, groupFamilies, type Grouped } from './family.js';
import { makeStyle, type Style } from './style.js';

/** Options of the audit text formatter. */
export interface AuditTextOptions {
  color?: boolean;
  /** Lines listed per capability group (a platform family is one line); `Infinity` for all. */
  perGroup?: number;
  /** Packages shown with their scripts and evidence in "runs at install"; the rest are named on a few lines. `Infinity` for all. */
  perInstall?: number;
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
/** Packages of "runs at install" shown in full without `all`; the others are only named, up to {@link MAX_INSTALL_NAMES}. */
const INSTALL_SHOWN = 12;
const MAX_INSTALL_NAMES = 40;
/** Lists of names wrap at this width. */
const WIDTH = 100;
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
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
  const installing = report.packages.filter((p) => p.install !== undefined);
  const lines: string[] = [
    s.bold(`depcaps audit of ${report.lockfile.path}`) + s.dim(` (${report.lockfile.format} v${report.lockfile.formatVersion})`),
    `${sum.packages} packages: ${installing.length} ${installing.length === 1 ? 'runs' : 'run'} code at install · ${decision} hold a high or critical capability · ${medium} only lower ones · ${none} none · ${failed} not analysed`,
    '',
  ];
  // What runs at install comes first: it runs on `npm install`, before anyone reviews or imports anything.
  if (installing.length > 0) lines.push(...installSection(installing, all ? Infinity : (options.perInstall ?? INSTALL_SHOWN), s), '');
  const caps = Object.entries(sum.capabilities).sort((a, b) => rank(b[0]) - rank(a[0]) || order(a[0]) - order(b[0]));
  const width = Math.max(16, ...caps.map(([c]) => c.length + 2));
  if (caps.length > 0) lines.push(s.dim(`  ${'capability'.padEnd(width)}${'severity'.padEnd(10)}${'hold it'.padStart(8)}${'listed under it'.padStart(17)}`));
  for (const [cap, n] of caps) {
    const sev = severity.get(cap) ?? 'low';
    lines.push(`  ${s.severity(sev, cap.padEnd(width))}${sev.padEnd(10)}${String(n).padStart(8)}${String(listed(cap)).padStart(17)}`);
  }
  if (caps.length === 0) lines.push('  no package has any capability');
  else {
    const families = report.packages.some((p) => p.family !== undefined);
    lines.push(
      s.dim(
        `  (a package holding several capabilities is listed once, under its riskiest${families ? "; a platform family, with all its members, under its members' riskiest" : ''})`,
      ),
    );
  }

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

/** `a, b, c` wrapped at {@link WIDTH} under a first line that starts with `head`. */
function wrapped(head: string, items: readonly string[], indent: string): string[] {
  const lines: string[] = [];
  let line = head;
  items.forEach((item, i) => {
    const piece = `${item}${i < items.length - 1 ? ',' : ''}`;
    if (line !== head && line.length + 1 + piece.length > WIDTH) {
      lines.push(line);
      line = `${indent}${piece}`;
    } else line = line === head ? `${head}${piece}` : `${line} ${piece}`;
  });
  lines.push(line);
  return lines;
}

/** `postinstall: node install.js; install: node-gyp rebuild`, cut to `max`. */
function scriptLine(p: AuditPackage, max: number): string {
  return clip(Object.entries(p.install?.scripts ?? {}).map(([event, command]) => `${event}: ${command}`).join('; '), max);
}

/**
 * "runs at install": each package (a platform family as one) with its install scripts and what the code
 * they run can do, one evidence line per capability, riskiest first; the packages with the riskiest
 * install-time code first. Past `limit` packages the rest are named only, and past a few lines counted.
 */
function installSection(installing: readonly AuditPackage[], limit: number, s: Style): string[] {
  // Every one of them has install-script: what else its install-time code does ranks it.
  const beyond = (g: Grouped<AuditPackage>) => installCapsOf(g).filter((c) => c !== SCRIPT_CAPABILITY);
  const risk = (g: Grouped<AuditPackage>) => Math.min(100, ...beyond(g).map(order)) * 100 - beyond(g).length;
  const nameOf = (g: Grouped<AuditPackage>) => (g.kind === 'one' ? g.item.name : familyLabel(g.family, g.items.length));
  const groups = groupFamilies([...installing].sort(byName)).sort((a, b) => risk(a) - risk(b) || (nameOf(a) < nameOf(b) ? -1 : 1));
  const lines = [`${s.bold(`runs at install (${installing.length})`)} ${s.dim('· their code runs on `npm install`, before anyone reviews it: the script, and what that code can do')}`];
  for (const g of groups.slice(0, limit)) {
    const items = g.kind === 'one' ? [g.item] : g.items;
    const p = items[0]!;
    const tags = [p.dev ? 'dev' : '', p.optional ? 'optional' : '', p.alias ? `as ${p.alias}` : '', p.install?.when === 'git' ? 'prepare: git installs only' : ''].filter(Boolean).join(', ');
    const title = g.kind === 'one' ? `${p.name}@${p.version}` : `${familyLabel(g.family, items.length)} ${[...new Set(items.map((x) => x.version))].join(', ')}`;
    // The script is the install-script capability's evidence: the rows under it say what the code it runs does.
    const head = `  ${s.bold(title)}  ${scriptLine(p, 90)}${tags ? s.dim(`  [${tags}]`) : ''}`;
    const caps = beyond(g).sort((a, b) => order(a) - order(b));
    const programs = p.install?.programs ?? [];
    if (caps.length === 0) {
      const files = p.install?.files ?? [];
      const ran = files.length > 0 ? ` (${clip(files.join(', '), 50)})` : '';
      lines.push(`${head}${s.dim(` · ${p.status === 'error' ? 'not analysed' : `nothing found in the code it runs${ran}${programs.length > 0 ? `; starts ${programs.join(', ')}` : ''}`}`)}`);
      continue;
    }
    lines.push(head);
    // A family shows the first member's finding.
    const found = caps.map((cap) => ({ cap, e: items.flatMap((x) => x.install?.evidence ?? []).find((x) => x.capability === cap) }));
    const width = Math.max(...caps.map((c) => c.length)) + 2;
    const apiWidth = Math.min(34, Math.max(0, ...found.map(({ e }) => e?.api.length ?? 0))) + 2;
    const locWidth = Math.min(40, Math.max(0, ...found.map(({ e }) => (e ? `${e.file}:${e.line}`.length : 0)))) + 2;
    for (const { cap, e } of found) {
      // The script's own finding would repeat the line above: where it is says enough.
      const excerpt = e === undefined || e.file === 'package.json' ? '' : s.dim(clip(e.excerpt, 70));
      const where = e === undefined ? '' : `${clip(e.api, 34).padEnd(apiWidth)}${clip(`${e.file}:${e.line}`, 40).padEnd(locWidth)}${excerpt}`;
      lines.push(`    ${s.severity(severity.get(cap) ?? 'low', cap.padEnd(width))}${where}`.trimEnd());
    }
  }
  const rest = groups.slice(limit);
  if (rest.length > 0) {
    const names = rest.map((g) => (g.kind === 'one' ? `${g.item.name}@${g.item.version}` : familyLabel(g.family, g.items.length)));
    const shown = names.slice(0, MAX_INSTALL_NAMES);
    const more = names.length > shown.length ? [`… ${names.length - shown.length} more`] : [];
    lines.push(...wrapped(`  … and ${rest.length} more (--all or --json shows them, \`depcaps scripts\` reviews them): `, [...shown, ...more], '    ').map(s.dim));
  }
  return lines;
}

/** The capability of the install scripts themselves: every package of "runs at install" has it. */
const SCRIPT_CAPABILITY = 'install-script';

/** What a package's (or a family's) install-time code can do. */
const installCapsOf = (g: Grouped<AuditPackage>) => [...new Set((g.kind === 'one' ? [g.item] : g.items).flatMap((p) => p.install?.capabilities ?? []))];

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
