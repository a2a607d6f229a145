/** JSON shapes of CONTRACT.md (schemaVersion 1). Extend freely; renaming needs schemaVersion 2. */

export type Confidence = 'high' | 'medium' | 'low';

/** One piece of evidence: a capability used at a place in a file. */
export interface Finding {
  capability: string;
  /** What was used: `child_process.exec`, `process.env.HOME`, `fetch`, `postinstall: curl`. */
  api: string;
  /** Relative to the package root, `/` separators. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** The code, one line, at most ~160 characters. */
  excerpt: string;
  confidence: Confidence;
}

/** A file that was not (fully) analysed, and why. */
export interface FileError {
  file: string;
  message: string;
  /** Machine-readable reason: `file-too-large`, `parse-error`, `too-deep`, `timeout`, `worker-crash`, … */
  reason?: string;
}

/** Something odd about the package itself: escaping paths, links, bad encodings, a lying manifest. */
export interface Anomaly {
  file: string;
  kind: string;
  message: string;
}

export type ScanStatus = 'ok' | 'partial' | 'error';

/** Dependency ranges a package declares, by kind. */
export interface DeclaredDependencies {
  dependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
}

/** The `scan` JSON object. */
export interface ScanReport {
  schemaVersion: 1;
  tool: { name: 'depcaps'; version: string; catalogVersion: string };
  package: { name: string; version: string; integrity?: string; source?: string };
  status: ScanStatus;
  capabilities: string[];
  findings: Finding[];
  errors: FileError[];
  anomalies: Anomaly[];
  /** Bare module names the package imports that are not builtins: its dependency edges. */
  imports: string[];
  /** Declared dependencies from the tarball's package.json (`bundledDependencies` are in the tarball). */
  dependencies: DeclaredDependencies;
  stats: {
    /** Files in the package. */
    files: number;
    /** Code files fully analysed (not in `errors`). */
    analyzedFiles: number;
    /** Code files parsed in this run. */
    parsedFiles: number;
    /** Code files whose result came from the file-level cache (same bytes seen before). */
    reusedFiles: number;
    /** Unpacked bytes of the package. */
    bytes: number;
    /** Bytes of code parsed in this run (0 when everything came from a cache). */
    parsedBytes?: number;
    /** Bytes of the compressed tarball read in this run (absent for directories and cached results). */
    tarballBytes?: number;
    ms: number;
    /** The whole result came from the package-level cache: nothing was fetched or parsed. */
    cached: boolean;
  };
}

/** A finding as diff reports it (the excerpt identifies it across versions; lines may move). */
export type DiffFinding = Pick<Finding, 'capability' | 'api' | 'file' | 'line' | 'column' | 'excerpt' | 'confidence'>;

/** A capability newly reachable through the dependency tree, and the path that brings it. */
export interface TransitiveCapability {
  capability: string;
  /** Dependency path from the package (exclusive) to the package that has it: `['dep@1.0.3', 'leaf@2.0.0']`. */
  via: string[];
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
}

/** One version in a capability history. */
export interface HistoryVersion {
  version: string;
  /** Publish time from the packument, ISO 8601; absent when the registry does not say. */
  published?: string;
  capabilities: string[];
  added: string[];
  removed: string[];
  /** The deprecation message, when the version is deprecated. */
  deprecated?: string;
  /** Set when the version could not be analysed (unpublished tarball, fetch or parse failure). */
  error?: string;
  status?: ScanStatus;
}

/** The `history` JSON object (CONTRACT.md). */
export interface HistoryReport {
  schemaVersion: 1;
  name: string;
  versions: HistoryVersion[];
  /** Capability → first version (in semver order) that had it. */
  firstSeen: Record<string, string>;
  /** Versions listed in the packument's `time` but no longer published. */
  unpublished?: string[];
}
