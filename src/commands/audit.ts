import { platformFamilies, type LockedFamily } from '../lockfile/families.js';
import type { LockedPackage } from '../lockfile/types.js';
import type { AuditInstall, AuditPackage, AuditReport, Runs, ScanReport } from '../contract/index.js';
import { findingsFor, runsRank } from '../diff/runs.js';
import { installCodeOf } from './install-code.js';
import { failureExitCode, NOT_ON_DISK, scanLockfile, type LockfileScanOptions, type LockfileScanProgress } from './lockfile-scan.js';

/** Progress of an audit, for a progress bar. */
export type AuditProgress = LockfileScanProgress;

/** Options of an audit. */
export type AuditOptions = LockfileScanOptions;

/** The install-time code of a package for the audit: its scripts, what the code can do, one finding per capability. */
function installOf(pkg: LockedPackage, report: ScanReport): AuditInstall | undefined {
  const code = installCodeOf(pkg, report);
  if (code === undefined) return undefined;
  const evidence: AuditInstall['evidence'] = [];
  for (const capability of code.capabilities) {
    const mine = code.findings.filter((f) => f.capability === capability);
    // The most telling finding: a call or member (`https.get`) over a bare import (`https`).
    const f = mine.find((x) => x.api.includes('.')) ?? mine[0]!;
    evidence.push({ capability, api: f.api, file: f.file, line: f.line, excerpt: f.excerpt });
  }
  return {
    scripts: code.commands,
    ...(code.when !== undefined ? { when: code.when } : {}),
    files: code.files,
    programs: code.programs,
    capabilities: code.capabilities,
    evidence,
  };
}

function summarise(pkg: LockedPackage, report: ScanReport, family: LockedFamily | undefined): AuditPackage {
  const counts: Record<string, number> = {};
  const runs: Record<Runs, number> = { install: 0, import: 0, call: 0, unreached: 0 };
  const evidence: AuditPackage['evidence'] = [];
  const install = installOf(pkg, report);
  // Evidence shows what runs earliest first: install-time code before the rest.
  const findings = findingsFor(report, pkg.source).sort((a, b) => runsRank(a.runs) - runsRank(b.runs));
  for (const f of findings) {
    counts[f.capability] = (counts[f.capability] ?? 0) + 1;
    runs[f.runs ?? 'call']++;
    if (counts[f.capability]! <= 3) evidence.push({ capability: f.capability, api: f.api, file: f.file, line: f.line, excerpt: f.excerpt });
  }
  return {
    ...base(pkg, family),
    status: report.status,
    capabilities: report.capabilities,
    counts,
    runsAtInstall: install !== undefined,
    runs,
    ...(install ? { install } : {}),
    evidence,
    ...(report.status === 'partial' ? { error: `${report.errors.length} file(s) not fully analysed: ${report.errors[0]?.message ?? ''}` } : {}),
    cached: report.stats.cached,
    tarballBytes: report.stats.tarballBytes ?? 0,
    parsedBytes: report.stats.parsedBytes ?? 0,
  };
}

function base(pkg: LockedPackage, family: LockedFamily | undefined): Pick<AuditPackage, 'name' | 'version' | 'alias' | 'source' | 'dev' | 'optional' | 'key' | 'line' | 'family'> {
  return {
    name: pkg.name, version: pkg.version, ...(pkg.alias ? { alias: pkg.alias } : {}), source: pkg.source, dev: pkg.dev, optional: pkg.optional, key: pkg.key, line: pkg.line,
    ...(family ? { family: { parent: family.parent, ...(family.glob !== undefined ? { glob: family.glob } : {}) } } : {}),
  };
}

/** The audited local packages whose folders were not on disk (reported together, in one line). */
export function missingFolders(report: AuditReport): AuditPackage[] {
  return report.packages.filter((p) => p.status === 'error' && p.error?.startsWith(`${NOT_ON_DISK}:`));
}

/**
 * The exit code the packages that were not analysed call for (CONTRACT.md): 3 when one failed for
 * a network or internal reason (a retry may help); 2 for a problem with the input (a version the
 * registry does not have, an integrity mismatch, a tarball over a limit, a source depcaps does not
 * analyse); 0 when only local folders are missing (see {@link missingFolders}) or nothing failed.
 */
export function incompleteExitCode(report: AuditReport): 0 | 2 | 3 {
  return failureExitCode(report.packages.filter((p) => p.status === 'error').map((p) => p.error ?? ''));
}

function failed(pkg: LockedPackage, error: string, family: LockedFamily | undefined): AuditPackage {
  return { ...base(pkg, family), status: 'error', capabilities: [], counts: {}, evidence: [], error, cached: false, tarballBytes: 0, parsedBytes: 0 };
}

/**
 * Audits every package a lockfile installs: registry packages at their exact locked version, verified
 * against the lockfile's integrity; file/link/workspace packages from disk; git dependencies at their
 * commit and tarball URLs (see scanLocked). One package failing never aborts the audit.
 * @throws DepcapsError E_LOCKFILE when the lockfile cannot be read at all.
 */
export async function auditLockfile(lockfilePath: string, options: AuditOptions = {}): Promise<AuditReport> {
  let families: Map<LockedPackage, LockedFamily> | undefined;
  const { lockfile, results: packages, cached, shared } = await scanLockfile(lockfilePath, options, (pkg, scanned, read) => {
    families ??= platformFamilies(read);
    const family = families.get(pkg);
    return scanned.report ? summarise(pkg, scanned.report, family) : failed(pkg, scanned.error, family);
  });
  const capabilities: Record<string, number> = {};
  for (const p of packages) for (const c of p.capabilities) capabilities[c] = (capabilities[c] ?? 0) + 1;
  const installCapabilities: Record<string, number> = {};
  for (const p of packages) for (const c of p.install?.capabilities ?? []) installCapabilities[c] = (installCapabilities[c] ?? 0) + 1;
  return {
    schemaVersion: 1,
    lockfile: { path: lockfile.path, format: lockfile.format, formatVersion: lockfile.formatVersion },
    packages,
    summary: {
      packages: packages.length,
      analyzed: packages.filter((p) => p.status === 'ok').length,
      partial: packages.filter((p) => p.status === 'partial').length,
      errors: packages.filter((p) => p.status === 'error').length,
      cached,
      tarballBytes: packages.reduce((n, p) => n + p.tarballBytes, 0),
      parsedBytes: packages.reduce((n, p) => n + p.parsedBytes, 0),
      capabilities: Object.fromEntries(Object.entries(capabilities).sort()),
      runsAtInstall: packages.filter((p) => p.install !== undefined).length,
      installCapabilities: Object.fromEntries(Object.entries(installCapabilities).sort()),
      ...(shared
        ? {
            sharedCache: {
              store: shared.store,
              readonly: shared.readonly,
              hits: shared.hits,
              published: shared.published,
              inserted: shared.inserted,
              roundTrips: shared.roundTrips,
              ms: shared.ms,
              ...(shared.failed ? { failed: shared.failed } : {}),
            },
          }
        : {}),
    },
    diagnostics: lockfile.diagnostics,
  };
}
