import { catalog } from '../../../capabilities/index.js';
import type { GatePackage, GateReport } from '../../contract/index.js';
import { familyLabel, groupFamilies, type Grouped } from './family.js';
import {
  bestEvidence, CHANGE_SYMBOL, gainedByRuns, gainedWhenAmong, gateAllowed, gateBuiltInLine, gateChangeCount, gateChangeCounts, gateGroupTitle, gateNoticesOf, gatePolicyEntries, gateSections,
  gateNoticeTitle, gateVersions, gateVersionSpan, gateViolationsOf, installChanges, noticeLabel, installScriptLine, plural, printable, RUNS_WORDS, sortGatePackages, startsAtInstall, transitiveByPath,
} from './gate-parts.js';
import { makeStyle, type Style } from './style.js';

export { gateVersions, gateChange, gateViolationsOf, gatePackageOf, sortGatePackages, sortGateViolations, sortEvidence, gateSourceOf, gateAllowed, gatePolicyEntries, gateChangeCount, gateChangeCounts, printable } from './gate-parts.js';

/** Options of the gate text formatter. */
export interface GateTextOptions {
  color: boolean;
  /** List every change in full (passing ones too), not only what fails and a summary of the rest. */
  verbose?: boolean;
}

const severityOf = new Map(catalog.map((c) => [c.id, c.severity]));
const INDENT = '      ';
/** Suggested policy entries listed without `verbose`. */
const MAX_POLICY_LINES = 12;
/** Lockfile problems listed without `verbose`. */
const MAX_DIAGNOSTICS = 10;
/** Lists of names wrap at this width. */
const WIDTH = 100;

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

interface Paint {
  s: Style;
  red: (t: string) => string;
  green: (t: string) => string;
  cap: (id: string) => string;
}

/** `a, b, c` wrapped at {@link WIDTH} under a first line that starts with `head`. */
function wrapped(head: string, items: readonly string[], indent: string): string[] {
  const lines: string[] = [];
  let line = head;
  items.forEach((item, i) => {
    const piece = `${item}${i < items.length - 1 ? ',' : ''}`;
    if (line.length > indent.length && line !== head && line.length + 1 + piece.length > WIDTH) {
      lines.push(line);
      line = `${indent}${piece}`;
    } else line = line === head ? `${head}${piece}` : `${line} ${piece}`;
  });
  lines.push(line);
  return lines;
}

/** `name@version` of a package or the label of a family, for lists. */
function listName(group: Grouped<GatePackage>): string {
  if (group.kind === 'family') return familyLabel(group.family, group.items.length);
  return `${group.item.name}@${group.item.to ?? group.item.version}`;
}

/**
 * The lines of one changed package (or one platform family of them): what it gained, marked `✗ not
 * allowed` or `notice`, with the first finding of each capability that fails (of each, with `detail`);
 * what it gained through dependencies, one line per path; what it lost; whether it was fully analysed;
 * the rule that decided it; its path.
 */
function block(report: GateReport, group: Grouped<GatePackage>, paint: Paint, detail: boolean): string[] {
  const { s, red, cap } = paint;
  const items = group.kind === 'one' ? [group.item] : group.items;
  const first = items[0]!;
  const violations = items.flatMap((p) => gateViolationsOf(report, p));
  const notices = new Set(items.flatMap((p) => gateNoticesOf(report, p)).map((n) => n.capability));
  const denied = (c: string) => violations.some((v) => v.capability === c && v.kind !== 'incomplete');
  const lines: string[] = [];
  if (group.kind === 'one') {
    const p = group.item;
    const tags = [p.alias ? `as ${p.alias}` : '', p.dev ? 'dev' : '', p.optional ? 'optional' : '', p.source === 'registry' ? '' : p.source].filter(Boolean);
    lines.push(`${violations.length > 0 ? red('✗') : ' '} ${CHANGE_SYMBOL[p.change]} ${s.bold(printable(p.name))} ${printable(gateVersions(p))}${tags.length > 0 ? s.dim(`  [${printable(tags.join(', '))}]`) : ''}`);
  } else {
    lines.push(`${violations.length > 0 ? red('✗') : ' '} ${s.bold(printable(familyLabel(group.family, items.length)))} ${printable(gateVersionSpan(items))}`);
    lines.push(...wrapped(`${INDENT}members: `, items.map((p) => printable(p.name)), `${INDENT}  `).map(s.dim));
  }
  // A package that starts running code at install says so first, with the scripts: that code runs before review.
  const starting = items.filter(startsAtInstall);
  if (group.kind === 'one' && starting.length === 1) lines.push(`${INDENT}${s.bold('now runs code at install')}: ${printable(installScriptLine(first))}`);
  else if (starting.length > 0) lines.push(`${INDENT}${s.bold(`${starting.length === items.length ? 'all' : starting.length} ${starting.length === 1 ? 'member now runs' : 'members now run'} code at install`)}: ${printable(installScriptLine(starting[0]!))}`);
  else {
    const changed = installChanges(items).changed;
    if (group.kind === 'one' && changed.length === 1) lines.push(`${INDENT}install scripts changed: ${printable(installScriptLine(first))}`);
  }
  // Capabilities that pass are listed briefly, those gained at the same time together: `env, filesystem when called`.
  const brief = { notice: new Map<string, string[]>(), allowed: new Map<string, string[]>() };
  for (const c of gainedByRuns(items)) {
    const when = gainedWhenAmong(items, c);
    const atInstall = violations.some((v) => v.capability === c && v.runs === 'install' && first.policy.allowedAtInstall !== undefined);
    const mark = denied(c) ? `  ${red(atInstall ? '✗ not allowed at install' : '✗ not allowed')}` : notices.has(c) ? `  ${s.dim('notice')}` : '';
    // Held before, now used by install-time code too.
    const before = items.every((p) => !p.gained.includes(c)) ? s.dim(' (held before at run time)') : '';
    const words = when === undefined ? '' : ` ${RUNS_WORDS[when]}`;
    const label = `${cap(c)}${words}${before}`;
    if (!detail && !denied(c)) {
      const list = brief[notices.has(c) ? 'notice' : 'allowed'];
      const key = `${words}${before}`;
      list.set(key, [...(list.get(key) ?? []), cap(c)]);
      continue;
    }
    const e = bestEvidence(items, c, when);
    const where = e === undefined ? '' : `  ${printable(e.api)}  ${printable(e.file)}:${e.line}  ${s.dim(printable(clip(e.excerpt, 80)))}`;
    lines.push(`${INDENT}+ ${label}${where}${mark}`);
  }
  const gained = [...new Set(items.flatMap((p) => p.gained))].sort();
  const noticeCount = [...brief.notice.values()].flat().length;
  if (noticeCount > 0) lines.push(`${INDENT}+ ${[...brief.notice].map(([when, caps]) => `${caps.join(', ')}${when}`).join('; ')}  ${s.dim(noticeCount === 1 ? 'notice' : 'notices')}`);
  if (brief.allowed.size > 0) lines.push(`${INDENT}+ ${[...brief.allowed].map(([when, caps]) => `${caps.join(', ')}${when}`).join('; ')}  ${s.dim('allowed')}`);
  for (const [via, caps] of transitiveByPath(items)) {
    // A capability that fails only through a dependency (not gained in the package's own code) is marked here.
    const failing = caps.filter((c) => denied(c) && !gained.includes(c));
    const mark = failing.length === 0 ? '' : `  ${red(`✗ ${failing.length === caps.length ? '' : `${failing.join(', ')} `}not allowed`)}`;
    lines.push(`${INDENT}+ ${caps.map(cap).join(', ')} ${s.dim(`via ${printable(via.join(' › '))}`)}${mark}`);
  }
  for (const v of violations) {
    if (v.kind !== 'unallowed') continue;
    const when = v.runs === 'install' && first.policy.allowedAtInstall !== undefined ? ' at install' : '';
    lines.push(`${INDENT}${red(`✗ ${v.capability ?? ''} not allowed${when}`)} ${s.dim('(strict: held, not only gained)')}`);
  }
  const lost = [...new Set(items.flatMap((p) => p.lost))].sort();
  if (lost.length > 0) lines.push(s.dim(`${INDENT}- ${lost.join(', ')}`));
  const broken = items.filter((p) => p.status !== 'ok');
  if (broken.length > 0) {
    // A family's members fail alike (the same limit, the same parser): the first one's reason stands for them.
    const p = broken[0]!;
    const who = group.kind === 'family' ? `${broken.length === items.length ? 'all' : broken.length} ${broken.length === 1 ? 'member' : 'members'} (${printable(p.name)}${broken.length > 1 ? ', …' : ''}) ` : '';
    const text = `${who}not fully analysed (${p.status}): ${printable(p.error ?? 'no reason given')}`;
    lines.push(`${INDENT}${broken.some((x) => gateViolationsOf(report, x).some((v) => v.kind === 'incomplete')) ? red(`✗ ${text}`) : `! ${text}`}`);
  }
  const reason = first.policy.reason === undefined ? '' : `: ${printable(first.policy.reason)}`;
  if (first.policy.ignored) lines.push(s.dim(`${INDENT}ignored by policy rule ${printable(first.policy.rule)}${reason}`));
  else if (report.policy.builtIn && first.policy.rule === 'default') {
    // The header's line says how the gate judges without a policy file.
  } else if (violations.length > 0) lines.push(s.dim(`${INDENT}policy rule ${printable(first.policy.rule)} allows ${gateAllowed(first)}${reason}`));
  else if (first.gained.length + first.transitive.length > 0) lines.push(s.dim(`${INDENT}allowed by policy rule ${printable(first.policy.rule)}${reason}`));
  if (first.via.length > 1) lines.push(s.dim(`${INDENT}path: ${printable(first.via.join(' › '))}`));
  return lines;
}

/** Capabilities gained by `packages` (by `pick`), each with the packages or families that gained it, one wrapped line each. */
function byCapability(packages: readonly GatePackage[], pick: (p: GatePackage) => readonly string[], paint: Paint, indent = '  '): string[] {
  // Labels are capability ids, some with a note (`network at install`): install-time ones first, then by name.
  const rank = (label: string) => (label.endsWith(' at install') ? 0 : 1);
  const caps = [...new Set(packages.flatMap((p) => [...pick(p)]))].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return caps.flatMap((c) => {
    const groups = groupFamilies(packages.filter((p) => pick(p).includes(c)));
    const count = groups.reduce((n, g) => n + (g.kind === 'one' ? 1 : g.items.length), 0);
    const space = c.indexOf(' ');
    const label = space === -1 ? paint.cap(c) : `${paint.cap(c.slice(0, space))}${c.slice(space)}`;
    return wrapped(`${indent}${label} (${count}): `, groups.map((g) => printable(listName(g))), `${indent}    `);
  });
}

/** What a passing package gained, for the summary: `network`, or `network at install` when its new code runs then. */
function gainedLabels(p: GatePackage): string[] {
  const atInstall = (c: string) => (p.gainedRuns?.[c]?.[0] === 'install' ? `${c} at install` : c);
  return [...new Set([...p.gained, ...(p.gainedAtInstall ?? [])])].map(atInstall);
}

/** Passing changes in a few lines: counts per kind, one line per platform family, then what they gained. */
function passingSummary(report: GateReport, passing: readonly GatePackage[], paint: Paint): string[] {
  const { s } = paint;
  const counts = (['upgraded', 'added', 'removed', 'downgraded', 'changed'] as const)
    .map((kind) => [passing.filter((p) => p.change === kind).length, kind] as const)
    .filter(([n]) => n > 0)
    .map(([n, kind]) => `${n} ${kind}`);
  const lines = ['', s.bold(`passing · ${plural(passing.length, 'change')}${counts.length > 0 ? `: ${counts.join(', ')}` : ''}`)];
  for (const g of groupFamilies(passing)) if (g.kind === 'family') lines.push(`  ${printable(gateGroupTitle(g))}`);
  const { starts, changed } = installChanges(passing);
  if (starts.length > 0) lines.push(...wrapped(`  now run code at install, allowed (${starts.length}): `, groupFamilies(starts).map((g) => printable(listName(g))), '    '));
  if (changed.length > 0) lines.push(...wrapped(`  install scripts changed (${changed.length}): `, changed.map((p) => printable(`${p.name}@${p.version}`)), '    '));
  const allowed = passing.filter((p) => !p.policy.ignored && gainedLabels(p).length > 0);
  if (allowed.length > 0) lines.push(`  gained, allowed by the policy:`, ...byCapability(allowed, gainedLabels, paint, '    '));
  const ignored = passing.filter((p) => p.policy.ignored && p.gained.length + p.transitive.length > 0);
  if (ignored.length > 0) lines.push(...wrapped(`  gained, ignored by the policy (${ignored.length}): `, groupFamilies(ignored).map((g) => printable(listName(g))), '    '));
  const through = passing.filter((p) => p.gained.length === 0 && p.transitive.length > 0).length;
  if (through > 0) lines.push(s.dim(`  ${plural(through, 'package')} gained capabilities only through their dependencies (--verbose shows the paths)`));
  const incomplete = passing.filter((p) => p.change !== 'removed' && p.status !== 'ok');
  if (incomplete.length > 0) lines.push(...wrapped(`  not fully analysed, accepted by --allow-incomplete (${incomplete.length}): `, incomplete.map((p) => printable(`${p.name}@${p.version}`)), '    '));
  lines.push(s.dim('  --verbose lists every change'));
  return lines;
}

/**
 * The gate as a person reads it in a terminal: the verdict (and, without a policy file, how it was judged);
 * then the changed packages that fail, each with the first finding of what it gained and why it fails
 * (platform families as one); the notices; a summary of what passed (`--verbose`: every passing change);
 * the policy lines that would accept the change; the counts.
 */
export function formatGateText(report: GateReport, options: GateTextOptions): string {
  const s = makeStyle(options.color);
  const paint: Paint = {
    s,
    red: (t) => s.severity('critical', t),
    green: (t) => (options.color ? `\u001b[32m${t}\u001b[39m` : t),
    cap: (id) => s.severity(severityOf.get(id) ?? 'low', id),
  };
  const total = gateChangeCount(report);
  const { failing, noticed, passing } = gateSections(report);
  const notices = (report.notices ?? []).length;
  const noticeText = notices > 0 ? ` · ${plural(notices, 'notice')}` : '';
  const verdict = report.verdict === 'fail'
    ? `${paint.red(s.bold('FAIL'))} · ${plural(report.violations.length, 'violation')} in ${failing.length} of ${plural(total, 'dependency change')}${noticeText}`
    : `${paint.green(s.bold('PASS'))} · ${total === 0 ? 'no dependency changes' : `${plural(total, 'dependency change')}, ${total === 1 ? '' : 'all '}allowed by the policy`}${noticeText}`;
  const side = (x: GateReport['base']) => `${printable(x.ref)} (${printable(x.lockfile)})`;
  const policy = report.policy.path === undefined ? 'no policy file' : `policy ${printable(report.policy.path)}`;
  const lines = [`depcaps gate: ${verdict}`, s.dim(`base ${side(report.base)} → head ${side(report.head)} · ${policy}${report.policy.strict ? ' (strict)' : ''}`)];
  const builtIn = gateBuiltInLine(report);
  if (builtIn !== undefined && total > 0) lines.push(builtIn);
  const verbose = options.verbose === true;
  for (const g of groupFamilies(failing)) lines.push('', ...block(report, g, paint, verbose));
  if (noticed.length + failing.length > 0 && notices > 0) {
    if (verbose) {
      lines.push('', s.bold(`notices · ${gateNoticeTitle(report)} (${plural(noticed.length, 'package')} besides those above)`));
      for (const g of groupFamilies(noticed)) lines.push('', ...block(report, g, paint, true));
    } else {
      const withNotices = sortGatePackages([...failing, ...noticed].filter((p) => gateNoticesOf(report, p).length > 0));
      lines.push('', s.bold(`notices · ${gateNoticeTitle(report)} (${plural(withNotices.length, 'package')})`));
      lines.push(...byCapability(withNotices, (p) => gateNoticesOf(report, p).map(noticeLabel), paint));
    }
  }
  if (passing.length > 0) {
    if (verbose) {
      lines.push('', s.bold(`passing · ${plural(passing.length, 'change')}`));
      for (const p of passing) lines.push('', ...block(report, { kind: 'one', item: p }, paint, true));
    } else lines.push(...passingSummary(report, passing, paint));
  }
  if (report.diagnostics.length > 0) {
    lines.push('', s.bold(`lockfile problems (${report.diagnostics.length})`));
    const shown = verbose ? report.diagnostics : report.diagnostics.slice(0, MAX_DIAGNOSTICS);
    for (const d of shown) lines.push(`  ${printable(d.lockfile)} ${printable(d.key)}${d.line ? ` (line ${d.line})` : ''}: ${printable(d.message)}`);
    if (shown.length < report.diagnostics.length) lines.push(s.dim(`  … ${report.diagnostics.length - shown.length} more (--verbose or --json lists them)`));
  }
  const entries = gatePolicyEntries(report);
  if (report.violations.length > 0 && entries.length > 0) {
    const where = printable(report.policy.path ?? 'depcaps.policy.json');
    lines.push('', report.policy.path === undefined ? `to accept this change, create ${where} with these "packages" (they cover the notices too: with a policy file every gain counts):` : `to accept this change, add to "packages" in ${where}:`);
    const shown = verbose ? entries : entries.slice(0, MAX_POLICY_LINES);
    lines.push(...shown.map((e, i) => `  ${printable(e)}${i < entries.length - 1 ? ',' : ''}`));
    if (shown.length < entries.length) lines.push(s.dim(`  … ${entries.length - shown.length} more entries (--verbose lists them; --json has them all in suggestedPolicy)`));
  }
  const counts = gateChangeCounts(report);
  lines.push('', `${counts === '' ? 'no changes' : counts} · ${plural(report.summary.violations, 'violation')}${notices > 0 ? ` · ${plural(notices, 'notice')}` : ''} · ${report.summary.incomplete} not fully analysed`);
  return `${lines.join('\n')}\n`;
}
