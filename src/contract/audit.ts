/** The `audit` JSON object (docs/CONTRACT.md). */
import type { LockedSource, Runs, ScanStatus } from './scan.js';

/** One audited package. */
export interface AuditPackage {
  name: string;
  version: string;
  alias?: string;
  source: LockedSource;
  dev: boolean;
  optional: boolean;
  /** Lockfile key and line of the entry (SARIF / annotations point there). */
  key: string;
  line: number;
  status: ScanStatus;
  capabilities: string[];
  /** Findings per capability. */
  counts: Record<string, number>;
  /** Code runs when the package is installed (see the scan report's `runsAtInstall`); absent when not analysed. */
  runsAtInstall?: boolean;
  /** Findings by when they run (`install`, `import`, `call`, `unreached`); absent when not analysed. */
  runs?: Record<Runs, number>;
  /** Up to 3 findings per capability, as evidence in reports. */
  evidence: { capability: string; api: string; file: string; line: number; excerpt: string }[];
  /** Why the package was not (fully) analysed. */
  error?: string;
  cached: boolean;
  /** Compressed tarball bytes read and code bytes parsed for it in this run (0 when cached). */
  tarballBytes: number;
  parsedBytes: number;
}

/** The `audit` JSON object. */
export interface AuditReport {
  schemaVersion: 1;
  lockfile: { path: string; format: string; formatVersion: string };
  packages: AuditPackage[];
  summary: {
    packages: number;
    analyzed: number;
    partial: number;
    errors: number;
    cached: number;
    /** Compressed tarball bytes read and code bytes parsed in this run. */
    tarballBytes: number;
    parsedBytes: number;
    /** Packages per capability. */
    capabilities: Record<string, number>;
  };
  /** Problems with lockfile entries. */
  diagnostics: { key: string; line?: number; message: string }[];
}
