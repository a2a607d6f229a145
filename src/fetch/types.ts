import type { Anomaly, FileError } from '../contract/index.js';

/** One regular file of a package, held in memory. */
export interface PackageFile {
  /** Normalised path relative to the package root, `/` separators, never escaping it. */
  path: string;
  data: Buffer;
}

/** Where the bytes of a package came from. */
export type PackageSource = 'registry' | 'tarball' | 'directory' | 'file';

/** A package read into memory, ready for analysis. Nothing of it was written to disk. */
export interface FetchedPackage {
  source: PackageSource;
  /** What the user asked for (spec, path). */
  spec: string;
  /** From the manifest (or the spec / file name when there is none). */
  name: string;
  version: string;
  /** SRI of the tarball (registry and tarball sources). */
  integrity?: string;
  /** Tarball URL with credentials and query stripped. */
  resolved?: string;
  files: PackageFile[];
  /** Files not read into memory (too large, unreadable) with the reason. */
  errors: FileError[];
  anomalies: Anomaly[];
  /** Unpacked bytes of all entries. */
  bytes: number;
  /** Bytes of the (compressed) tarball read, for registry and tarball sources. */
  tarballBytes?: number;
  /** The package's own package.json (from its files), when it parsed to a JSON object. */
  manifest?: Record<string, unknown>;
}
