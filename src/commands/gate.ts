/**
 * The PR gate: what changed between two lockfiles, what each changed package can do, what it gained
 * (own code and through its dependencies *within the head lockfile* — the lockfile is the truth, no
 * registry resolution), and whether the policy allows it.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, posix, relative, resolve, sep } from 'node:path';
import { catalog } from '../../capabilities/index.js';
import { AnalysisPool } from '../analyze/pool.js';
import { mapLimit } from '../concurrency.js';
import { riskOf } from '../diff/risk.js';
import { diffDependencies } from '../diff/dependencies.js';
import { diffCapabilities, diffFindings, diffInstall, diffSides } from '../diff/own.js';
import { reachable, reachedOnlyIn } from '../diff/reach.js';
import { findingsFor, installCapabilities, installScriptsFor, runsByCapability, runsRank, scriptCommands, sortRuns } from '../diff/runs.js';
import { platformFamilies, type LockedFamily } from '../lockfile/families.js';
import { buildGraph, type LockGraph } from '../lockfile/graph.js';
import type { LockedPackage } from '../lockfile/types.js';
import { resolveLimits } from '../limits.js';
import type { ScanOptions } from './scan.js';
import { scanLocked, type LockedScan } from './scan-locked.js';
import { openSession } from './session.js';
import { compareLockfiles, type LockChange } from '../gate/compare.js';
import { emptyPolicy, loadPolicy, matchPolicy, POLICY_FILE, policyFromText, type Policy, type PolicyEntry, type PolicyProblem } from '../gate/policy.js';
import { defaultBase, findProject, loadSide, WORKTREE, type LoadedSide } from '../gate/sides.js';
import type { DiffReport, Finding, GateEvidence, GateNotice, GatePackage, GateReport, GateTransitive, GateViolation, PlatformFamily, Runs, ScanStatus } from '../contract/index.js';

/** Options of a gate run. */
export interface GateOptions extends Omit<ScanOptions, 'pool' | 'store' | 'integrity'> {
  /** Git ref or lockfile path (default: the merge base with the main line). */
  base?: string;
  /** Git ref or lockfile path (default: the working tree's lockfile). */
  head?: string;
  /** The lockfile path in the working tree, when not the one found in cwd (git refs read it at that path). */
  lockfile?: string;
  /** Policy file (default: depcaps.policy.json at the repository root, if present). */
  policyPath?: string;
  /**
   * Every capability a changed package holds must be allowed, not only the newly gained ones; without a
   * policy file, gaining a medium-severity capability fails too instead of being a notice; and code in files
   * nothing reaches counts like the rest (a capability gained only there fails instead of being a notice).
   */
  strict?: boolean;
  /** A changed package that could not be fully analysed is not a violation. */
  allowIncomplete?: boolean;
  /** Packages scanned at once. */
  concurrency?: number;
  /** A worker pool to use (and leave open). */
  pool?: AnalysisPool;
  onProgress?: (p: { done: number; total: number; current: string }) => void;
}

const EVIDENCE_PER_CAPABILITY = 3;
const STATUS_RANK: Record<ScanStatus, number> = { ok: 0, partial: 1, error: 2 };
const worst = (...s: ScanStatus[]): ScanStatus => s.reduce((a, b) => (STATUS_RANK[b] > STATUS_RANK[a] ? b : a), 'ok');

const idOf = (p: LockedPackage): string => `${p.name}@${p.version}`;
/** What makes two entries the same bytes to scan. */
const scanKey = (p: LockedPackage): string => `${p.source}\0${p.name}\0${p.version}\0${p.integrity ?? p.resolved ?? p.path ?? ''}`;

function statusOf(s: LockedScan | undefined): ScanStatus {
  return s?.report ? s.report.status : 'error';
}

function errorOf(s: LockedScan | undefined): string | undefined {
  if (!s) return 'not scanned';
  if (s.error !== undefined) return s.error;
  if (s.report.status !== 'ok') return `${s.report.errors.length} file(s) not fully analysed: ${s.report.errors[0]?.message ?? ''}`;
  return undefined;
}

type EvidenceFinding = Pick<Finding, 'capability' | 'api' | 'file' | 'line' | 'column' | 'excerpt' | 'runs'>;

/**
 * At most {@link EVIDENCE_PER_CAPABILITY} findings per wanted capability, in the order given: first one
 * for each time its code runs (earliest first, so install-time code leads and a run-time use is not
 * crowded out by three install-time ones), then the rest.
 */
function evidenceFor(capabilities: readonly string[], findings: readonly EvidenceFinding[]): GateEvidence[] {
  const wanted = new Set(capabilities);
  const byCapability = new Map<string, EvidenceFinding[]>();
  const seen = new Set<string>();
  for (const f of findings) {
    if (!wanted.has(f.capability)) continue;
    const id = `${f.capability}\0${f.api}\0${f.file}\0${f.line}\0${f.column}`;
    if (seen.has(id)) continue;
    seen.add(id);
    byCapability.set(f.capability, [...(byCapability.get(f.capability) ?? []), f]);
  }
  const out: GateEvidence[] = [];
  for (const list of byCapability.values()) {
    const firsts = sortRuns(list.map((f) => f.runs ?? 'call')).map((r) => list.find((f) => (f.runs ?? 'call') === r)!);
    const picked = [...new Set([...firsts, ...list])].slice(0, EVIDENCE_PER_CAPABILITY);
    for (const f of picked) out.push({ capability: f.capability, api: f.api, file: f.file, line: f.line, column: f.column, excerpt: f.excerpt, ...(f.runs !== undefined ? { runs: f.runs } : {}) });
  }
  return out;
}

/** Findings earliest-running first (stable: file order within a time). */
const byRuns = <T extends Pick<Finding, 'runs'>>(findings: readonly T[]): T[] => [...findings].sort((a, b) => runsRank(a.runs) - runsRank(b.runs));

interface Context {
  scans: Map<string, LockedScan>;
  baseGraph: LockGraph;
  headGraph: LockGraph;
  baseFamilies: Map<LockedPackage, LockedFamily>;
  headFamilies: Map<LockedPackage, LockedFamily>;
  policy: Policy;
}

/** Severities whose gain fails the gate when there is no policy file; the others are notices. */
const FAILING_SEVERITIES: ReadonlySet<string> = new Set(['high', 'critical']);

/** The gate without a policy file: which capabilities fail when gained and which are notices, from the catalog's severities. */
function builtInDefault(): { fails: string[]; notices: string[] } {
  const ids = (fails: boolean) => catalog.filter((c) => FAILING_SEVERITIES.has(c.severity) === fails).map((c) => c.id).sort();
  return { fails: ids(true), notices: ids(false) };
}

function familyOf(pkg: LockedPackage, families: Map<LockedPackage, LockedFamily>): PlatformFamily | undefined {
  const f = families.get(pkg);
  return f === undefined ? undefined : { parent: f.parent, ...(f.glob !== undefined ? { glob: f.glob } : {}) };
}

/** The report entry of one change. */
function describe(change: LockChange, ctx: Context): GatePackage {
  const pkg = (change.head ?? change.base)!;
  const head = change.head ? ctx.scans.get(scanKey(change.head)) : undefined;
  const base = change.base ? ctx.scans.get(scanKey(change.base)) : undefined;
  const now = change.head ? head : base;
  const nowPkg = (change.head ?? change.base)!;
  const capabilities = now?.report?.capabilities ?? [];
  const previous = change.base && change.head ? base?.report?.capabilities ?? [] : undefined;
  const own = diffCapabilities(previous ?? [], change.head ? capabilities : []);
  // Findings as installed from each side's source: code only `prepare` runs is not install-time code of a registry package.
  const nowFindings = now?.report ? findingsFor(now.report, nowPkg.source) : [];
  const nowScripts = now?.report ? installScriptsFor(now.report, nowPkg.source) : [];
  let transitive: GateTransitive[] = [];
  let diff: DiffReport | undefined;
  let evidence: GateEvidence[] = [];
  let gainedAtInstall: string[] = [];
  let gainedRuns: Record<string, Runs[]> = {};
  if (change.head && head?.report) {
    const capsOf = (s: { pkg: LockedPackage }) => ctx.scans.get(scanKey(s.pkg))?.report?.capabilities ?? [];
    const newSub = ctx.headGraph.subtree(change.head);
    const newReach = reachable(newSub, capsOf);
    if (change.base) {
      const oldSub = ctx.baseGraph.subtree(change.base);
      const oldReach = reachable(oldSub, capsOf);
      transitive = reachedOnlyIn(newReach, oldReach);
      const baseFindings = base?.report ? findingsFor(base.report, change.base.source) : [];
      const findings = base?.report ? diffFindings(baseFindings, nowFindings) : diffFindings([], nowFindings);
      const install = diffInstall({ report: base?.report ?? { findings: [] }, source: change.base.source }, { report: head.report, source: change.head.source }, own.added, findings.newFindings);
      gainedAtInstall = install.addedAtInstall;
      gainedRuns = install.addedRuns;
      // Held before only at run time: the evidence is its install-time code.
      const newlyAtInstall = nowFindings.filter((f) => f.runs === 'install' && gainedAtInstall.includes(f.capability) && !own.added.includes(f.capability));
      evidence = evidenceFor([...own.added, ...gainedAtInstall], [...byRuns(findings.newFindings), ...newlyAtInstall, ...byRuns(nowFindings.filter((f) => own.added.includes(f.capability)))]);
      const oldIds = new Set(oldSub.map((s) => idOf(s.pkg)));
      const subErrors = [...newSub, ...oldSub]
        .map((s) => ({ package: idOf(s.pkg), message: errorOf(ctx.scans.get(scanKey(s.pkg))) }))
        .filter((e): e is { package: string; message: string } => e.message !== undefined);
      diff = {
        schemaVersion: 1,
        name: pkg.name,
        from: change.base.version,
        to: change.head.version,
        ...own,
        ...install,
        ...findings,
        dependencies: diffDependencies(base?.report?.dependencies ?? head.report.dependencies, head.report.dependencies),
        transitive: {
          added: transitive,
          removed: reachedOnlyIn(oldReach, newReach),
          newPackages: newSub.filter((s) => !oldIds.has(idOf(s.pkg))).map((s) => ({ package: idOf(s.pkg), capabilities: [...capsOf(s)], via: s.via })),
          resolution: 'lockfile',
          errors: [...new Map(subErrors.map((e) => [e.package, e])).values()],
        },
        risk: riskOf([...new Set([...own.added, ...gainedAtInstall, ...transitive.map((t) => t.capability)])], findings.newFindings.length),
        ...diffSides(base?.report ?? { status: 'error', errors: [] }, head.report),
      };
    } else {
      transitive = reachedOnlyIn(newReach, new Map());
      gainedAtInstall = installCapabilities(nowFindings);
      gainedRuns = runsByCapability(nowFindings);
      evidence = evidenceFor(capabilities, byRuns(nowFindings));
    }
  }
  const runsAtInstall = now?.report ? nowScripts.length > 0 : undefined;
  const previousRunsAtInstall = change.base && change.head && base?.report ? installScriptsFor(base.report, change.base.source).length > 0 : undefined;
  const status = change.kind === 'removed' ? statusOf(base) : worst(statusOf(head), ...(change.base ? [statusOf(base)] : []));
  const error = change.kind === 'removed' ? errorOf(base) : errorOf(head) ?? (change.base ? errorOf(base) : undefined);
  const graph = change.head ? ctx.headGraph : ctx.baseGraph;
  const family = change.head ? familyOf(change.head, ctx.headFamilies) : familyOf(change.base!, ctx.baseFamilies);
  return {
    name: pkg.name,
    ...(pkg.alias ? { alias: pkg.alias } : {}),
    change: change.kind,
    ...(change.base ? { from: change.base.version } : {}),
    ...(change.head ? { to: change.head.version } : {}),
    version: pkg.version,
    source: pkg.source,
    dev: pkg.dev,
    optional: pkg.optional,
    key: pkg.key,
    line: pkg.line,
    ...(family ? { family } : {}),
    status,
    capabilities,
    ...(previous ? { previous } : {}),
    gained: change.kind === 'removed' ? [] : own.added,
    ...(change.head ? { gainedAtInstall, gainedRuns } : {}),
    ...(now?.report ? { runs: runsByCapability(nowFindings) } : {}),
    ...(runsAtInstall !== undefined ? { runsAtInstall } : {}),
    ...(previousRunsAtInstall !== undefined ? { previousRunsAtInstall } : {}),
    ...(runsAtInstall ? { installScripts: scriptCommands(nowScripts) } : {}),
    lost: change.kind === 'removed' ? capabilities : own.removed,
    transitive,
    via: graph.pathTo(pkg),
    ...(diff ? { diff } : {}),
    evidence,
    policy: matchPolicy(ctx.policy, pkg.name, pkg.version),
    ...(error !== undefined ? { error } : {}),
  };
}

/** What one failing or noticed capability needs from the policy to pass: to be allowed, and (`atInstall`) allowed at install. */
interface Need {
  package: string;
  capability: string;
  atInstall: boolean;
}

const WHEN_WORDS: Record<Runs, string> = { install: ' at install', import: ' at import', call: ' when called', unreached: ' in unreached files' };

/**
 * Violations and notices of one package: capabilities the policy does not allow, and incomplete analysis
 * (fail closed). Each gained capability is judged by when the code that brings it runs: install-time code
 * against what the rule allows at install (`allowedAtInstall`, else `allowed`), the rest against `allowed`.
 * A capability gained only in files nothing reaches is a notice unless `--strict`; without a policy file
 * (`builtIn`), gaining a capability listed as a notice is a notice.
 */
function judge(p: GatePackage, options: GateOptions, builtIn: GateReport['policy']['builtIn']): { violations: GateViolation[]; notices: GateNotice[]; needs: Need[] } {
  const violations: GateViolation[] = [];
  const notices: GateNotice[] = [];
  const needs: Need[] = [];
  if (p.change === 'removed' || p.policy.ignored) return { violations, notices, needs };
  const strict = options.strict === true;
  const base = { package: `${p.name}@${p.version}`, name: p.name, version: p.version, key: p.key, line: p.line, rule: p.policy.rule, via: p.via };
  const change = p.from !== undefined && p.to !== undefined && p.from !== p.to ? `${p.from} → ${p.to}` : p.change === 'added' ? `added ${p.version}` : `${p.version} (${p.change})`;
  if (p.status !== 'ok' && !options.allowIncomplete) {
    violations.push({ ...base, kind: 'incomplete', message: `${p.name} ${change} could not be fully analysed (${p.error ?? p.status}); the gate fails closed (--allow-incomplete to accept)` });
  }
  const allowed = new Set(p.policy.allowed);
  const atInstall = new Set(p.policy.allowedAtInstall ?? p.policy.allowed);
  const gainedAll = [...new Set([...p.gained, ...(p.gainedAtInstall ?? [])])].sort();
  const held = strict ? [...new Set([...p.capabilities, ...gainedAll])].sort() : gainedAll;
  for (const capability of held) {
    const gained = gainedAll.includes(capability);
    // With --strict every use counts; otherwise only what is new.
    const runs = sortRuns([...(gained ? p.gainedRuns?.[capability] ?? [] : []), ...(strict || !gained ? p.runs?.[capability] ?? [] : [])]);
    if (runs.length === 0) runs.push('call');
    const runTime = runs.filter((r) => r === 'import' || r === 'call' || (strict && r === 'unreached'));
    const failsAtInstall = runs.includes('install') && !atInstall.has(capability);
    const failsAtRunTime = runTime.length > 0 && !allowed.has(capability);
    const onlyUnreached = runs.every((r) => r === 'unreached') && !allowed.has(capability);
    if (!failsAtInstall && !failsAtRunTime && !onlyUnreached) continue;
    const when: Runs = failsAtInstall ? 'install' : failsAtRunTime ? runTime[0]! : 'unreached';
    // The most telling evidence of that time: a call or member (`https.get`) over the bare import (`https`).
    const mine = p.evidence.filter((e) => e.capability === capability);
    const then = mine.filter((e) => (e.runs ?? 'call') === when);
    const pool = then.length > 0 ? then : mine;
    const first = pool.find((e) => e.api.includes('.')) ?? pool[0];
    const where = first ? ` (${first.api} at ${first.file}:${first.line})` : '';
    const through = p.change === 'added' && p.via.length > 1 ? `, brought in by ${p.via.slice(0, -1).join(' → ')}` : '';
    const before = when === 'install' && gained && !p.gained.includes(capability) ? ', used before only at run time' : '';
    const what = `${p.name} ${change} ${gained ? 'gains' : 'has'} ${capability}${WHEN_WORDS[when]}${where}${before}${through}`;
    needs.push({ package: base.package, capability, atInstall: failsAtInstall });
    if (when === 'unreached' && !strict) {
      notices.push({ ...base, kind: 'gained', capability, runs: when, why: 'unreached', message: `${what}; a notice: no entry point, bin or script reaches that code (--strict fails on it)` });
      continue;
    }
    if (builtIn?.notices.includes(capability)) {
      notices.push({ ...base, kind: 'gained', capability, runs: when, why: 'severity', message: `${what}; a notice: without a policy file only high and critical capabilities fail the gate` });
      continue;
    }
    const entry = p.policy.rule === 'default' ? 'by the default allow list' : `by policy entry "${p.policy.rule}"`;
    const rule = builtIn
      ? 'without a policy file (high and critical capabilities fail the gate)'
      : failsAtInstall && p.policy.allowedAtInstall !== undefined
        ? `at install ${entry} (at install it allows ${p.policy.allowedAtInstall.length > 0 ? p.policy.allowedAtInstall.join(', ') : 'nothing'})`
        : entry;
    violations.push({ ...base, kind: gained ? 'gained' : 'unallowed', capability, runs: when, message: `${what}; not allowed ${rule}` });
  }
  return { violations, notices, needs };
}

/** What an entry lets install-time code use, on top of default's install list (see matchPolicy). */
function installShare(entry: PolicyEntry, policy: Policy): string[] {
  return entry.atInstall ?? (policy.default.atInstall !== undefined ? [] : entry.allow);
}

/**
 * Policy entries that would accept the violations (and the notices, which a policy file turns into
 * violations), merged per key, default capabilities left out. A platform family's members share their
 * family's glob entry; a package decided by an entry about it extends that entry. Where the policy judges
 * install-time code apart (`atInstall`), what fails at install goes to the entry's `atInstall` too; elsewhere
 * `allow` covers both, as it always did.
 */
function suggest(packages: readonly GatePackage[], needs: readonly Need[], policy: Policy): GateReport['suggestedPolicy'] {
  const byPackage = new Map(packages.map((p) => [`${p.name}@${p.version}`, p]));
  const defaults = new Set(policy.default.allow);
  const out = new Map<string, { allow: Set<string>; atInstall?: Set<string> }>();
  for (const need of needs) {
    const p = byPackage.get(need.package)!;
    const apart = p.policy.allowedAtInstall !== undefined;
    // Extend the entry that decided it when it is about this package; a glob or the default is not.
    const entry = policy.entries.find((e) => e.key === p.policy.rule);
    const own = entry !== undefined && entry.pattern.kind !== 'glob';
    const key = own ? entry.key : (p.family?.glob ?? p.name);
    const fresh = () => ({
      allow: new Set(own ? entry.allow : p.policy.allowed.filter((c) => !defaults.has(c))),
      ...(apart ? { atInstall: new Set(entry !== undefined ? installShare(entry, policy) : []) } : {}),
    });
    const item = out.get(key) ?? fresh();
    // `allow` is what the package may hold, install time included, as `policy init` writes it; `atInstall`
    // the part its install-time code may use. What the default allows needs no entry.
    if (!defaults.has(need.capability)) item.allow.add(need.capability);
    if (need.atInstall && apart) (item.atInstall ??= new Set()).add(need.capability);
    out.set(key, item);
  }
  const sorted = [...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(sorted.map(([k, v]) => [k, { allow: [...v.allow].sort(), ...(v.atInstall !== undefined && v.atInstall.size > 0 ? { atInstall: [...v.atInstall].sort() } : {}) }]));
}

async function readPolicy(options: GateOptions, root: string, base: LoadedSide, head: LoadedSide): Promise<{ policy: Policy; path?: string; changed?: boolean }> {
  if (options.policyPath !== undefined) {
    const path = resolve(options.cwd ?? process.cwd(), options.policyPath);
    return { policy: loadPolicy(path, { onWarning: (p) => options.onWarning?.(`${path}:${p.line}:${p.column}: ${p.message}`) }), path };
  }
  const path = join(root, POLICY_FILE);
  const rel = relative(root, path).split(sep).join(posix.sep);
  const warnings = { onWarning: (p: PolicyProblem) => options.onWarning?.(`${path}:${p.line}:${p.column}: ${p.message}`) };
  let policy: Policy;
  let text: string | undefined;
  if (head.readAtRef) {
    // The head is a commit: its policy is the one at that commit, not the working tree's.
    text = await head.readAtRef(rel);
    if (text === undefined) return { policy: emptyPolicy() };
    policy = policyFromText(text, `${head.side.ref}:${rel}`, warnings);
  } else {
    if (!existsSync(path)) return { policy: emptyPolicy() };
    text = await readFile(path, 'utf8');
    policy = policyFromText(text, path, warnings);
  }
  // A PR can loosen its own policy: say so, so that the reviewer looks at it.
  let changed: boolean | undefined;
  if (base.readAtRef) {
    const before = await base.readAtRef(rel).catch(() => undefined);
    changed = before !== text;
  }
  return { policy, path, ...(changed !== undefined ? { changed } : {}) };
}

/**
 * Runs the gate between two lockfiles (git refs or paths).
 * @throws DepcapsError E_USAGE / E_LOCKFILE / E_POLICY for bad input (exit 2).
 */
export async function runGate(options: GateOptions = {}): Promise<GateReport> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const limits = resolveLimits(options.limits, env);
  const project = await findProject(cwd, options.lockfile);
  const baseSpec = options.base ?? (await defaultBase(project, env));
  const [base, head] = await Promise.all([loadSide(baseSpec, project), loadSide(options.head ?? WORKTREE, project)]);
  const repoRoot = project.gitRoot ?? cwd;
  const { policy, path: policyPath, changed: policyChanged } = await readPolicy(options, repoRoot, base, head);
  const changes = compareLockfiles(base.lockfile, head.lockfile);
  const baseGraph = buildGraph(base.lockfile);
  const headGraph = buildGraph(head.lockfile);

  // Everything to scan: both sides of each change and the dependency subtrees that give `via` and transitive gains.
  const wanted = new Map<string, { pkg: LockedPackage; root: string }>();
  const want = (pkg: LockedPackage, side: LoadedSide) => {
    if (!wanted.has(scanKey(pkg))) wanted.set(scanKey(pkg), { pkg, root: side.root });
  };
  for (const c of changes) {
    if (c.head) {
      want(c.head, head);
      for (const s of headGraph.subtree(c.head)) want(s.pkg, head);
    }
    if (c.base) {
      want(c.base, base);
      if (c.head) for (const s of baseGraph.subtree(c.base)) want(s.pkg, base);
    }
  }

  const session = openSession(options, env, limits);
  const scanOptions: ScanOptions = { ...options, env, limits, pool: session.pool, store: session.store, shared: session.shared, cwd, packumentCache: new Map() };
  session.prepare(
    [...wanted.values()].filter(({ pkg }) => pkg.source === 'registry').map(({ pkg }) => ({ name: pkg.name, version: pkg.version, ...(pkg.integrity ? { integrity: pkg.integrity } : {}) })),
    { cwd, ...(options.registry ? { registry: options.registry } : {}) },
  );
  const scans = new Map<string, LockedScan>();
  let done = 0;
  try {
    await mapLimit([...wanted], options.concurrency ?? 8, async ([key, { pkg, root }]) => {
      scans.set(key, await scanLocked(pkg, root, scanOptions));
      options.onProgress?.({ done: ++done, total: wanted.size, current: idOf(pkg) });
    });
  } finally {
    await session.close();
  }

  const ctx: Context = { scans, baseGraph, headGraph, baseFamilies: platformFamilies(base.lockfile), headFamilies: platformFamilies(head.lockfile), policy };
  const packages = changes.map((c) => describe(c, ctx));
  const builtIn = policyPath === undefined && !options.strict ? builtInDefault() : undefined;
  const judged = packages.map((p) => judge(p, options, builtIn));
  const violations = judged.flatMap((j) => j.violations);
  const notices = judged.flatMap((j) => j.notices);
  const needs = judged.flatMap((j) => j.needs);
  const count = (kind: GatePackage['change']) => packages.filter((p) => p.change === kind).length;
  return {
    schemaVersion: 1,
    verdict: violations.length > 0 ? 'fail' : 'pass',
    base: base.side,
    head: head.side,
    policy: {
      ...(policyPath ? { path: relative(repoRoot, policyPath).split(sep).join(posix.sep) || policyPath } : {}),
      strict: options.strict === true,
      allowIncomplete: options.allowIncomplete === true,
      ...(policyChanged !== undefined ? { changed: policyChanged } : {}),
      ...(builtIn ? { builtIn } : {}),
    },
    packages,
    violations,
    notices,
    summary: {
      added: count('added'),
      removed: count('removed'),
      upgraded: count('upgraded'),
      downgraded: count('downgraded'),
      changed: count('changed'),
      violations: violations.length,
      notices: notices.length,
      incomplete: packages.filter((p) => p.change !== 'removed' && p.status !== 'ok').length,
    },
    suggestedPolicy: suggest(packages, needs, policy),
    diagnostics: [
      ...base.lockfile.diagnostics.map((d) => ({ lockfile: base.side.ref, ...d })),
      ...head.lockfile.diagnostics.map((d) => ({ lockfile: head.side.ref, ...d })),
    ],
  };
}
