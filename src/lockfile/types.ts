import type { LockedSource } from '../contract/index.js';

export type { LockedSource };

/** One package a lockfile installs, at its exact locked version. */
export interface LockedPackage {
  /** The real package name (for `npm:` aliases, the aliased package). */
  name: string;
  /** Exact version (registry), or what the lockfile records for other sources. */
  version: string;
  /** The name it is installed under when it differs from `name` (`"my-alias": "npm:real@1.0.0"`). */
  alias?: string;
  source: LockedSource;
  /** Tarball URL or git/remote URL as locked (registry sources: may be absent). */
  resolved?: string;
  /** SRI from the lockfile, verified against the fetched tarball. */
  integrity?: string;
  /** Dev-only (not installed with `--omit dev`). */
  dev: boolean;
  /** Optional dependency (its install may fail without failing the install). */
  optional: boolean;
  /** For file/link/workspace sources: the path relative to the lockfile's directory. */
  path?: string;
  /** Shipped inside its parent's tarball (npm `inBundle`): not fetched on its own. */
  bundled?: boolean;
  /** The lockfile records that it has install scripts (npm's `hasInstallScript`); other formats do not say. */
  installScript?: boolean;
  /**
   * What the entry's own lockfile record says it depends on (dependencies and optionalDependencies,
   * never dev or unresolved peers): the name it is required under → the spec as recorded (a range
   * for npm, yarn and bun, the exact locked version for pnpm; aliases as `npm:real@spec`).
   * Absent when it depends on nothing. See `buildGraph` for how a spec is resolved.
   */
  dependencies?: Record<string, string>;
  /**
   * The names among `dependencies` that the record lists as optional (`optionalDependencies`,
   * berry's `dependenciesMeta.<name>.optional`): a parent's platform variants are among them.
   */
  optionalDependencies?: string[];
  /** The platforms it installs on, when its lockfile entry records them (npm, pnpm, bun, yarn berry). */
  platform?: LockedPlatform;
  /** The lockfile's own key for this entry (`node_modules/a/node_modules/b`, `a@^1.0.0`, `/a@1.0.0`). */
  key: string;
  /** 1-based line of the entry in the lockfile (for SARIF / GitHub annotations). */
  line: number;
}

/**
 * The `os`, `cpu` and `libc` a package declares (as in its package.json, `!x` excluding x): a
 * package that declares any is a platform variant (`@esbuild/linux-x64`).
 */
export interface LockedPlatform {
  os?: string[];
  cpu?: string[];
  libc?: string[];
}

/** A problem with one lockfile entry: reported, never fatal for the others. */
export interface LockfileDiagnostic {
  key: string;
  line?: number;
  message: string;
}

/** A parsed lockfile. */
export interface Lockfile {
  /** `npm`, `yarn-classic`, `yarn-berry`, `pnpm`, `bun`. */
  format: 'npm' | 'yarn-classic' | 'yarn-berry' | 'pnpm' | 'bun';
  /** The format's own version (lockfileVersion, __metadata.version, …) as a string. */
  formatVersion: string;
  /** Absolute path of the lockfile. */
  path: string;
  /** Every installed package, deduplicated by (name, version, source, resolved), sorted by name then version. */
  packages: LockedPackage[];
  /**
   * The project's own direct dependencies (dependencies, devDependencies, optionalDependencies),
   * name → spec as in {@link LockedPackage.dependencies}: from the lockfile's root record where the
   * format has one, else from the package.json next to it (empty when there is neither).
   */
  root: Record<string, string>;
  diagnostics: LockfileDiagnostic[];
}
