/** The `scan` JSON object and the pieces every report shares (docs/CONTRACT.md, schemaVersion 1). */

export type Confidence = 'high' | 'medium' | 'low';

/**
 * When a finding's code runs, earliest first: `install` (a lifecycle script executes it, directly or
 * through what it loads), `import` (module top level of a module loaded by importing the package),
 * `call` (inside a function of a reachable module, anywhere in a bin, or possibly loaded by an
 * unresolved require/import), `unreached` (no entry point, bin or script reaches it).
 */
export type Runs = 'install' | 'import' | 'call' | 'unreached';

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
  /** When the code runs. Set on every finding of a scan report (absent only in per-file engine results). */
  runs?: Runs;
  /** Why it runs then, when that is not evident: the install script, the unresolved load that may reach it. */
  runsReason?: string;
}

/** One command of an install-time lifecycle script, as read (scripts are never run). */
export interface InstallStep {
  /**
   * `node` (runs `file`), `node-eval` (inline code, analysed as code), `shell` (a shell runs `file`,
   * or what is piped into it), `file` (executes `file` directly), `program` (an external program).
   */
  kind: 'node' | 'node-eval' | 'shell' | 'file' | 'program';
  /** The command as written. */
  command: string;
  /** Scripts (and shell files) followed to reach it, when it is not the event's own script: `['postinstall', 'build']`. */
  via?: string[];
  /** The package file it runs, resolved. */
  file?: string;
  /** The external program (`node-gyp`, `prebuild-install`, `curl`). */
  program?: string;
  /** What could not be resolved (a file not in the package, a variable, a cycle). */
  note?: string;
}

/** A lifecycle script that runs when the package is installed. */
export interface InstallScript {
  /** `preinstall`, `install`, `postinstall`, or `prepare`. */
  event: string;
  command: string;
  /** `always`: on every install; `git`: `prepare`, which runs only when the package is installed from git. */
  when: 'always' | 'git';
  /** Not declared: npm runs `node-gyp rebuild` because the package has a `binding.gyp`. */
  implied?: boolean;
  steps: InstallStep[];
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
  /** Code runs when the package is installed: `preinstall`/`install`/`postinstall`, or an implied `node-gyp rebuild`; for a package fetched from git, `prepare` too. */
  runsAtInstall: boolean;
  /** Its install-time lifecycle scripts (`prepare` included) and the package files they run; absent when it has none. */
  install?: {
    scripts: InstallScript[];
    /** Package files the scripts execute, directly or through what those load, sorted. */
    files: string[];
  };
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

/** Where a package stands in a lockfile: the fields every per-package entry of audit and scripts starts with. */
export interface LockedEntry {
  name: string;
  version: string;
  alias?: string;
  source: LockedSource;
  dev: boolean;
  optional: boolean;
  /** Lockfile key and line of the entry (SARIF / annotations point there). */
  key: string;
  line: number;
}
