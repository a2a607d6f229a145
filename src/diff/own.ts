import type { DiffFinding, DiffInstallSide, DiffReport, DiffSide, Finding, Runs, ScanReport, ScanStatus } from '../contract/index.js';
import { matchFindings } from './match.js';
import { findingsFor, installCapabilities, installScriptsFor, runsByCapability, scriptCommands } from './runs.js';

function strip(f: Finding): DiffFinding {
  return {
    capability: f.capability, api: f.api, file: f.file, line: f.line, column: f.column, excerpt: f.excerpt, confidence: f.confidence,
    ...(f.runs !== undefined ? { runs: f.runs } : {}),
    ...(f.runsReason !== undefined ? { runsReason: f.runsReason } : {}),
  };
}

/**
 * Findings new in `to` and gone from `from`, matched by what they are, not by line (see
 * matchFindings): identical code re-reported after a rebuild, a version bump or a one-token edit is
 * neither new nor gone; what is new is a call site that was not there before.
 */
export function diffFindings(from: readonly Finding[], to: readonly Finding[]): { newFindings: DiffFinding[]; goneFindings: DiffFinding[] } {
  const { added, gone } = matchFindings(from, to);
  const order = (a: Finding, b: Finding) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column);
  return { newFindings: added.sort(order).map(strip), goneFindings: gone.sort(order).map(strip) };
}

/** Capabilities added, removed and kept between two sorted sets. */
export function diffCapabilities(from: readonly string[], to: readonly string[]): { added: string[]; removed: string[]; unchanged: string[] } {
  const a = new Set(from);
  const b = new Set(to);
  return {
    added: [...b].filter((c) => !a.has(c)).sort(),
    removed: [...a].filter((c) => !b.has(c)).sort(),
    unchanged: [...b].filter((c) => a.has(c)).sort(),
  };
}

const STATUS_ORDER: readonly ScanStatus[] = ['ok', 'partial', 'error'];

/** Each side's analysis status and file errors, and the worse of the two statuses. */
export function diffSides(from: Pick<ScanReport, 'status' | 'errors'>, to: Pick<ScanReport, 'status' | 'errors'>): Pick<DiffReport, 'status' | 'sides'> {
  const side = (r: Pick<ScanReport, 'status' | 'errors'>): DiffSide => ({ status: r.status, errors: r.errors });
  const status = STATUS_ORDER[Math.max(STATUS_ORDER.indexOf(from.status), STATUS_ORDER.indexOf(to.status))] ?? 'error';
  return { status, sides: { from: side(from), to: side(to) } };
}

/** One version as the diff of its install-time code reads it: its scan and where it is installed from. */
export interface InstallSideInput {
  report: Pick<ScanReport, 'install' | 'findings'>;
  /** The package's source (`registry`, `git`, …): `prepare` runs at install only for non-registry sources. */
  source: string | undefined;
}

function installSide(side: InstallSideInput): DiffInstallSide {
  const scripts = installScriptsFor(side.report, side.source);
  return { runsAtInstall: scripts.length > 0, scripts: scriptCommands(scripts) };
}

/**
 * When what a version gained runs: for each added capability the `runs` of its new findings (all its
 * findings when matching left none new), earliest first; the capabilities its install-time code uses that
 * the other version's did not (`addedAtInstall`; one held before only at run time gets `["install"]`); and
 * each version's install scripts. Findings are read as installed from each side's source (see findingsFor).
 */
export function diffInstall(from: InstallSideInput, to: InstallSideInput, added: readonly string[], newFindings: readonly Pick<Finding, 'capability' | 'runs'>[]): Pick<DiffReport, 'addedRuns' | 'addedAtInstall' | 'install'> {
  const before = findingsFor(from.report, from.source);
  const after = findingsFor(to.report, to.source);
  const wasAtInstall = new Set(installCapabilities(before));
  const addedAtInstall = installCapabilities(after).filter((c) => !wasAtInstall.has(c));
  const fresh = runsByCapability(newFindings);
  const all = runsByCapability(after);
  const addedRuns: Record<string, Runs[]> = {};
  for (const c of [...new Set([...added, ...addedAtInstall])].sort()) {
    addedRuns[c] = added.includes(c) ? (fresh[c] ?? all[c] ?? ['call']) : ['install'];
  }
  return { addedRuns, addedAtInstall, install: { from: installSide(from), to: installSide(to) } };
}

/** The own-code part of a diff of two scans: capabilities, findings (with when they run), install-time code, and how completely each side was analysed. */
export function diffOwn(from: ScanReport, to: ScanReport): Pick<DiffReport, 'added' | 'removed' | 'unchanged' | 'addedRuns' | 'addedAtInstall' | 'install' | 'newFindings' | 'goneFindings' | 'status' | 'sides'> {
  const capabilities = diffCapabilities(from.capabilities, to.capabilities);
  const findings = diffFindings(findingsFor(from, from.package.source), findingsFor(to, to.package.source));
  const install = diffInstall({ report: from, source: from.package.source }, { report: to, source: to.package.source }, capabilities.added, findings.newFindings);
  return { ...capabilities, ...install, ...findings, ...diffSides(from, to) };
}
