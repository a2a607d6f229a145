/** The `scan` JSON object and the pieces every report shares (docs/CONTRACT.md, schemaVersion 1). */

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

/** Where a package comes from, as its lockfile records it. */
export type LockedSource = 'registry' | 'file' | 'link' | 'workspace' | 'git' | 'remote' | 'unknown';
