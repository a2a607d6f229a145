import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ApprovalManager, ApprovalState, ScanReport, ScanStatus, ScriptsPackage, ScriptsPolicyVerdict, ScriptsReport } from '../contract/index.js';
import { matchPolicy, type Policy } from '../gate/policy.js';
import type { LockedPackage, Lockfile } from '../lockfile/types.js';
import { installCodeOf } from './install-code.js';
import { NOT_ON_DISK, scanLockfile, type LockfileScanOptions } from './lockfile-scan.js';
import type { LockedScan } from './scan-locked.js';
import { readApprovals, writeApprovals, type ApprovalDecision, type ApprovalFiles, type ApprovalWrite } from './script-approvals.js';

/** Decides whether the project's policy lets a package run install scripts, given what its install-time code can do. */
export type ScriptPolicy = (pkg: LockedPackage, code: { capabilities: readonly string[]; status: ScanStatus }) => ScriptsPolicyVerdict;

/**
 * The gate's policy file as a judge of install scripts: a package may run them when its rule allows
 * `install-script` at install and every capability its install-time code uses at install (`atInstall`,
 * else `allow`: see matchPolicy). An ignored package is not vouched for, nor is one not fully analysed
 * (what was not analysed may do anything).
 */
export function scriptPolicy(policy: Policy): ScriptPolicy {
  return (pkg, code) => {
    const rule = matchPolicy(policy, pkg.name, pkg.version);
    if (rule.ignored) return { rule: rule.rule, allowed: false, notAllowed: [], reason: 'ignored by the policy: it vouches for nothing' };
    const atInstall = new Set(rule.allowedAtInstall ?? rule.allowed);
    const notAllowed = [...new Set(['install-script', ...code.capabilities])].filter((c) => !atInstall.has(c)).sort();
    if (code.status !== 'ok') return { rule: rule.rule, allowed: false, notAllowed, reason: 'not fully analysed: the policy cannot vouch for code it has not seen' };
    return { rule: rule.rule, allowed: notAllowed.length === 0, notAllowed };
  };
}

/** Options of the install-script inventory. */
export interface ScriptsOptions extends LockfileScanOptions {
  /** Whose approvals to read; by default the lockfile's own manager (yarn: npm's `allowScripts`). */
  manager?: ApprovalManager;
  /** A package the policy allows is `allowed` even without an approval entry. */
  policy?: ScriptPolicy;
  /** The policy file behind `policy`, named in the report. */
  policyPath?: string;
}

/** The inventory, with the lockfile entries behind its packages (what `--write` needs). */
export interface ScriptsInventory {
  report: ScriptsReport;
  /** The lockfile entry of each of `report.packages`, in the same order. */
  locked: LockedPackage[];
  /** The approval files as read (the project's package.json, pnpm-workspace.yaml). */
  files: ApprovalFiles;
  /** The directory holding them (the lockfile's). */
  root: string;
}

/** The approval manager that goes with a lockfile format. */
export function managerFor(format: Lockfile['format']): ApprovalManager {
  return format === 'pnpm' ? 'pnpm' : format === 'bun' ? 'bun' : 'npm';
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Why a package is an entry of the inventory, or undefined when its install runs no code. */
function installEntry(pkg: LockedPackage, scanned: LockedScan): Omit<ScriptsPackage, 'approval' | 'approvedBy'> | undefined {
  // npm never runs the scripts of a bundled dependency, and links are the workspace owner's business.
  if (pkg.bundled || pkg.source === 'link' || pkg.source === 'workspace') return undefined;
  const base = {
    name: pkg.name,
    version: pkg.version,
    ...(pkg.alias !== undefined ? { alias: pkg.alias } : {}),
    source: pkg.source,
    dev: pkg.dev,
    optional: pkg.optional,
    key: pkg.key,
    line: pkg.line,
  };
  const report: ScanReport | undefined = scanned.report;
  if (!report) {
    if (!pkg.installScript) return undefined;
    return { ...base, scripts: {}, steps: [], runs: [], programs: [], capabilities: [], findings: [], status: 'error', error: `not analysed (${scanned.error}); the lockfile says it has install scripts` };
  }
  // `prepare` runs for packages from git, a directory or a tarball URL, never from a registry tarball.
  const code = installCodeOf(pkg, report);
  if (code === undefined) return undefined;
  return {
    ...base,
    scripts: code.commands,
    ...(code.when !== undefined ? { when: code.when } : {}),
    steps: code.steps,
    runs: code.files,
    programs: code.programs,
    capabilities: code.capabilities,
    findings: code.findings,
    status: report.status,
    ...(report.status === 'partial' ? { error: `${report.errors.length} file(s) not fully analysed: ${report.errors[0]?.message ?? ''}` } : {}),
  };
}

/**
 * The install-script inventory of a lockfile: every package whose install runs code, its scripts read
 * as commands, the files they run, what that code can do (with evidence), and whether the project's
 * approvals (or its policy) let it run. Packages are scanned as the audit scans them (and cached the same).
 * @throws DepcapsError E_LOCKFILE when the lockfile cannot be read at all.
 */
export async function scriptsInventory(lockfilePath: string, options: ScriptsOptions = {}): Promise<ScriptsInventory> {
  const errors: { package: string; message: string }[] = [];
  const { lockfile, results } = await scanLockfile(lockfilePath, options, (pkg, scanned) => {
    // A local folder that is not next to the lockfile is the checkout's business, not a failure.
    if (scanned.error !== undefined && !scanned.error.startsWith(`${NOT_ON_DISK}:`)) errors.push({ package: `${pkg.name}@${pkg.version}`, message: scanned.error });
    const entry = installEntry(pkg, scanned);
    return entry ? { pkg, entry } : undefined;
  });
  const root = dirname(lockfile.path);
  const files: ApprovalFiles = {};
  const packageJson = await readOptional(join(root, 'package.json'));
  const pnpmWorkspace = await readOptional(join(root, 'pnpm-workspace.yaml'));
  if (packageJson !== undefined) files.packageJson = packageJson;
  if (pnpmWorkspace !== undefined) files.pnpmWorkspace = pnpmWorkspace;
  const manager = options.manager ?? managerFor(lockfile.format);
  const approvals = readApprovals(manager, files);
  const packages: ScriptsPackage[] = [];
  const locked: LockedPackage[] = [];
  for (const r of results) {
    if (!r) continue;
    const v = approvals.verdict(r.pkg);
    let approval: ApprovalState = v.verdict;
    let approvedBy = v.entry;
    const policy = options.policy?.(r.pkg, r.entry);
    if (approval === 'unreviewed' && policy?.allowed) {
      approval = 'allowed';
      approvedBy = 'policy';
    }
    packages.push({ ...r.entry, approval, ...(approvedBy !== undefined ? { approvedBy } : {}), ...(policy !== undefined ? { policy } : {}) });
    locked.push(r.pkg);
  }
  const count = (state: ApprovalState) => packages.filter((p) => p.approval === state).length;
  const report: ScriptsReport = {
    schemaVersion: 1,
    lockfile: { path: lockfile.path, format: lockfile.format, formatVersion: lockfile.formatVersion },
    approvals: { manager, sources: approvals.sources, ...(options.policyPath !== undefined ? { policy: options.policyPath } : {}) },
    packages,
    summary: {
      scanned: results.length,
      packages: packages.length,
      approved: count('approved'),
      allowed: count('allowed'),
      denied: count('denied'),
      unreviewed: count('unreviewed'),
      errors: errors.length,
    },
    errors: errors.sort((a, b) => (a.package < b.package ? -1 : a.package > b.package ? 1 : 0)),
    diagnostics: [...lockfile.diagnostics, ...approvals.problems.map((message) => ({ key: approvals.sources[0] ?? manager, message }))],
  };
  return { report, locked, files, root };
}

/**
 * The approval file `manager` keeps, rewritten for exactly the packages allowed to run install
 * scripts: approved there already, allowed by the policy, or (with `all`) every package of the
 * inventory that is not denied — what `npm approve-scripts --all` does after a review.
 * @throws Error when the file that must hold the approvals is not a JSON object or does not parse.
 */
export function approvalWrite(inventory: ScriptsInventory, manager: 'npm' | 'pnpm', options: { all?: boolean } = {}): ApprovalWrite {
  const decisions: ApprovalDecision[] = inventory.report.packages.map((p, i) => ({
    pkg: inventory.locked[i]!,
    allowed: p.approval === 'approved' || p.approval === 'allowed' || (options.all === true && p.approval !== 'denied'),
  }));
  return writeApprovals(manager, inventory.files, decisions);
}
