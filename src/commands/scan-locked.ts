import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { isDepcapsError } from '../errors.js';
import type { LockedPackage } from '../lockfile/types.js';
import type { ScanReport } from '../contract/index.js';
import { scanPackage, type ScanOptions } from './scan.js';

/** A locked package scanned, or why it could not be. */
export type LockedScan = { report: ScanReport; error?: undefined } | { report?: undefined; error: string };

/**
 * Scans one lockfile entry: a registry package at its exact version, verified against the lockfile's
 * integrity; a file/link/workspace package from disk (relative to `root`, the lockfile's directory);
 * git and remote sources are not analysed. Never throws: a failure is `{ error }` naming its code.
 */
export async function scanLocked(pkg: LockedPackage, root: string, options: ScanOptions): Promise<LockedScan> {
  try {
    if (pkg.source === 'registry') {
      return { report: await scanPackage(`${pkg.name}@${pkg.version}`, { ...options, ...(pkg.integrity ? { integrity: pkg.integrity } : {}) }) };
    }
    if ((pkg.source === 'file' || pkg.source === 'link' || pkg.source === 'workspace') && pkg.path !== undefined) {
      const path = resolve(root, pkg.path);
      if (!existsSync(path)) return { error: `unsupported-source: ${pkg.source} package not found on disk at ${pkg.path}` };
      return { report: await scanPackage(path, options) };
    }
    return { error: `unsupported-source: ${pkg.source} dependency${pkg.resolved ? ` (${pkg.resolved})` : ''} is not analysed` };
  } catch (err) {
    return { error: isDepcapsError(err) ? `${err.code}: ${err.message}` : `internal error: ${(err as Error).message}` };
  }
}
