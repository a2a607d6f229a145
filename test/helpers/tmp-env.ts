/**
 * A throw-away environment per test: every directory a tool might write to (HOME, XDG cache,
 * npm cache, depcaps cache, TMPDIR) lives under one fresh mkdtemp root, so a test can prove
 * that nothing was written anywhere else and clean up with one `rm -rf`.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary root with the environment variables that point into it. */
export interface TmpEnv {
  /** The mkdtemp root; everything below is ours. */
  root: string;
  /** Home directory (empty: no `.npmrc` unless a test writes one). */
  home: string;
  /** depcaps cache dir (also `DEPCAPS_CACHE_DIR`). */
  cacheDir: string;
  /** A project directory to use as cwd (its `.npmrc` is the project config). */
  project: string;
  /**
   * A minimal environment: PATH plus HOME, USERPROFILE, XDG_CACHE_HOME, npm_config_cache,
   * DEPCAPS_CACHE_DIR and TMPDIR inside the root. Nothing else from the real environment leaks in
   * (no real `npm_config_*`, no tokens).
   */
  env: NodeJS.ProcessEnv;
  /** Removes the root. Safe to call twice. */
  cleanup(): void;
}

/** Creates a fresh {@link TmpEnv}; `extraEnv` is merged into `env`. */
export function makeTmpEnv(extraEnv: NodeJS.ProcessEnv = {}): TmpEnv {
  const root = mkdtempSync(join(tmpdir(), 'depcaps-test-'));
  const home = join(root, 'home');
  const xdg = join(root, 'xdg-cache');
  const npmCache = join(root, 'npm-cache');
  const cacheDir = join(root, 'depcaps-cache');
  const project = join(root, 'project');
  const tmp = join(root, 'tmp');
  for (const dir of [home, xdg, npmCache, cacheDir, project, tmp]) mkdirSync(dir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    USERPROFILE: home,
    XDG_CACHE_HOME: xdg,
    npm_config_cache: npmCache,
    DEPCAPS_CACHE_DIR: cacheDir,
    TMPDIR: tmp,
    ...extraEnv,
  };
  return {
    root,
    home,
    cacheDir,
    project,
    env,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Every path below `dir` (relative, sorted), to compare a directory before and after a run. */
export function listTree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).map(String).sort();
}

/** Top-level names in `dir` (sorted); missing or unreadable directories list as empty. */
export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}
