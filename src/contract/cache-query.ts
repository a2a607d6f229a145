/** The `cache query --json` object (docs/CONTRACT.md). */

/** When code runs (`runs` on findings): at install, on import, when called, or never reached. */
export type RunsWhen = 'install' | 'import' | 'call' | 'unreached';

/** One capability of a package version in the store. */
export interface CacheQueryCapability {
  findings: number;
  /**
   * Findings per "when it runs", when the analyzer that produced the result recorded it; absent for
   * results of analyzers from before `runs` existed.
   */
  runs?: Partial<Record<RunsWhen, number>>;
}

/** A package version in the shared store with one of the asked capabilities. */
export interface CacheQueryPackage {
  name: string;
  version: string;
  integrity: string;
  /** The analyzer version (and depcaps version) whose result this is. */
  analyzer: string;
  toolVersion: string;
  /** Only the asked capabilities (and, with `--runs`, only findings that run then). */
  capabilities: Record<string, CacheQueryCapability>;
}

/** `depcaps cache query --json`. */
export interface CacheQueryReport {
  schemaVersion: 1;
  /** `postgres://host:port/database`: never credentials. */
  store: string;
  query: {
    capabilities: string[];
    /** Empty: any time. */
    runs: RunsWhen[];
    /** Preferred analyzer version: its result when the store has one for a tarball, else the newest. */
    analyzer: string;
  };
  /** Sorted by name, then version. */
  packages: CacheQueryPackage[];
  summary: {
    packages: number;
    names: number;
    /**
     * With `runs`: package versions that have an asked capability but whose result does not say when it
     * runs (analysed before `runs` existed). They may or may not match: re-analyse to know.
     */
    unknownRuns: number;
  };
}
