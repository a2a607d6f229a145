import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { isDepcapsError } from '../errors.js';
import { lockedGitSource, redactGitUrl } from '../fetch/git-spec.js';
import type { LockedPackage } from '../lockfile/types.js';
import type { ScanReport } from '../contract/index.js';
import { scanPackage, scanUrl, type ScanOptions } from './scan.js';

/** A locked package scanned, or why it could not be. */
export type LockedScan = { report: ScanReport; error?: undefined } | { report?: undefined; error: string };

/**
 * Scans one lockfile entry: a registry package at its exact version, verified against the lockfile's
 * integrity; a file/link/workspace package from disk (relative to `root`, the lockfile's directory);
 * a git dependency at its locked commit and a tarball URL (verified against the lockfile's integrity),
 * fetched as npm installs them, without running any script. Never throws: a failure is `{ error }`
 * naming its code; a git or remote dependency that cannot be fetched (no `git`, host unreachable) is
 * listed as not analysed, with the reason.
 */
export async function scanLocked(pkg: LockedPackage, root: string, options: ScanOptions): Promise<LockedScan> {
  try {
    if (pkg.source === 'registry') {
      return { report: await scanPackage(`${pkg.name}@${pkg.version}`, { ...options, registryTarget: true, ...(pkg.integrity ? { integrity: pkg.integrity } : {}) }) };
    }
    if ((pkg.source === 'file' || pkg.source === 'link' || pkg.source === 'workspace') && pkg.path !== undefined) {
      const path = resolve(root, pkg.path);
      if (!existsSync(path)) return { error: `unsupported-source: ${pkg.source} package not found on disk at ${pkg.path}` };
      return { report: await scanPackage(path, options) };
    }
    if ((pkg.source === 'git' || pkg.source === 'remote') && pkg.resolved !== undefined) {
      try {
        const target = pkg.source === 'git' ? lockedGitSource(pkg.resolved) : { kind: 'remote' as const, url: pkg.resolved };
        const locked = { ...options, ...(pkg.integrity ? { integrity: pkg.integrity } : {}) };
        return { report: target.kind === 'git' ? await scanUrl('git', target.spec, locked) : await scanUrl('remote', target.url, locked) };
      } catch (err) {
        const why = isDepcapsError(err) ? `${err.code}: ${err.message}` : `internal error: ${(err as Error).message}`;
        return { error: `${notAnalysed(pkg)}: ${why}` };
      }
    }
    return { error: notAnalysed(pkg) };
  } catch (err) {
    return { error: isDepcapsError(err) ? `${err.code}: ${err.message}` : `internal error: ${(err as Error).message}` };
  }
}

function notAnalysed(pkg: LockedPackage): string {
  return `unsupported-source: ${pkg.source} dependency${pkg.resolved ? ` (${redactGitUrl(pkg.resolved)})` : ''} is not analysed`;
}
