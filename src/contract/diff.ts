/** The `diff` JSON object (docs/CONTRACT.md). */
import type { FileError, Finding, Runs, ScanStatus } from './scan.js';

/**
 * A finding as diff reports it (the excerpt identifies it across versions; lines may move), with when its
 * code runs in its version (`runs`, and `runsReason` when that is not evident).
 */
export type DiffFinding = Pick<Finding, 'capability' | 'api' | 'file' | 'line' | 'column' | 'excerpt' | 'confidence' | 'runs' | 'runsReason'>;

/** Whether one version runs code when it is installed, and which install scripts do it. */
export interface DiffInstallSide {
  /** Install-time code exists (see the scan report's `runsAtInstall`, `prepare` included for non-registry sources). */
  runsAtInstall: boolean;
  /** The install scripts that run, by event: `{ "postinstall": "node install.js" }`. */
  scripts: Record<string, string>;
}

/** A capability newly reachable through the dependency tree, and the path that brings it. */
export interface TransitiveCapability {
  capability: string;
  /** Dependency path from the package (exclusive) to the package that has it: `['dep@1.0.3', 'leaf@2.0.0']`. */
  via: string[];
}

/** How completely one side of a diff was analysed. */
export interface DiffSide {
  /** The side's scan status: `partial` when some file was not fully analysed (its findings may be incomplete). */
  status: ScanStatus;
  /** The files of that side that were not fully analysed, and why. */
  errors: FileError[];
}

/** Risk of a change: from the catalog severity of what was added. */
export type Risk = 'high' | 'medium' | 'low' | 'none';

/** The `diff` JSON object (CONTRACT.md). */
export interface DiffReport {
  schemaVersion: 1;
  name: string;
  from: string;
  to: string;
  added: string[];
  removed: string[];
  unchanged: string[];
  /**
   * For each capability in `added` or `addedAtInstall`: when the code that brings it runs (the `runs` of its
   * new findings), earliest first: `{ "network": ["install", "call"] }`.
   */
  addedRuns: Record<string, Runs[]>;
  /**
   * Capabilities the install-time code of `to` uses and that of `from` did not: new ones, and ones held
   * before only at run time (a package that starts calling the network from its postinstall). Sorted.
   */
  addedAtInstall: string[];
  /** Install-time code of each version: `to.runsAtInstall && !from.runsAtInstall` is a package that starts running code at install. */
  install: { from: DiffInstallSide; to: DiffInstallSide };
  newFindings: DiffFinding[];
  goneFindings: DiffFinding[];
  dependencies: {
    added: Record<string, string>;
    removed: Record<string, string>;
    changed: Record<string, { from: string; to: string }>;
  };
  transitive: {
    added: TransitiveCapability[];
    removed: TransitiveCapability[];
    /** Packages in the new tree that were not in the old one (name@version), with their own capabilities. */
    newPackages: { package: string; capabilities: string[]; via: string[] }[];
    /** How the trees were resolved: `publish-time` (as of the later version's publish time), `latest`, or `lockfile` (gate: the lockfiles' own trees). */
    resolution: 'publish-time' | 'latest' | 'none' | 'lockfile';
    /** Packages of either tree that could not be analysed (the transitive result may be incomplete). */
    errors: { package: string; message: string }[];
  };
  risk: Risk;
  /** The worse of the two sides' statuses: `ok` only when both versions were fully analysed. */
  status: ScanStatus;
  /** Each version's own analysis: when a side is not `ok`, its findings (and so the own-code diff) may be incomplete. */
  sides: { from: DiffSide; to: DiffSide };
}
