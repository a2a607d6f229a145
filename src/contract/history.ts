/** The `history` JSON object (docs/CONTRACT.md). */
import type { ScanStatus } from './scan.js';

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
