import type { SourceFile } from '../analyze/intake.js';
import type { Anomaly, FileError } from '../contract/index.js';

/**
 * One regular file of a package: its bytes when the engine parses it (code within the parse limit,
 * the manifest), else its summary (size, sha256, first bytes, magic kind, and for code over the
 * limit the lexical scan made as it streamed). Paths are normalised, relative to the package root,
 * `/`-separated, never escaping it.
 */
export type PackageFile = SourceFile;

/** Where the bytes of a package came from. */
export type PackageSource = 'registry' | 'tarball' | 'directory' | 'file' | 'git' | 'remote';

/** A package read as it streamed, ready for analysis. Nothing of it was written to disk. */
export interface FetchedPackage {
  source: PackageSource;
  /** What the user asked for (spec, path). */
  spec: string;
  /** From the manifest (or the spec / file name when there is none). */
  name: string;
  version: string;
  /** SRI of the tarball (registry, remote and tarball sources; for git, of the tarball npm would pack). */
  integrity?: string;
  /** Tarball URL with credentials and query stripped. */
  resolved?: string;
  files: PackageFile[];
  /** Files that could not be read (an unreadable file, a manifest over the limit) with the reason. */
  errors: FileError[];
  anomalies: Anomaly[];
  /** Unpacked bytes of all entries. */
  bytes: number;
  /** Bytes of the (compressed) tarball read, for registry and tarball sources. */
  tarballBytes?: number;
  /** The package's own package.json (from its files), when it parsed to a JSON object. */
  manifest?: Record<string, unknown>;
}
