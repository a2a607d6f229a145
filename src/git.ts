/**
 * The few git operations the gate needs, through the `git` binary: read a file at a ref (`git show`,
 * no checkout, the working tree is never touched), the repository root, and a merge base.
 */
import { execFile } from 'node:child_process';
import { DepcapsError } from './errors.js';
import { MAX_LOCKFILE_BYTES } from './lockfile/index.js';

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

function git(args: readonly string[], cwd: string): Promise<GitResult> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      'git',
      args,
      // No pager, no prompts for credentials, no locale surprises in messages.
      { cwd, maxBuffer: MAX_LOCKFILE_BYTES, encoding: 'utf8', env: { ...process.env, GIT_PAGER: 'cat', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' } },
      (err, stdout, stderr) => {
        if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
          const code = (err as NodeJS.ErrnoException).code;
          reject(
            code === 'ENOENT'
              ? new DepcapsError('E_USAGE', 'git is not installed (needed to read lockfiles at git refs).', { hint: 'Pass lockfile paths to --base and --head instead.' })
              : new DepcapsError('E_INTERNAL', `git ${args[0]} failed: ${code}.`, { cause: err }),
          );
          return;
        }
        resolvePromise({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

const firstLine = (text: string): string => text.trim().split('\n')[0] ?? '';

/** The top directory of the work tree `cwd` is in, or undefined when it is not in one. */
export async function gitTopLevel(cwd: string): Promise<string | undefined> {
  const r = await git(['rev-parse', '--show-toplevel'], cwd).catch((err: unknown) => {
    if (err instanceof DepcapsError && err.code === 'E_USAGE') return undefined; // no git: not a repository for us
    throw err;
  });
  return r && r.code === 0 ? r.stdout.trim() : undefined;
}

/** True when `ref` names a commit. */
export async function gitHasRef(cwd: string, ref: string): Promise<boolean> {
  if (ref.startsWith('-')) return false;
  return (await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], cwd)).code === 0;
}

/**
 * The file at `path` (relative to the repository root, `/` separators) in `ref`; undefined when the
 * ref has no such file (a lockfile added by this change).
 * @throws DepcapsError E_USAGE when `ref` is not a commit of the repository.
 */
export async function gitShow(cwd: string, ref: string, path: string): Promise<string | undefined> {
  if (!(await gitHasRef(cwd, ref))) {
    throw new DepcapsError('E_USAGE', `"${ref}" is not a git ref of the repository at ${cwd}.`, {
      hint: 'In CI, fetch the base branch first (actions/checkout with fetch-depth: 0), or pass a lockfile path.',
    });
  }
  const r = await git(['show', `${ref}:${path}`], cwd);
  if (r.code === 0) return r.stdout;
  if (/does not exist|exists on disk, but not in/.test(r.stderr)) return undefined;
  throw new DepcapsError('E_USAGE', `git show ${ref}:${path}: ${firstLine(r.stderr)}`);
}

/** The merge base of two refs, or undefined when they have none. */
export async function gitMergeBase(cwd: string, a: string, b: string): Promise<string | undefined> {
  const r = await git(['merge-base', a, b], cwd);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/**
 * The default base of a gate: where the current branch forked from the main line. In GitHub Actions
 * pull requests `GITHUB_BASE_REF` names the target branch; otherwise origin/HEAD, origin/main,
 * origin/master, main, master — the first that exists — merged-base with HEAD.
 * @throws DepcapsError E_USAGE when none exists.
 */
export async function defaultBaseRef(cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const target = env['GITHUB_BASE_REF'];
  const candidates = [...(target ? [`origin/${target}`, target] : []), 'origin/HEAD', 'origin/main', 'origin/master', 'main', 'master'];
  for (const ref of candidates) {
    if (!(await gitHasRef(cwd, ref))) continue;
    return (await gitMergeBase(cwd, ref, 'HEAD')) ?? ref;
  }
  throw new DepcapsError('E_USAGE', `No base to compare with: none of ${candidates.join(', ')} exists in ${cwd}.`, {
    hint: 'Pass --base <git ref or lockfile path>.',
  });
}
