import type { DiffFinding, DiffReport, DiffSide, FileError, Runs } from '../../contract/index.js';
import { makeStyle } from './style.js';

/** Options of the diff text formatter. */
export interface DiffTextOptions {
  color?: boolean;
}

/** File errors listed per incomplete side (the JSON has them all). */
const SHOWN_ERRORS = 5;

/** `1 file`, `2 files`. */
export const files = (n: number) => `${n} ${n === 1 ? 'file' : 'files'}`;

/** A file error as one line: the file, then why (messages often start with the file already). */
export const errorLine = (e: FileError) => (e.message.startsWith(e.file) ? e.message : `${e.file}: ${e.message}`);

/**
 * The sides of a diff that were not fully analysed: `versions` shares `side` (both versions, when
 * they failed on the same files for the same reasons, as a test fixture that never parses does).
 */
export function incompleteSides(report: DiffReport): { versions: string[]; side: DiffSide }[] {
  const { from, to } = report.sides;
  const key = (d: DiffSide) => JSON.stringify(d.errors.map((e) => [e.file, e.message]));
  if (from.status !== 'ok' && to.status !== 'ok' && key(from) === key(to)) return [{ versions: [report.from, report.to], side: to }];
  return [
    { versions: [report.from], side: from },
    { versions: [report.to], side: to },
  ].filter((x) => x.side.status !== 'ok');
}

const pad = (text: string, width: number) => (text.length >= width ? `${text} ` : text + ' '.repeat(width - text.length));
const RUNS_RANK: Record<Runs, number> = { install: 0, import: 1, call: 2, unreached: 3 };
const RUNS_WORDS: Record<Runs, string> = { install: 'at install', import: 'at import', call: 'when called', unreached: 'unreached' };
/** Findings earliest-running first, then in file order. */
const byRuns = (list: readonly DiffFinding[]) => [...list].sort((a, b) => RUNS_RANK[a.runs ?? 'call'] - RUNS_RANK[b.runs ?? 'call']);
const scriptsLine = (scripts: Record<string, string>) => Object.entries(scripts).map(([event, command]) => `${event}: ${command}`).join('; ');

/** What changed in the install scripts: a package that starts (or stops) running code at install, or other scripts. */
function installLines(report: DiffReport, bold: (t: string) => string): string[] {
  const install = report.install;
  if (install === undefined) return [];
  const { from, to } = install;
  if (to.runsAtInstall && !from.runsAtInstall) return [`${bold('now runs code at install')}: ${scriptsLine(to.scripts)}`];
  if (from.runsAtInstall && !to.runsAtInstall) return [`no longer runs code at install (was ${scriptsLine(from.scripts)})`];
  if (to.runsAtInstall && scriptsLine(from.scripts) !== scriptsLine(to.scripts)) return [`install scripts changed: ${scriptsLine(from.scripts)} → ${scriptsLine(to.scripts)}`];
  return [];
}

/**
 * A compact change report: first the sides that were not fully analysed (the diff may be
 * incomplete), then `+ network  https.request  lib/x.js:12` per new finding, capability-level
 * changes with the dependency path for transitive additions, dependency changes, then a verdict line.
 */
export function formatDiffText(report: DiffReport, options: DiffTextOptions = {}): string {
  const s = makeStyle(options.color ?? false);
  const plus = (t: string) => (options.color ? `\u001b[32m${t}\u001b[39m` : t);
  const minus = (t: string) => (options.color ? `\u001b[31m${t}\u001b[39m` : t);
  const lines: string[] = [s.bold(`${report.name} ${report.from} → ${report.to}`)];
  // What the diff cannot vouch for comes first: a side not fully analysed may hide findings.
  const partial = incompleteSides(report);
  for (const { versions, side } of partial) {
    const which = versions.length === 2 ? `Both ${versions.join(' and ')} were` : `${versions[0]} was`;
    lines.push('', s.severity('high', s.bold(`${which} not fully analysed (${files(side.errors.length)}${versions.length === 2 ? ' each' : ''}): the findings, and so this diff, may be incomplete`)));
    for (const e of side.errors.slice(0, SHOWN_ERRORS)) lines.push(`  ${errorLine(e)}`);
    if (side.errors.length > SHOWN_ERRORS) lines.push(s.dim(`  … and ${side.errors.length - SHOWN_ERRORS} more (--json lists them)`));
  }
  const capWidth = Math.max(12, ...[...report.newFindings, ...report.goneFindings].map((f) => f.capability.length + 2));
  const apiWidth = Math.min(30, Math.max(8, ...[...report.newFindings, ...report.goneFindings].map((f) => f.api.length + 2)));
  // What starts running at install leads: it runs before anyone reviews the upgrade.
  const install = installLines(report, s.bold);
  if (install.length > 0) lines.push('', ...install);
  const atInstallOnly = (report.addedAtInstall ?? []).filter((c) => !report.added.includes(c));
  if (report.added.length + report.removed.length + atInstallOnly.length > 0) {
    lines.push('');
    const when = (c: string) => report.addedRuns?.[c] ?? [];
    const added = [...report.added].sort((a, b) => RUNS_RANK[when(a)[0] ?? 'call'] - RUNS_RANK[when(b)[0] ?? 'call'] || (a < b ? -1 : 1));
    for (const c of atInstallOnly) lines.push(plus(`+ ${c} at install`) + s.dim('  (held before only at run time: its install-time code now uses it)'));
    for (const c of added) {
      const runs = when(c);
      lines.push(plus(`+ ${c}`) + s.dim(`  (new capability${runs.length > 0 ? `, runs ${runs.map((r) => RUNS_WORDS[r]).join(', ')}` : ''})`));
    }
    for (const c of report.removed) lines.push(minus(`- ${c}`) + s.dim('  (capability gone)'));
  }
  if (report.newFindings.length + report.goneFindings.length > 0) {
    lines.push('');
    const tag = (f: DiffFinding) => (f.runs === undefined ? '' : pad(`[${f.runs}]`, 13));
    for (const f of byRuns(report.newFindings)) lines.push(`${plus('+')} ${pad(f.capability, capWidth)}${pad(f.api, apiWidth)}${tag(f)}${f.file}:${f.line}  ${s.dim(f.excerpt)}`);
    for (const f of byRuns(report.goneFindings)) lines.push(`${minus('-')} ${pad(f.capability, capWidth)}${pad(f.api, apiWidth)}${tag(f)}${f.file}:${f.line}  ${s.dim(f.excerpt)}`);
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
  const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  // New capabilities say when they run on their own line; held ones newly used at install are counted apart.
  const nowAtInstall = (report.addedAtInstall ?? []).filter((c) => !report.added.includes(c));
  const verdict = report.added.length + t.added.length + nowAtInstall.length === 0 && report.newFindings.length === 0
    ? 'no new capabilities'
    : `${count(report.added.length, 'new capability', 'new capabilities')}${nowAtInstall.length > 0 ? `, ${count(nowAtInstall.length, 'held one', 'held ones')} now used at install` : ''}, ${t.added.length} through dependencies, ${count(report.newFindings.length, 'new finding', 'new findings')}`;
  const incomplete = partial.length > 0 ? ` · incomplete: ${partial.flatMap((p) => p.versions).join(' and ')} not fully analysed` : '';
  lines.push('', `${report.name} ${report.from} → ${report.to}: risk ${s.severity(sev, s.bold(report.risk))} · ${verdict}${incomplete}${t.resolution === 'none' ? '' : ` · trees resolved as of ${t.resolution === 'latest' ? 'today' : 'the publish time'}`}`);
  return `${lines.join('\n')}\n`;
}
