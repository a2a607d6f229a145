import { redactUrl } from '../redact.js';

// Git specs as text: no fetcher, no pacote. The audit's per-package path needs these even when every
// result is cached, so they live apart from the fetcher and load nothing heavy.

/** A full commit hash at the end of a git spec (`…#<sha>`): such a spec names fixed content. */
const COMMIT = /#([0-9a-f]{40}|[0-9a-f]{64})$/i;

/**
 * A locked git reference as pacote reads it, whatever lockfile wrote it: yarn's `#commit=<sha>` becomes
 * `#<sha>`, a bare `https://…/x.git` or `ssh://` URL gets npm's `git+` prefix; a GitHub archive URL
 * (`codeload.github.com/…/tar.gz/<sha>`, pnpm) is a tarball to download, not a repository.
 */
export function lockedGitSource(resolved: string): { kind: 'git'; spec: string } | { kind: 'remote'; url: string } {
  let spec = resolved.trim();
  if (/^https?:\/\/codeload\.github\.com\//i.test(spec)) return { kind: 'remote', url: spec };
  const hash = spec.indexOf('#');
  if (hash !== -1) {
    const fragment = spec.slice(hash + 1);
    const commit = /(?:^|&)commit=([0-9a-f]{40,64})(?:&|$)/i.exec(fragment)?.[1];
    if (commit !== undefined) spec = `${spec.slice(0, hash)}#${commit}`;
  }
  if (/^(?:https?|ssh|file):\/\//i.test(spec)) spec = `git+${spec}`;
  return { kind: 'git', spec };
}

/**
 * A git URL for messages and cache keys: credentials and query removed (redactUrl), the ref after
 * `#` kept (a commit, a tag or a branch name), since it says which content is meant.
 */
export function redactGitUrl(url: string): string {
  const hash = url.indexOf('#');
  const ref = hash === -1 ? '' : url.slice(hash + 1);
  const base = redactUrl(hash === -1 ? url : url.slice(0, hash));
  return /^[\w./=&:-]{1,200}$/.test(ref) ? `${base}#${ref}` : base;
}

/** The commit a git spec pins, when it pins one. */
export function pinnedCommit(spec: string): string | undefined {
  return COMMIT.exec(spec)?.[1]?.toLowerCase();
}
