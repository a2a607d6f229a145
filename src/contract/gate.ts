/** JSON shapes of `depcaps gate` (CONTRACT.md, schemaVersion 1). */
import type { PlatformFamily } from './audit.js';
import type { DiffFinding, DiffReport } from './diff.js';
import type { LockedSource, Runs, ScanStatus } from './scan.js';

/** How a package changed between the base and the head lockfile. */
export type ChangeKind = 'added' | 'removed' | 'upgraded' | 'downgraded' | 'changed';

/** One piece of evidence for a capability: where the code uses it, and when that code runs. */
export type GateEvidence = Pick<DiffFinding, 'capability' | 'api' | 'file' | 'line' | 'column' | 'excerpt' | 'runs'>;

/** A capability a changed package brings in through its dependencies in the head lockfile. */
export interface GateTransitive {
  capability: string;
  /** From the changed package (exclusive) to the package that holds it: `['dep@1.0.3', 'leaf@2.0.0']`. */
  via: string[];
}

/** The policy entry that decided a package. */
export interface GateRule {
  /** The policy key that matched (`axios`, `axios@^1`, `@types/*`), or `default`. */
  rule: string;
  /** Capabilities the package may hold (default's and the entry's `allow`). */
  allowed: string[];
  /**
   * Capabilities its install-time code may use, when the policy says so apart (`atInstall`); absent: the
   * same as `allowed`, as in policies without `atInstall`.
   */
  allowedAtInstall?: string[];
  reason?: string;
  /** The package is on the policy's ignore list: reported, never a violation. */
  ignored?: boolean;
}

/** One package that differs between the two lockfiles. */
export interface GatePackage {
  name: string;
  /** Installed under another name (`npm:` alias). */
  alias?: string;
  change: ChangeKind;
  /** Version in the base lockfile (absent for added). */
  from?: string;
  /** Version in the head lockfile (absent for removed). */
  to?: string;
  /** The version in the head (in the base for removed packages). */
  version: string;
  source: LockedSource;
  dev: boolean;
  optional: boolean;
  /** Entry in the head lockfile (base for removed): SARIF and annotations point there. */
  key: string;
  line: number;
  /** The platform family it belongs to in the head lockfile (base for removed), if any. */
  family?: PlatformFamily;
  /** Analysis status: the worse of the two sides for upgrades; of the base for removed (never a violation). */
  status: ScanStatus;
  /** Own capabilities in the head (base for removed). */
  capabilities: string[];
  /** Own capabilities in the base (upgraded, downgraded, changed). */
  previous?: string[];
  /** Own capabilities gained: all of them for added, new ones for upgrades. */
  gained: string[];
  /**
   * Capabilities its install-time code uses now and did not before: gained ones whose new code runs at
   * install, and ones it held before only at run time. All install-time capabilities for added packages.
   */
  gainedAtInstall?: string[];
  /**
   * For each capability in `gained` or `gainedAtInstall`: when the code that brings it runs (its new
   * findings), earliest first. `["unreached"]` alone: only files no entry point, bin or script reaches.
   */
  gainedRuns?: Record<string, Runs[]>;
  /** For each own capability (head; base for removed): when its code runs, earliest first. */
  runs?: Record<string, Runs[]>;
  /** Its install runs code (head; base for removed): lifecycle scripts that run for its source. Absent when not analysed. */
  runsAtInstall?: boolean;
  /** The base's `runsAtInstall` (upgraded, downgraded, changed): `false` with `runsAtInstall: true` is a package that starts running code at install. */
  previousRunsAtInstall?: boolean;
  /** The install scripts that run, by event (`{ "postinstall": "node install.js" }`), when `runsAtInstall`. */
  installScripts?: Record<string, string>;
  /** Own capabilities lost. */
  lost: string[];
  /** Capabilities newly reachable through its dependencies (upgrades) or reachable at all (added). */
  transitive: GateTransitive[];
  /** Shortest dependency path from the project to it in the head lockfile (base for removed), itself included. */
  via: string[];
  /** For upgraded/downgraded/changed packages: the diff between the locked versions, trees from the lockfiles. */
  diff?: DiffReport;
  /** Evidence for each gained capability (at most 3 each): new findings for upgrades, findings for added. */
  evidence: GateEvidence[];
  policy: GateRule;
  /** Why it could not be (fully) analysed. */
  error?: string;
}

/** Why the gate fails. */
export interface GateViolation {
  /** `name@version` (head). */
  package: string;
  name: string;
  version: string;
  /** `gained`: a newly gained capability not allowed; `unallowed` (--strict): held but not allowed; `incomplete`: not fully analysed. */
  kind: 'gained' | 'unallowed' | 'incomplete';
  /** The capability (absent for incomplete). */
  capability?: string;
  /**
   * When the code that breaks the rule runs: `install` when install-time code uses a capability the policy
   * does not allow at install; else the earliest time run-time code uses it (`unreached` only with `--strict`).
   * Absent for incomplete.
   */
  runs?: Runs;
  message: string;
  key: string;
  line: number;
  rule: string;
  /** Shortest dependency path from the project to the package in the head lockfile, the package included. */
  via: string[];
}

/**
 * A gained capability that is shown but does not fail the gate (never with `--strict`): gained only in
 * files that nothing reaches (`why: "unreached"`: tests, examples, build tools shipped in the tarball), or,
 * without a policy file, a capability below high severity (`why: "severity"`: `env`, `filesystem`,
 * `dynamic-require`).
 */
export interface GateNotice {
  /** `name@version` (head). */
  package: string;
  name: string;
  version: string;
  kind: 'gained';
  capability: string;
  /** When the code that brings it runs (the earliest time). */
  runs?: Runs;
  /** Why it does not fail: `unreached` (only unreached files use it) or `severity` (no policy file, below high). */
  why?: 'unreached' | 'severity';
  message: string;
  key: string;
  line: number;
  rule: string;
  via: string[];
}

/** One side of the comparison. */
export interface GateSide {
  /** What the user gave: a git ref, `WORKTREE`, or a lockfile path. */
  ref: string;
  /** The lockfile's path (relative to the repository root for git refs). */
  lockfile: string;
  format: string;
  packages: number;
}

/** The `gate` JSON object. */
export interface GateReport {
  schemaVersion: 1;
  verdict: 'pass' | 'fail';
  base: GateSide;
  head: GateSide;
  /**
   * The policy used; `changed`: the policy file differs between base and head (a change can loosen its own
   * policy). `builtIn`: there is no policy file (and no `--strict`): gaining a capability in `fails` (high
   * and critical severity) is a violation, gaining one in `notices` is a notice.
   */
  policy: { path?: string; strict: boolean; allowIncomplete: boolean; changed?: boolean; builtIn?: { fails: string[]; notices: string[] } };
  packages: GatePackage[];
  violations: GateViolation[];
  /** Gained capabilities shown but not failing: only in unreached files, or below high severity without a policy file. */
  notices: GateNotice[];
  summary: {
    added: number;
    removed: number;
    upgraded: number;
    downgraded: number;
    changed: number;
    violations: number;
    notices: number;
    incomplete: number;
  };
  /**
   * Policy entries that would accept this change as it is (merge them into the policy's `packages`); one
   * glob entry per platform family. Without a policy file they cover the notices too, as a policy file
   * makes every gain count. `atInstall` when the policy judges install-time code apart and some of it fails.
   */
  suggestedPolicy: Record<string, { allow: string[]; atInstall?: string[] }>;
  /** Problems reading the lockfiles (per entry, never fatal). */
  diagnostics: { lockfile: string; key: string; line?: number; message: string }[];
}
