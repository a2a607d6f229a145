/** The `audit` JSON object (docs/CONTRACT.md). */
import type { LockedEntry, Runs, ScanStatus } from './scan.js';

/**
 * Platform variants of one parent package (`@esbuild/linux-x64` of `esbuild`): grouped in reports and
 * covered by one policy glob. Known from the lockfile: the parent's optional dependencies that record
 * `os`/`cpu`/`libc`.
 */
export interface PlatformFamily {
  /** The parent's name (`esbuild`). */
  parent: string;
  /** A policy glob matching every member and no other package of the lockfile (`@esbuild/*`); absent when none does. */
  glob?: string;
}

/** The install-time code of an audited package. */
export interface AuditInstall {
  /** `{ "postinstall": "node install.js" }`; `install: "node-gyp rebuild"` when implied by a binding.gyp. */
  scripts: Record<string, string>;
  /** `git`: only `prepare`, which runs because the package comes from git (or a directory), not a registry. */
  when?: 'git';
  /** Package files the scripts execute, directly or through what those load. */
  files: string[];
  /** External programs the scripts start (`node-gyp`, `prebuild-install`). */
  programs: string[];
  /** Capabilities of the code that runs at install, sorted. */
  capabilities: string[];
  /** One finding per capability of `capabilities`, with `runs: "install"`. */
  evidence: { capability: string; api: string; file: string; line: number; excerpt: string }[];
}

/** One audited package. */
export interface AuditPackage extends LockedEntry {
  /** The platform family it belongs to, if any. */
  family?: PlatformFamily;
  status: ScanStatus;
  capabilities: string[];
  /** Findings per capability. */
  counts: Record<string, number>;
  /**
   * Code runs when the package is installed from its source (it has `install`): the scan report's
   * `runsAtInstall`, and `prepare` for git and directory sources; absent when not analysed.
   */
  runsAtInstall?: boolean;
  /** Findings by when they run (`install`, `import`, `call`, `unreached`); absent when not analysed. */
  runs?: Record<Runs, number>;
  /**
   * What runs when it is installed, when anything does: the install scripts that run for its source (event →
   * command; `prepare` only for git, directory and tarball-URL sources), what that code can do, and one
   * finding per capability as evidence (install-time findings first).
   */
  install?: AuditInstall;
  /** Up to 3 findings per capability, as evidence in reports. */
  evidence: { capability: string; api: string; file: string; line: number; excerpt: string }[];
  /** Why the package was not (fully) analysed. */
  error?: string;
  cached: boolean;
  /** Compressed tarball bytes read and code bytes parsed for it in this run (0 when cached). */
  tarballBytes: number;
  parsedBytes: number;
}

/** What the shared store (`--cache-url`) did in one run. */
export interface SharedCacheSummary {
  /** `postgres://host:port/database`: never credentials. */
  store: string;
  readonly: boolean;
  /** Package results copied from the store into the local cache. */
  hits: number;
  /** Results this run sent to the store, and how many of them it did not have yet. */
  published: number;
  inserted: number;
  /** Statements sent to the server (each one round trip), and the time spent waiting for them, ms. */
  roundTrips: number;
  ms: number;
  /** Why the store was not used (it was down, slow, refused the login, …): the run used the local cache. */
  failed?: string;
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
    /** Packages whose install runs code (those with `install`). */
    runsAtInstall: number;
    /** Packages per capability of install-time code. */
    installCapabilities: Record<string, number>;
    /** With a shared store (`--cache-url`): what it gave and took in this run. */
    sharedCache?: SharedCacheSummary;
  };
  /** Problems with lockfile entries. */
  diagnostics: { key: string; line?: number; message: string }[];
}
