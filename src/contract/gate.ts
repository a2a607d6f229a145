/** JSON shapes of `depcaps gate` (CONTRACT.md, schemaVersion 1). */
import type { PlatformFamily } from './audit.js';
import type { DiffFinding, DiffReport } from './diff.js';
import type { LockedSource, ScanStatus } from './scan.js';

/** How a package changed between the base and the head lockfile. */
export type ChangeKind = 'added' | 'removed' | 'upgraded' | 'downgraded' | 'changed';

/** One piece of evidence for a capability: where the code uses it. */
export type GateEvidence = Pick<DiffFinding, 'capability' | 'api' | 'file' | 'line' | 'column' | 'excerpt'>;

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
  allowed: string[];
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
  message: string;
  key: string;
  line: number;
  rule: string;
  /** Shortest dependency path from the project to the package in the head lockfile, the package included. */
  via: string[];
}

/**
 * A gained capability that is shown but does not fail the gate: without a policy file (and without
 * `--strict`), gaining a capability below high severity (`env`, `filesystem`, `dynamic-require`).
 */
export interface GateNotice {
  /** `name@version` (head). */
  package: string;
  name: string;
  version: string;
  kind: 'gained';
  capability: string;
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
  /** Gained capabilities shown but not failing (`policy.builtIn` only); empty with a policy file. */
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
   * makes every gain count.
   */
  suggestedPolicy: Record<string, { allow: string[] }>;
  /** Problems reading the lockfiles (per entry, never fatal). */
  diagnostics: { lockfile: string; key: string; line?: number; message: string }[];
}
