import type { GatePackage, GateReport } from '../../contract/index.js';
import { familyLabel, groupFamilies, type Grouped } from './family.js';
import {
  bestEvidence, gainedByRuns, gainedWhenAmong, gateAllowed, gateBuiltInLine, gateChange, gateChangeCount, gateChangeCounts, gateNoticesOf, gateNoticeTitle, gatePolicyEntries, gateSections,
  gateVersions, gateVersionSpan, gateViolationsOf, installChanges, installScriptLine, noticeLabel, printable, RUNS_WORDS, sortEvidence, sortGatePackages, startsAtInstall, transitiveByPath,
} from './gate-parts.js';

/** Options of the gate Markdown formatter. */
export interface GateMarkdownOptions {
  /** A link to a line of the head lockfile (e.g. on the PR's head commit); package names link there when given. */
  lockfileUrl?: (line: number) => string;
  /** List every change, passing ones too, in a table (default: what fails, the notices, a summary of the rest). */
  verbose?: boolean;
}

/**
 * Characters per section. GitHub rejects a comment over 65,536 characters; these budgets plus the headline
 * (refs clipped) and the left-out notes stay under ~60,000, and {@link MAX_COMMENT} cuts whatever is left
 * over, leaving room for a marker the caller adds.
 */
const BUDGET = { table: 16_000, details: 14_000, notices: 8_000, passing: 10_000, incomplete: 3_000, diagnostics: 2_000, policy: 6_000 };
/** The whole comment at most; the end is cut at a line with a note past this. */
const MAX_COMMENT = 62_000;
/** Table rows at most: beyond that a table stops being read. */
const MAX_ROWS = 100;
/** Evidence lines per package (the report holds at most 3 per gained capability), and per capability. */
const MAX_EVIDENCE = 6;
const MAX_EVIDENCE_PER_CAPABILITY = 2;

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Untrusted text as inert Markdown on one line, control characters shown (`printable`): no HTML (`<`, `&`),
 * no emphasis, links or code (`*_[]~` and backticks), no table-cell break (`|`; GFM honours `\|` anywhere).
 */
function text(s: string): string {
  return printable(s).replace(/[\\`*_[\]~|]/g, '\\$&').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Untrusted text as a code span that shows it verbatim: a span cannot be escaped from inside, so the fence
 * is one backtick longer than the longest run in the text (CommonMark), padded when the text starts or ends
 * with one; in a table, `|` is escaped because GFM splits cells before it parses spans.
 */
function code(s: string, inTable: boolean): string {
  let flat = printable(s);
  if (inTable) flat = flat.replace(/\|/g, '\\|');
  if (flat === '') return '';
  const fence = '`'.repeat(Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length)) + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** Untrusted text inside raw HTML (`<summary>`), where Markdown is not parsed. */
const html = (s: string) => printable(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A dependency path `a › b › c`, the middle elided when long. */
function path(via: string[], inTable: boolean): string {
  const part = (v: string) => code(clip(v, 60), inTable);
  return (via.length > 4 ? [part(via[0]!), '…', ...via.slice(-2).map(part)] : via.map(part)).join(' › ');
}

/** Takes items in order while they fit in `budget` characters (one line break each); the rest are counted. */
function fill(items: string[], budget: number, max = Infinity): { taken: string[]; left: number } {
  const taken: string[] = [];
  let used = 0;
  for (const item of items) {
    if (taken.length >= max || used + item.length + 1 > budget) break;
    taken.push(item);
    used += item.length + 1;
  }
  return { taken, left: items.length - taken.length };
}

function verdictCell(report: GateReport, items: readonly GatePackage[]): string {
  const p = items[0]!;
  const violations = items.flatMap((x) => gateViolationsOf(report, x));
  const rule = code(clip(p.policy.rule, 80), true);
  const reason = p.policy.reason === undefined ? '' : `: ${text(clip(p.policy.reason, 200))}`;
  if (violations.length > 0) {
    // What fails at install (where the policy says what install-time code may use) is named apart, first.
    const apart = p.policy.allowedAtInstall !== undefined;
    const ids = (atInstall: boolean) => [...new Set(violations.flatMap((v) => (v.kind === 'incomplete' || v.capability === undefined || (apart && (v.runs === 'install') !== atInstall) ? [] : [v.capability])))].sort();
    const atInstall = apart ? ids(true) : [];
    const denied = apart ? ids(false) : ids(false).concat(ids(true)).filter((c, i, all) => all.indexOf(c) === i).sort();
    const what = [
      atInstall.length > 0 ? `${atInstall.map(text).join(', ')} not allowed at install` : '',
      denied.length > 0 ? `${denied.map(text).join(', ')} not allowed` : '',
      violations.some((v) => v.kind === 'incomplete') ? 'not fully analysed' : '',
    ];
    const by = report.policy.builtIn && p.policy.rule === 'default' ? 'no policy file' : `rule ${rule}`;
    return `❌ ${what.filter(Boolean).join('; ')} (${by})`;
  }
  const notices = [...new Set(items.flatMap((x) => gateNoticesOf(report, x).map(noticeLabel)))].sort();
  if (notices.length > 0) return `ℹ️ notice: ${notices.map(text).join(', ')}`;
  if (p.policy.ignored) return `➖ ignored (rule ${rule})${reason}`;
  if (items.some((x) => x.status !== 'ok')) return '⚠️ not fully analysed, allowed';
  if (items.some((x) => x.gained.length + x.transitive.length > 0)) return `✅ allowed by ${rule}${reason}`;
  return items.every((x) => x.change === 'removed') ? '—' : '✅ nothing gained';
}

function nameCell(group: Grouped<GatePackage>, options: GateMarkdownOptions): string {
  if (group.kind === 'family') {
    const label = familyLabel(group.family, group.items.length);
    const name = group.family.glob ?? group.family.parent;
    return `${code(clip(name, 100), true)}${text(label.slice(name.length))}`;
  }
  const p = group.item;
  const name = code(clip(p.name, 100), true) + (p.alias === undefined ? '' : ` as ${code(clip(p.alias, 100), true)}`);
  const linked = options.lockfileUrl === undefined ? name : `[${name}](${options.lockfileUrl(p.line).replace(/[\s()<>]/g, encodeURIComponent)})`;
  const tags = [p.dev ? 'dev' : '', p.optional ? 'optional' : ''].filter(Boolean).join(', ');
  return `${linked}${tags === '' ? '' : ` (${tags})`}`;
}

function row(report: GateReport, group: Grouped<GatePackage>, options: GateMarkdownOptions): string {
  const items = group.kind === 'one' ? [group.item] : group.items;
  const p = items[0]!;
  const change = group.kind === 'one' ? `${p.change} ${text(clip(gateVersions(p), 80))}` : text(clip(gateVersionSpan(items), 120));
  const own = gainedByRuns(items).map((c) => {
    const when = gainedWhenAmong(items, c);
    return `${text(c)}${when === undefined ? '' : ` (${RUNS_WORDS[when]})`}`;
  }).join(', ');
  const through = transitiveByPath(items).map(([v, caps]) => `via ${path(v, true)}: ${caps.map(text).join(', ')}`);
  const starts = items.some(startsAtInstall) ? ['**now runs code at install**'] : [];
  const gained = [...starts, own, ...through].filter(Boolean).join('; ');
  const via = p.via.length <= 1 ? 'direct' : path(p.via, true);
  return `| ${nameCell(group, options)} | ${change} | ${gained === '' ? '—' : gained} | ${verdictCell(report, items)} | ${via} |`;
}

function details(report: GateReport, group: Grouped<GatePackage>): string {
  const items = group.kind === 'one' ? [group.item] : group.items;
  const p = items[0]!;
  const caps = [...new Set([...gainedByRuns(items), ...items.flatMap((x) => x.transitive.map((t) => t.capability))])];
  const title = group.kind === 'one' ? `${p.name}@${p.to ?? p.version}` : familyLabel(group.family, items.length);
  const lines = [`<details><summary><code>${html(clip(title, 120))}</code> gained ${html(caps.join(', '))}</summary>`, ''];
  const starting = items.find(startsAtInstall);
  const changedScripts = installChanges(items).changed[0];
  if (starting !== undefined) lines.push(`- **now runs code at install**: ${code(clip(installScriptLine(starting, 200), 200), false)}`);
  else if (changedScripts !== undefined) lines.push(`- install scripts changed: ${code(clip(installScriptLine(changedScripts, 200), 200), false)}`);
  // What fails first, then the notices, then the rest; at most two findings per capability.
  const denied = new Set(items.flatMap((x) => gateViolationsOf(report, x).map((v) => v.capability ?? '')));
  const noticed = new Set(items.flatMap((x) => gateNoticesOf(report, x).map((n) => n.capability)));
  const order = gainedByRuns(items);
  const rank = (c: string) => (denied.has(c) ? 0 : noticed.has(c) ? 1 : 2);
  const at = (c: string) => (order.includes(c) ? order.indexOf(c) : order.length);
  const evidence = items.flatMap((x) => sortEvidence(x.evidence).map((e) => ({ e, x }))).sort((a, b) => rank(a.e.capability) - rank(b.e.capability) || at(a.e.capability) - at(b.e.capability));
  const perCapability = new Map<string, number>();
  const shown = evidence.filter(({ e }) => {
    const n = perCapability.get(e.capability) ?? 0;
    if (n >= (group.kind === 'one' ? MAX_EVIDENCE_PER_CAPABILITY : 1)) return false;
    perCapability.set(e.capability, n + 1);
    return true;
  });
  for (const { e, x } of shown.slice(0, MAX_EVIDENCE)) {
    const where = group.kind === 'one' ? '' : `${code(clip(x.name, 80), false)} · `;
    const when = e.runs === undefined ? '' : `${RUNS_WORDS[e.runs]} · `;
    lines.push(`- ${text(e.capability)} · ${when}${where}${code(clip(e.api, 80), false)} · ${code(`${clip(e.file, 100)}:${e.line}`, false)} — ${code(clip(e.excerpt, 160), false)}`);
  }
  if (shown.length > MAX_EVIDENCE) lines.push(`- … ${plural(shown.length - MAX_EVIDENCE, 'more finding')} left out`);
  for (const [v, c] of transitiveByPath(items)) lines.push(`- ${c.map(text).join(', ')} via ${path(v, false)}`);
  if (group.kind === 'family') lines.push(`- members: ${items.map((x) => code(clip(`${x.name}@${x.to ?? x.version}`, 100), false)).join(', ')}`);
  const reason = p.policy.reason === undefined ? '' : `: ${text(clip(p.policy.reason, 200))}`;
  const rule = report.policy.builtIn && p.policy.rule === 'default' ? '- no policy file: high and critical capabilities fail, the others are notices' : `- policy rule ${code(clip(p.policy.rule, 80), false)}${p.policy.ignored ? ' ignores it' : ` allows ${text(gateAllowed(p))}`}${reason}`;
  lines.push(rule, '', '</details>');
  return lines.join('\n');
}

function headline(report: GateReport): string {
  const total = gateChangeCount(report);
  if (report.verdict === 'fail') {
    const n = new Set(report.violations.map((v) => `${v.name}@${v.version}`)).size;
    return n === 0 ? '### ❌ depcaps: the gate failed' : `### ❌ depcaps: ${n} dependency change${n === 1 ? ' needs' : 's need'} review`;
  }
  if (total === 0) return '### ✅ depcaps: no dependency changes';
  return `### ✅ depcaps: ${plural(total, 'dependency change')}, ${total === 1 ? '' : 'all '}allowed by the policy`;
}

const TABLE_HEAD = ['| package | change | gained | verdict | via |', '|---|---|---|---|---|'];

/** `name@version` of a package or a family's label, as inert Markdown. */
function listName(group: Grouped<GatePackage>): string {
  if (group.kind === 'family') return `${code(clip(group.family.glob ?? group.family.parent, 100), false)}${text(familyLabel(group.family, group.items.length).slice((group.family.glob ?? group.family.parent).length))}`;
  return code(clip(`${group.item.name}@${group.item.to ?? group.item.version}`, 120), false);
}

/** The notices, one line per package (or family): what it gained and the first finding of it. */
function noticeLines(report: GateReport, packages: readonly GatePackage[]): string[] {
  return groupFamilies(packages).map((g) => {
    const items = g.kind === 'one' ? [g.item] : g.items;
    const notices = items.flatMap((p) => gateNoticesOf(report, p));
    const caps = [...new Set(notices.map((n) => n.capability))].sort();
    const firsts = caps.map((c) => {
      const n = notices.find((x) => x.capability === c)!;
      const e = bestEvidence(items, c, n.runs);
      const label = text(noticeLabel(n));
      return e === undefined ? label : `${label} (${code(clip(e.api, 60), false)} at ${code(`${clip(e.file, 80)}:${e.line}`, false)})`;
    });
    const change = g.kind === 'one' ? text(clip(gateChange(g.item), 60)) : text(clip(gateVersionSpan(items), 80));
    return `- ${listName(g)} ${change}: ${firsts.join(', ')}`;
  });
}

/** Passing changes in a few lines: counts per kind, one line per platform family, what they gained. */
function passingLines(passing: readonly GatePackage[]): string[] {
  const lines: string[] = [];
  for (const g of groupFamilies(passing)) if (g.kind === 'family') lines.push(`- ${listName(g)} ${text(gateVersionSpan(g.items))}`);
  const { starts, changed } = installChanges(passing);
  if (starts.length > 0) lines.push(`- now run code at install, allowed: ${groupFamilies(starts).map(listName).join(', ')}`);
  if (changed.length > 0) lines.push(`- install scripts changed: ${changed.map((p) => code(clip(`${p.name}@${p.version}`, 120), false)).join(', ')}`);
  const allowed = passing.filter((p) => !p.policy.ignored && p.gained.length + (p.gainedAtInstall ?? []).length > 0);
  const gainedOf = (p: GatePackage) => [...new Set([...p.gained, ...(p.gainedAtInstall ?? [])])];
  for (const c of gainedByRuns(allowed)) {
    const holders = allowed.filter((p) => gainedOf(p).includes(c));
    const when = gainedWhenAmong(holders, c);
    const groups = groupFamilies(holders);
    lines.push(`- gained ${text(c)}${when === 'install' ? ' at install' : ''}, allowed by the policy: ${groups.map(listName).join(', ')}`);
  }
  const ignored = passing.filter((p) => p.policy.ignored && p.gained.length + p.transitive.length > 0);
  if (ignored.length > 0) lines.push(`- gained, ignored by the policy: ${groupFamilies(ignored).map(listName).join(', ')}`);
  const through = passing.filter((p) => p.gained.length === 0 && p.transitive.length > 0).length;
  if (through > 0) lines.push(`- ${plural(through, 'package')} gained capabilities only through their dependencies (\`--verbose\` shows the paths)`);
  return lines;
}

/** Cuts the comment at a line break before {@link MAX_COMMENT}, never inside a `<details>` block or a fence, with a note. */
function capped(markdown: string): string {
  if (markdown.length <= MAX_COMMENT) return markdown;
  const note = '\n\n… the comment was cut here to stay under GitHub\'s size limit; `depcaps gate --json` has the whole report.\n';
  let cut = markdown.lastIndexOf('\n', MAX_COMMENT - note.length);
  const open = markdown.lastIndexOf('\n<details>', cut);
  if (open > markdown.lastIndexOf('</details>', cut)) cut = open;
  const fences = [...markdown.slice(0, cut).matchAll(/^`{3,}/gm)];
  if (fences.length % 2 === 1) cut = fences[fences.length - 1]!.index - 1;
  return `${markdown.slice(0, cut)}${note}`;
}

/**
 * The gate as a pull-request comment: a verdict headline, one line of counts (and, without a policy file,
 * how the gate judged); a table of the changes that fail with collapsible evidence; the notices; a summary
 * of what passed (`verbose`: a table of every change); what could not be analysed; the policy entries that
 * would accept the change. Platform families are one row. Everything that comes from a package or a
 * lockfile is escaped, and each section has a character budget so the comment stays under GitHub's
 * limit; what does not fit is counted, and a last cut says so.
 */
export function formatGateMarkdown(report: GateReport, options: GateMarkdownOptions = {}): string {
  const s = report.summary;
  const notices = report.notices ?? [];
  const counts = [
    gateChangeCount(report) === 0 ? '' : `**${plural(gateChangeCount(report), 'change')}**: ${gateChangeCounts(report)}`,
    s.violations > 0 ? `**${plural(s.violations, 'violation')}**` : '',
    notices.length > 0 ? plural(notices.length, 'notice') : '',
    s.incomplete > 0 ? `${s.incomplete} not fully analysed` : '',
    `base ${code(clip(report.base.ref, 100), false)} → head ${code(clip(report.head.ref, 100), false)} (${code(clip(report.head.lockfile, 100), false)})`,
    `${report.policy.path === undefined ? 'no policy file' : `policy ${code(clip(report.policy.path, 100), false)}`}${report.policy.strict ? ' (strict)' : ''}`,
  ];
  const out = [headline(report), '', counts.filter(Boolean).join(' · ')];
  const builtIn = gateBuiltInLine(report);
  // The line is ours (catalog ids and flags), not the packages': it keeps its code spans.
  if (builtIn !== undefined && gateChangeCount(report) > 0) out.push('', `> ${builtIn}`);
  const { failing, noticed, passing } = gateSections(report);
  const failingGroups = groupFamilies(failing);
  if (failingGroups.length > 0) {
    const table = fill(failingGroups.map((g) => row(report, g, options)), BUDGET.table, MAX_ROWS);
    out.push('', ...TABLE_HEAD, ...table.taken);
    if (table.left > 0) out.push('', `… ${plural(table.left, 'more failing package')} left out; \`depcaps gate --json\` lists them all.`);
    const blocks = fill(failingGroups.filter((g) => (g.kind === 'one' ? [g.item] : g.items).some((p) => p.gained.length + p.transitive.length > 0)).map((g) => details(report, g)), BUDGET.details);
    for (const block of blocks.taken) out.push('', block);
    if (blocks.left > 0) out.push('', `… evidence for ${plural(blocks.left, 'more package')} left out.`);
  }
  const withNotices = sortGatePackages([...failing, ...noticed].filter((p) => gateNoticesOf(report, p).length > 0));
  if (withNotices.length > 0) {
    const list = fill(noticeLines(report, withNotices), BUDGET.notices);
    out.push('', `#### Notices: ${gateNoticeTitle(report)} (${plural(withNotices.length, 'package')})`, '', ...list.taken);
    if (list.left > 0) out.push(`- … ${list.left} more; \`depcaps gate --json\` has them in \`notices\``);
  }
  const shownPassing = options.verbose ? [...noticed, ...passing] : passing;
  if (shownPassing.length > 0) {
    const kinds = (['upgraded', 'added', 'removed', 'downgraded', 'changed'] as const).map((k) => [shownPassing.filter((p) => p.change === k).length, k] as const).filter(([n]) => n > 0);
    out.push('', `#### ${options.verbose ? 'Every other change' : 'Passing'}: ${plural(shownPassing.length, 'change')} (${kinds.map(([n, k]) => `${n} ${k}`).join(', ')})`);
    if (options.verbose) {
      const table = fill(shownPassing.map((p) => row(report, { kind: 'one', item: p }, options)), BUDGET.passing);
      out.push('', ...TABLE_HEAD, ...table.taken);
      if (table.left > 0) out.push('', `… ${plural(table.left, 'more package')} left out; \`depcaps gate --json\` lists them all.`);
    } else {
      const list = fill(passingLines(passing), BUDGET.passing);
      if (list.taken.length > 0) out.push('', ...list.taken);
      if (list.left > 0) out.push(`- … ${list.left} more`);
      out.push('', '`--verbose` lists every change.');
    }
  }
  const broken = [...failing, ...noticed, ...passing].filter((p) => p.status !== 'ok');
  if (broken.length > 0) {
    const items = broken.map((p) => {
      const mark = gateViolationsOf(report, p).some((v) => v.kind === 'incomplete') ? '❌' : '⚠️';
      return `- ${mark} ${code(clip(`${p.name}@${p.to ?? p.version}`, 120), false)} (${p.status}): ${text(clip(p.error ?? 'no reason given', 300))}`;
    });
    const list = fill(items, BUDGET.incomplete);
    out.push('', '#### Not fully analysed', '', ...list.taken);
    if (list.left > 0) out.push(`- … ${list.left} more`);
  }
  if (report.diagnostics.length > 0) {
    const items = report.diagnostics.map((d) => `- ${code(clip(d.lockfile, 100), false)} ${code(clip(d.key, 100), false)}${d.line === undefined ? '' : ` line ${d.line}`}: ${text(clip(d.message, 200))}`);
    const list = fill(items, BUDGET.diagnostics);
    out.push('', '#### Lockfile problems', '', ...list.taken);
    if (list.left > 0) out.push(`- … ${list.left} more`);
  }
  const entries = gatePolicyEntries(report);
  if (report.violations.length > 0 && entries.length > 0) {
    const policy = fill(entries, BUDGET.policy);
    const body = ['{', '  "packages": {', ...policy.taken.map((e, i) => `    ${e}${i < policy.taken.length - 1 ? ',' : ''}`), '  }', '}'].join('\n');
    // JSON keeps line breaks escaped, but a key may hold backticks: the fence outruns them.
    const fence = '`'.repeat(Math.max(3, ...(body.match(/`+/g) ?? []).map((run) => run.length + 1)));
    const where = code(clip(report.policy.path ?? 'depcaps.policy.json', 100), false);
    const intro = report.policy.path === undefined ? `To accept this change, create ${where} with these entries (they cover the notices too: with a policy file every gain counts):` : `To accept this change, add to ${where}:`;
    out.push('', intro, '', `${fence}json`, body, fence);
    if (policy.left > 0) out.push('', `… ${policy.left} more ${policy.left === 1 ? 'entry' : 'entries'} left out; \`depcaps gate --json\` has them in \`suggestedPolicy\`.`);
  }
  return capped(`${out.join('\n')}\n`);
}
