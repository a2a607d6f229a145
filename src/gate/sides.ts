/**
 * The two lockfiles a gate compares, each given as a lockfile path, a directory, `WORKTREE` (the
 * lockfile in the working tree) or a git ref (read with `git show ref:path`, no checkout).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { DepcapsError } from '../errors.js';
import { defaultBaseRef, gitShow, gitTopLevel } from '../git.js';
import { findLockfile, parseLockfile, readLockfile } from '../lockfile/index.js';
import type { Lockfile } from '../lockfile/types.js';
import type { GateSide } from '../contract/index.js';

/** The working tree, as a side of the comparison. */
export const WORKTREE = 'WORKTREE';

/** One side, read. */
export interface LoadedSide {
  side: GateSide;
  lockfile: Lockfile;
  /** The directory file:/workspace packages are relative to (on disk). */
  root: string;
  /** Read the policy file of this side, when it is a git ref (undefined: not a git side). */
  readAtRef?: (path: string) => Promise<string | undefined>;
}

/** Where the project is: its git root (if any) and its lockfile path relative to it. */
export interface Project {
  cwd: string;
  /** Repository root, when `cwd` is inside a git work tree. */
  gitRoot?: string;
  /** The lockfile in the working tree (absolute), when there is one. */
  lockfile?: string;
}

/** Finds the project around `cwd`: its git root and its lockfile (`lockfile` overrides the search). */
export async function findProject(cwd: string, lockfile?: string): Promise<Project> {
  const gitRoot = await gitTopLevel(cwd);
  let found: string | undefined;
  if (lockfile !== undefined) found = resolve(cwd, lockfile);
  else {
    try {
      found = findLockfile(cwd);
    } catch {
      found = undefined;
    }
  }
  return { cwd, ...(gitRoot ? { gitRoot } : {}), ...(found ? { lockfile: found } : {}) };
}

/** The lockfile's path relative to the repository root, `/` separators (what `git show ref:path` takes). */
function repoPath(project: Project): string {
  if (!project.gitRoot || !project.lockfile) throw new DepcapsError('E_USAGE', 'no lockfile to read at a git ref');
  const rel = relative(project.gitRoot, project.lockfile);
  if (rel.startsWith('..')) throw new DepcapsError('E_USAGE', `${project.lockfile} is outside the git repository at ${project.gitRoot}.`);
  return rel.split(sep).join(posix.sep);
}

function emptyLockfile(path: string): Lockfile {
  return { format: 'npm', formatVersion: 'none', path, packages: [], diagnostics: [], root: {} };
}

/**
 * Reads one side. A spec that is an existing file or directory is a lockfile path; `WORKTREE` is the
 * working tree's lockfile; anything else is a git ref. A ref whose tree has no lockfile at that path
 * (the change adds the lockfile) reads as an empty lockfile.
 * @throws DepcapsError E_USAGE (unknown ref, no lockfile), E_LOCKFILE (unreadable lockfile).
 */
export async function loadSide(spec: string, project: Project): Promise<LoadedSide> {
  const asPath = resolve(project.cwd, spec);
  const onDisk = spec === WORKTREE
    ? project.lockfile ?? findLockfile(project.cwd) // no lockfile: throws the "no lockfile" error with its hint
    : existsSync(asPath)
      ? statSync(asPath).isDirectory() ? findLockfile(asPath) : asPath
      : undefined;
  if (onDisk !== undefined) {
    const lockfile = await readLockfile(onDisk);
    return { side: { ref: spec, lockfile: relativeName(project, onDisk), format: lockfile.format, packages: lockfile.packages.length }, lockfile, root: dirname(onDisk) };
  }
  if (!project.gitRoot) {
    throw new DepcapsError('E_USAGE', `"${spec}" is neither a lockfile path nor usable as a git ref: ${project.cwd} is not in a git repository.`);
  }
  const gitRoot = project.gitRoot;
  const path = repoPath(project);
  const text = await gitShow(gitRoot, spec, path);
  const root = dirname(project.lockfile!);
  const readAtRef = (file: string) => gitShow(gitRoot, spec, file);
  if (text === undefined) {
    const lockfile = emptyLockfile(join(gitRoot, path));
    return { side: { ref: spec, lockfile: path, format: 'none', packages: 0 }, lockfile, root, readAtRef };
  }
  const manifestPath = posix.join(posix.dirname(path), 'package.json');
  const manifestText = await gitShow(gitRoot, spec, manifestPath);
  let rootManifest: unknown;
  try {
    rootManifest = manifestText === undefined ? undefined : JSON.parse(manifestText);
  } catch {
    rootManifest = undefined; // dev classification falls back to what the lockfile records
  }
  const lockfile = parseLockfile(text, `${spec}:${path}`, rootManifest === undefined ? {} : { rootManifest });
  return { side: { ref: spec, lockfile: path, format: lockfile.format, packages: lockfile.packages.length }, lockfile, root, readAtRef };
}

function relativeName(project: Project, file: string): string {
  const base = project.gitRoot ?? project.cwd;
  const rel = relative(base, file);
  return rel.startsWith('..') ? file : rel.split(sep).join(posix.sep);
}

/** The base to use when none is given: the merge base with the main line (git), else an error. */
export async function defaultBase(project: Project, env: NodeJS.ProcessEnv): Promise<string> {
  if (!project.gitRoot) throw new DepcapsError('E_USAGE', `--base is required outside a git repository (${project.cwd}).`);
  return defaultBaseRef(project.gitRoot, env);
}
