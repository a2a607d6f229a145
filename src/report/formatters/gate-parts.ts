/** Pieces every gate formatter shares: sorting, grouping, counts and the words for a change. */
import type { ChangeKind, GateEvidence, GateNotice, GatePackage, GateReport, GateViolation } from '../../contract/index.js';
import { familyLabel, groupFamilies, type Grouped } from './family.js';

const KIND_ORDER: Record<GateViolation['kind'], number> = { gained: 0, unallowed: 1, incomplete: 2 };
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

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

/** Violations sorted by name, version, kind (gained, unallowed, incomplete), capability. */
export function sortGateViolations(violations: readonly GateViolation[]): GateViolation[] {
  return [...violations].sort((a, b) => compare(a.name, b.name) || compare(a.version, b.version) || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || compare(a.capability ?? '', b.capability ?? ''));
}

/** Evidence sorted by capability, file, line, column. */
export function sortEvidence(evidence: readonly GateEvidence[]): GateEvidence[] {
  return [...evidence].sort((a, b) => compare(a.capability, b.capability) || compare(a.file, b.file) || a.line - b.line || a.column - b.column);
}

/** Where a package's capability comes from: `in its own code`, `through dep@1.0.3 › leaf@2.0.0`, or both. */
export function gateSourceOf(p: GatePackage, capability: string): string {
  const parts = p.gained.includes(capability) ? ['in its own code'] : [];
  for (const t of p.transitive) if (t.capability === capability) parts.push(`through ${t.via.join(' › ')}`);
  return parts.join(' and ');
}

/** What a policy rule allows, in words. */
export function gateAllowed(p: GatePackage): string {
  return p.policy.allowed.length > 0 ? p.policy.allowed.join(', ') : 'nothing';
}

/**
 * The suggested policy entries, one JSON line per package, sorted by key, allow lists sorted:
 * `"left-pad": { "allow": ["network"] }`. Joined with commas they are the body of the policy's `packages`.
 */
export function gatePolicyEntries(report: GateReport): string[] {
  return Object.keys(report.suggestedPolicy).sort(compare).map((key) => {
    const allow = [...new Set(report.suggestedPolicy[key]!.allow)].sort(compare);
    return `${JSON.stringify(key)}: { "allow": [${allow.map((c) => JSON.stringify(c)).join(', ')}] }`;
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

/** The most telling finding of a capability among packages: a call or member (`https.get`) over a bare import (`https`). */
export function bestEvidence(packages: readonly GatePackage[], capability: string): GateEvidence | undefined {
  const mine = packages.flatMap((p) => sortEvidence(p.evidence)).filter((e) => e.capability === capability);
  return mine.find((e) => e.api.includes('.')) ?? mine[0];
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

/** The report's changed packages in three parts: with violations, with notices only, and passing. Each sorted. */
export function gateSections(report: GateReport): { failing: GatePackage[]; noticed: GatePackage[]; passing: GatePackage[] } {
  const out = { failing: [] as GatePackage[], noticed: [] as GatePackage[], passing: [] as GatePackage[] };
  for (const p of sortGatePackages(report.packages)) {
    if (gateViolationsOf(report, p).length > 0) out.failing.push(p);
    else if (gateNoticesOf(report, p).length > 0) out.noticed.push(p);
    else out.passing.push(p);
  }
  return out;
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

/** `3 violations`, `1 notice`: a count and a word, plural when needed. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
