/**
 * When a package's code runs, as the commands that compare and judge packages read it (audit, diff, gate,
 * scripts): the install scripts that run for the way the package is installed, each finding's `runs`
 * seen from there, and per capability when its code runs, earliest first.
 */
import type { Finding, InstallScript, Runs, ScanReport } from '../contract/index.js';

/** Earliest first: install, import, call, unreached. */
export const RUNS_ORDER: readonly Runs[] = ['install', 'import', 'call', 'unreached'];

/** Rank of a `runs` value (install 0 … unreached 3); a finding without one counts as `call`. */
export function runsRank(runs: Runs | undefined): number {
  return RUNS_ORDER.indexOf(runs ?? 'call');
}

/** Distinct `runs` values, earliest first. */
export function sortRuns(runs: Iterable<Runs>): Runs[] {
  return [...new Set(runs)].sort((a, b) => runsRank(a) - runsRank(b));
}

/**
 * The install scripts that run when the package is installed from `source`: `preinstall`, `install`,
 * `postinstall` (and an implied `node-gyp rebuild`) always; `prepare` only for what is not a registry
 * tarball (git, a directory, a tarball URL), as npm runs it.
 */
export function installScriptsFor(report: Pick<ScanReport, 'install'>, source: string | undefined): InstallScript[] {
  return (report.install?.scripts ?? []).filter((s) => s.when === 'always' || source !== 'registry');
}

/**
 * A finding's `runs` for a package installed from `source`: code that only a `prepare` script runs does
 * not run when a registry tarball is installed (npm runs `prepare` for git and directory installs), so
 * there it is judged as code that runs when someone calls it (`npm run prepare`), never as install-time code.
 */
export function runsFor(finding: Pick<Finding, 'runs'>, installRuns: boolean): Runs {
  const runs = finding.runs ?? 'call';
  return runs === 'install' && !installRuns ? 'call' : runs;
}

/** Findings with `runs` as {@link runsFor} reads them for a package installed from `source`. */
export function findingsFor(report: Pick<ScanReport, 'install' | 'findings'>, source: string | undefined): Finding[] {
  const installRuns = installScriptsFor(report, source).length > 0;
  return report.findings.map((f) => {
    const runs = runsFor(f, installRuns);
    return runs === f.runs ? f : { ...f, runs };
  });
}

/** For each capability of `findings`: when its code runs, earliest first. */
export function runsByCapability(findings: readonly Pick<Finding, 'capability' | 'runs'>[]): Record<string, Runs[]> {
  const out = new Map<string, Set<Runs>>();
  for (const f of findings) {
    const set = out.get(f.capability) ?? new Set<Runs>();
    set.add(f.runs ?? 'call');
    out.set(f.capability, set);
  }
  return Object.fromEntries([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([c, s]) => [c, sortRuns(s)]));
}

/** Capabilities of the findings whose code runs at install, sorted. */
export function installCapabilities(findings: readonly Pick<Finding, 'capability' | 'runs'>[]): string[] {
  return [...new Set(findings.filter((f) => f.runs === 'install').map((f) => f.capability))].sort();
}

/** `{ postinstall: "node install.js" }`: the scripts by event. */
export function scriptCommands(scripts: readonly InstallScript[]): Record<string, string> {
  return Object.fromEntries(scripts.map((s) => [s.event, s.command]));
}
