import type { Finding, InstallScript, InstallStep, ScanReport } from '../contract/index.js';
import { findingsFor, installScriptsFor, scriptCommands } from '../diff/runs.js';
import type { LockedPackage } from '../lockfile/types.js';

/** What runs when one locked package is installed: the scripts, what they run, and what that code can do. */
export interface InstallCode {
  scripts: InstallScript[];
  /** Event → command. */
  commands: Record<string, string>;
  /** `git`: only `prepare` runs (the package comes from git or a directory). */
  when?: 'git';
  /** Each command of the scripts, with the event it belongs to. */
  steps: (InstallStep & { event: string })[];
  files: string[];
  programs: string[];
  /** Findings whose code runs at install. */
  findings: Finding[];
  capabilities: string[];
}

/**
 * The install-time code of a locked package as its package manager installs it, or undefined when its
 * install runs none: npm never runs the scripts of a bundled dependency, links and workspaces are the
 * project's own code, and `prepare` runs only for git, directory and tarball-URL sources (see installScriptsFor).
 */
export function installCodeOf(pkg: Pick<LockedPackage, 'source' | 'bundled'>, report: ScanReport): InstallCode | undefined {
  if (pkg.bundled || pkg.source === 'link' || pkg.source === 'workspace') return undefined;
  const scripts = installScriptsFor(report, pkg.source);
  if (scripts.length === 0) return undefined;
  const findings = findingsFor(report, pkg.source).filter((f) => f.runs === 'install');
  const steps = scripts.flatMap((s) => s.steps.map((st) => ({ event: s.event, ...st })));
  return {
    scripts,
    commands: scriptCommands(scripts),
    ...(scripts.every((s) => s.when === 'git') ? { when: 'git' as const } : {}),
    steps,
    files: report.install?.files ?? [],
    programs: [...new Set(steps.flatMap((s) => (s.program !== undefined ? [s.program] : [])))].sort(),
    findings,
    capabilities: [...new Set(findings.map((f) => f.capability))].sort(),
  };
}
