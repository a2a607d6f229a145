/** The `scripts` JSON object (docs/CONTRACT.md): the install-script inventory of a lockfile. */
import type { Finding, InstallStep, LockedEntry, ScanStatus } from './scan.js';

/** Where install-script approvals are kept: npm's `allowScripts`, pnpm's `onlyBuiltDependencies`/`allowBuilds`, bun's `trustedDependencies`. */
export type ApprovalManager = 'npm' | 'pnpm' | 'bun';

/**
 * A package's standing: `approved` (an approval entry matches it), `allowed` (the policy allows it),
 * `denied` (an entry refuses it: its scripts are blocked), `unreviewed` (nothing says: `--check` fails).
 */
export type ApprovalState = 'approved' | 'allowed' | 'denied' | 'unreviewed';

/**
 * What the policy file says about a package's install-time code: it may run install scripts when its rule
 * allows `install-script` at install and every capability of that code at install (`atInstall`, else `allow`).
 */
export interface ScriptsPolicyVerdict {
  /** The policy key that decided (`esbuild`, `@esbuild/*`, `default`). */
  rule: string;
  allowed: boolean;
  /** Capabilities of its install-time code (`install-script` for the scripts themselves) the rule does not allow at install. */
  notAllowed: string[];
  /** Why it is not allowed when that is not `notAllowed`: ignored by the policy, or not fully analysed. */
  reason?: string;
}

/** One package of the lockfile whose install runs code. */
export interface ScriptsPackage extends LockedEntry {
  /** Install-time lifecycle scripts by event (`postinstall: "node install.js"`); `install: "node-gyp rebuild"` when implied. */
  scripts: Record<string, string>;
  /** `git`: only `prepare`, which runs because the package comes from git (or a directory), not a registry. */
  when?: 'git';
  /** What each script runs, command by command (with the event it belongs to). */
  steps: (InstallStep & { event: string })[];
  /** Package files the scripts execute, directly or through what those load. */
  runs: string[];
  /** External programs the scripts start (`node-gyp`, `prebuild-install`, `curl`). */
  programs: string[];
  /** Capabilities of the code that runs at install, sorted. */
  capabilities: string[];
  /** Every finding with `runs: "install"`. */
  findings: Finding[];
  approval: ApprovalState;
  /** The entry that decided `approved`/`denied` (`"esbuild@0.25.0"`, `allowScripts`), or `policy`. */
  approvedBy?: string;
  /** With a policy file: what it says about this package's install-time code (whatever the approvals say). */
  policy?: ScriptsPolicyVerdict;
  status: ScanStatus;
  /** Why the package was not (fully) analysed; for a package not analysed at all, the lockfile's word that it has install scripts. */
  error?: string;
}

/** The `scripts` JSON object. */
export interface ScriptsReport {
  schemaVersion: 1;
  lockfile: { path: string; format: string; formatVersion: string };
  /** Where approvals were read: the manager, the files and fields consulted, and the policy file when one was read. */
  approvals: { manager: ApprovalManager; sources: string[]; policy?: string };
  packages: ScriptsPackage[];
  summary: {
    /** Packages of the lockfile looked at. */
    scanned: number;
    /** Packages whose install runs code (the entries of `packages`). */
    packages: number;
    approved: number;
    allowed: number;
    denied: number;
    unreviewed: number;
    /** Packages that could not be analysed (their install-time code may be missing from this report). */
    errors: number;
  };
  /** Packages of the lockfile that could not be analysed: their install-time code may be missing here. */
  errors: { package: string; message: string }[];
  /** Problems reading the lockfile or the approval files (per entry, never fatal). */
  diagnostics: { key: string; line?: number; message: string }[];
}
