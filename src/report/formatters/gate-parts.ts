/** Pieces every gate formatter shares: sorting, grouping, counts and the words for a change. */
import type { ChangeKind, GateEvidence, GateNotice, GatePackage, GateReport, GateViolation, Runs } from '../../contract/index.js';
import { familyLabel, groupFamilies, type Grouped } from './family.js';

const KIND_ORDER: Record<GateViolation['kind'], number> = { gained: 0, unallowed: 1, incomplete: 2 };
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** Install first: code that runs before anyone reviews it needs the decision first. Incomplete (no `runs`) ranks with call. */
const RUNS_RANK: Record<Runs, number> = { install: 0, import: 1, call: 2, unreached: 3 };
const runsRank = (runs: Runs | undefined) => RUNS_RANK[runs ?? 'call'];

/** When code runs, in words: `at install`, `at import`, `when called`, `unreached`. */
export const RUNS_WORDS: Record<Runs, string> = { install: 'at install', import: 'at import', call: 'when called', unreached: 'unreached' };

/** When a gained capability's new code runs first; undefined when the report does not say. */
export function gainedWhen(p: GatePackage, capability: string): Runs | undefined {
  return p.gainedRuns?.[capability]?.[0] ?? p.runs?.[capability]?.[0];
}

/** Capabilities gained in own code, at install included (`gainedAtInstall`), earliest-running first, then by name. */
export function gainedByRuns(packages: readonly GatePackage[]): string[] {
  const earliest = new Map<string, number>();
  for (const p of packages) {
    for (const c of new Set([...p.gained, ...(p.gainedAtInstall ?? [])])) earliest.set(c, Math.min(earliest.get(c) ?? 9, runsRank(gainedWhen(p, c))));
  }
  return [...earliest].sort(([a, x], [b, y]) => x - y || compare(a, b)).map(([c]) => c);
}

/** The earliest time among the packages at which `capability` was gained; undefined when the report does not say. */
export function gainedWhenAmong(packages: readonly GatePackage[], capability: string): Runs | undefined {
  const runs = packages.filter((p) => p.gained.includes(capability) || (p.gainedAtInstall ?? []).includes(capability)).flatMap((p) => gainedWhen(p, capability) ?? []);
  return runs.sort((a, b) => runsRank(a) - runsRank(b))[0];
}

/** The package starts running code at install: added with install scripts, or it had none before. */
export function startsAtInstall(p: GatePackage): boolean {
  return p.change !== 'removed' && p.runsAtInstall === true && p.previousRunsAtInstall !== true;
}

/** `+` added, `↑` upgraded, `↓` downgraded, `-` removed, `~` changed. */
export const CHANGE_SYMBOL: Record<ChangeKind, string> = { added: '+', upgraded: '↑', downgraded: '↓', removed: '-', changed: '~' };

/** `1.2.0 → 1.3.0` for a package on both sides, its one version otherwise. */
export function gateVersions(p: GatePackage): string {
  return p.from !== undefined && p.to !== undefined ? `${p.from} → ${p.to}` : (p.to ?? p.from ?? p.version);
}

/** How a package changed, in words: `upgraded from 1.2.0`, `added`, `removed`. */
export function gateChange(p: GatePackage): string {
  if (p.change === 'added' || p.change === 'removed' || p.from === undefined) return p.change;
  return `${p.change} from ${p.from}`;
}

/** The violations of one changed package. Violations name the head version, so a removed package has none. */
export function gateViolationsOf(report: GateReport, p: GatePackage): GateViolation[] {
  return p.to === undefined ? [] : report.violations.filter((v) => v.name === p.name && v.version === p.to);
}

/** The changed package a violation is about, if the report lists it. */
export function gatePackageOf(report: GateReport, v: GateViolation): GatePackage | undefined {
  return report.packages.find((p) => p.name === v.name && p.to === v.version);
}

/** Packages sorted by name, then version. */
export function sortGatePackages(packages: readonly GatePackage[]): GatePackage[] {
  return [...packages].sort((a, b) => compare(a.name, b.name) || compare(a.version, b.version));
}

/** Violations sorted by when their code runs (install first), then name, version, kind (gained, unallowed, incomplete), capability. */
export function sortGateViolations(violations: readonly GateViolation[]): GateViolation[] {
  return [...violations].sort((a, b) => runsRank(a.runs) - runsRank(b.runs) || compare(a.name, b.name) || compare(a.version, b.version) || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || compare(a.capability ?? '', b.capability ?? ''));
}

/** Notices sorted by when their code runs (install first), then name, version, capability. */
export function sortGateNotices(notices: readonly GateNotice[]): GateNotice[] {
  return [...notices].sort((a, b) => runsRank(a.runs) - runsRank(b.runs) || compare(a.name, b.name) || compare(a.version, b.version) || compare(a.capability, b.capability));
}

/** The earliest time the code behind a package's violations (else its notices) runs: how the sections rank packages. */
function earliestRank(report: GateReport, p: GatePackage): number {
  const items: { runs?: Runs }[] = gateViolationsOf(report, p);
  const list = items.length > 0 ? items : gateNoticesOf(report, p);
  return Math.min(9, ...list.map((x) => runsRank(x.runs)));
}

/** Evidence sorted by capability, then when it runs (install first), file, line, column. */
export function sortEvidence(evidence: readonly GateEvidence[]): GateEvidence[] {
  return [...evidence].sort((a, b) => compare(a.capability, b.capability) || runsRank(a.runs) - runsRank(b.runs) || compare(a.file, b.file) || a.line - b.line || a.column - b.column);
}

/** Where a package's capability comes from: `in its own code` (at install included), `through dep@1.0.3 › leaf@2.0.0`, or both. */
export function gateSourceOf(p: GatePackage, capability: string): string {
  const parts = p.gained.includes(capability) || (p.gainedAtInstall ?? []).includes(capability) ? ['in its own code'] : [];
  for (const t of p.transitive) if (t.capability === capability) parts.push(`through ${t.via.join(' › ')}`);
  return parts.join(' and ');
}

/** What a policy rule allows, in words: `env, network` (`; at install: nothing` when the rule says so apart). */
export function gateAllowed(p: GatePackage): string {
  const list = (ids: readonly string[]) => (ids.length > 0 ? ids.join(', ') : 'nothing');
  const atInstall = p.policy.allowedAtInstall;
  return `${list(p.policy.allowed)}${atInstall === undefined ? '' : `; at install ${list(atInstall)}`}`;
}

/**
 * The suggested policy entries, one JSON line per package, sorted by key, lists sorted:
 * `"left-pad": { "allow": ["network"] }`, with `"atInstall"` when the entry has one. Joined with commas they
 * are the body of the policy's `packages`.
 */
export function gatePolicyEntries(report: GateReport): string[] {
  const list = (ids: readonly string[]) => `[${[...new Set(ids)].sort(compare).map((c) => JSON.stringify(c)).join(', ')}]`;
  return Object.keys(report.suggestedPolicy).sort(compare).map((key) => {
    const entry = report.suggestedPolicy[key]!;
    return `${JSON.stringify(key)}: { "allow": ${list(entry.allow)}${entry.atInstall !== undefined ? `, "atInstall": ${list(entry.atInstall)}` : ''} }`;
  });
}

/** Total number of changed packages, from the summary counts. */
export function gateChangeCount(report: GateReport): number {
  const s = report.summary;
  return s.added + s.removed + s.upgraded + s.downgraded + s.changed;
}

/** Non-zero change counts: `3 added, 4 upgraded, 1 removed`. */
export function gateChangeCounts(report: GateReport): string {
  const s = report.summary;
  const counts: [number, string][] = [[s.added, 'added'], [s.upgraded, 'upgraded'], [s.downgraded, 'downgraded'], [s.removed, 'removed'], [s.changed, 'changed']];
  return counts.filter(([n]) => n > 0).map(([n, word]) => `${n} ${word}`).join(', ');
}

/**
 * The text with control characters shown as `\xNN`/`\uNNNN` and line breaks as spaces: names and excerpts
 * come from the packages under review, and an escape sequence in them must not drive the reader's terminal
 * (nor a bidi override reorder what they see).
 */
export function printable(text: string): string {
  return text
    .replace(/[\t\r\n\u2028\u2029]+/g, ' ')
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => {
      const code = c.charCodeAt(0);
      return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
    });
}

/**
 * The most telling finding of a capability among packages: of the code that runs at `runs` when there is
 * some, a call or member (`https.get`) over a bare import (`https`).
 */
export function bestEvidence(packages: readonly GatePackage[], capability: string, runs?: Runs): GateEvidence | undefined {
  const mine = packages.flatMap((p) => sortEvidence(p.evidence)).filter((e) => e.capability === capability);
  const then = runs === undefined ? [] : mine.filter((e) => (e.runs ?? 'call') === runs);
  const pool = then.length > 0 ? then : mine;
  return pool.find((e) => e.api.includes('.')) ?? pool[0];
}

/**
 * Capabilities gained through dependencies, one entry per path: `[['esm@3.2.25', ['dynamic-require', 'eval']]]`.
 * Paths that start at another package of the group are left out: a family member's own variant
 * (`@img/sharp-linux-x64` → `@img/sharp-libvips-linux-x64`) is listed already.
 */
export function transitiveByPath(packages: readonly GatePackage[]): [string[], string[]][] {
  const paths = new Map<string, { via: string[]; caps: Set<string> }>();
  const inGroup = new Set(packages.map((p) => `${p.name}@${p.to ?? p.version}`));
  for (const p of packages) {
    for (const t of p.transitive) {
      if (packages.length > 1 && inGroup.has(t.via[0] ?? '')) continue;
      const key = t.via.join('\0');
      const entry = paths.get(key) ?? { via: t.via, caps: new Set<string>() };
      entry.caps.add(t.capability);
      paths.set(key, entry);
    }
  }
  return [...paths.values()].map((e) => [e.via, [...e.caps].sort()]);
}

/** The notices of one changed package. */
export function gateNoticesOf(report: GateReport, p: GatePackage): GateNotice[] {
  return p.to === undefined ? [] : (report.notices ?? []).filter((n) => n.name === p.name && n.version === p.to);
}

/**
 * The report's changed packages in three parts: with violations, with notices only, and passing. Failing and
 * noticed packages rank by when the code behind their violations (notices) runs, install first, then by name;
 * passing ones by name.
 */
export function gateSections(report: GateReport): { failing: GatePackage[]; noticed: GatePackage[]; passing: GatePackage[] } {
  const out = { failing: [] as GatePackage[], noticed: [] as GatePackage[], passing: [] as GatePackage[] };
  for (const p of sortGatePackages(report.packages)) {
    if (gateViolationsOf(report, p).length > 0) out.failing.push(p);
    else if (gateNoticesOf(report, p).length > 0) out.noticed.push(p);
    else out.passing.push(p);
  }
  const byRuns = (list: GatePackage[]) => list.map((p) => ({ p, rank: earliestRank(report, p) })).sort((a, b) => a.rank - b.rank).map((x) => x.p);
  return { failing: byRuns(out.failing), noticed: byRuns(out.noticed), passing: out.passing };
}

/** Packages that start running code at install (`added` with install scripts, or none before) and those whose install scripts changed. */
export function installChanges(packages: readonly GatePackage[]): { starts: GatePackage[]; changed: GatePackage[] } {
  const starts = packages.filter(startsAtInstall);
  const changed = packages.filter((p) => !startsAtInstall(p) && p.change !== 'removed' && p.runsAtInstall === true && p.diff?.install !== undefined && JSON.stringify(p.diff.install.from.scripts) !== JSON.stringify(p.diff.install.to.scripts));
  return { starts, changed };
}

/** A package's install scripts in one line: `postinstall: node install.js; install: node-gyp rebuild`. */
export function installScriptLine(p: GatePackage, max = 120): string {
  const line = Object.entries(p.installScripts ?? {}).map(([event, command]) => `${event}: ${command}`).join('; ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Packages with their platform families grouped, a family under its first member's place. */
export function groupGatePackages(packages: readonly GatePackage[]): Grouped<GatePackage>[] {
  return groupFamilies(packages);
}

/**
 * The versions of a group, by kind of change: `0.20.0 → 0.21.0` when every member moved alike, else each
 * distinct one (`added 0.34.5, 1.2.4`, `0.34.3 → 0.34.5, 1.2.0 → 1.2.4`), the first three of a kind.
 */
export function gateVersionSpan(packages: readonly GatePackage[]): string {
  const parts: string[] = [];
  for (const kind of ['upgraded', 'downgraded', 'changed', 'added', 'removed'] as const) {
    const of = packages.filter((p) => p.change === kind);
    if (of.length === 0) continue;
    const spans = [...new Set(of.map((p) => (kind === 'added' || kind === 'removed' ? p.version : gateVersions(p))))].sort();
    const shown = spans.length <= 3 ? spans.join(', ') : `${spans.slice(0, 3).join(', ')}, …`;
    parts.push(kind === 'added' || kind === 'removed' ? `${kind} ${shown}` : shown);
  }
  return parts.join('; ');
}

/** One line naming a group: `@esbuild/* (23 platform packages of esbuild) 0.21.5 → 0.24.0`, or `name 1.0.0 → 1.1.0`. */
export function gateGroupTitle(group: Grouped<GatePackage>): string {
  if (group.kind === 'one') return `${group.item.name} ${gateVersions(group.item)}`;
  return `${familyLabel(group.family, group.items.length)} ${gateVersionSpan(group.items)}`;
}

/**
 * The line that says how the gate judged without a policy file, and how to be stricter; undefined when a
 * policy file or `--strict` decided.
 */
export function gateBuiltInLine(report: GateReport): string | undefined {
  const b = report.policy.builtIn;
  if (b === undefined) return undefined;
  const list = (ids: string[]) => (ids.length <= 1 ? ids.join('') : `${ids.slice(0, -1).join(', ')} or ${ids[ids.length - 1]}`);
  return `no policy file: gaining ${list(b.fails)} fails the gate; gaining ${list(b.notices)} is a notice. Stricter: \`--strict\`, or a depcaps.policy.json (\`depcaps policy init\` writes one).`;
}

/** What the notices are, for a section title: depends on why they do not fail (unreached code, severity without a policy file). */
export function gateNoticeTitle(report: GateReport): string {
  const whys = new Set((report.notices ?? []).map((n) => n.why ?? 'severity'));
  if (!whys.has('unreached')) return 'gained, not failing without a policy file';
  if (!whys.has('severity')) return 'gained only in code nothing reaches, not failing without --strict';
  return 'gained, not failing (only in code nothing reaches, or below high severity without a policy file)';
}

/** A notice's capability as lists show it: `shell (unreached)` when only code nothing reaches uses it. */
export function noticeLabel(n: GateNotice): string {
  return n.why === 'unreached' ? `${n.capability} (unreached)` : n.capability;
}

/** `3 violations`, `1 notice`: a count and a word, plural when needed. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
