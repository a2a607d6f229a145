/** The `diff` JSON object (docs/CONTRACT.md). */
import type { FileError, Finding, ScanStatus } from './scan.js';

/** A finding as diff reports it (the excerpt identifies it across versions; lines may move). */
export type DiffFinding = Pick<Finding, 'capability' | 'api' | 'file' | 'line' | 'column' | 'excerpt' | 'confidence'>;

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
