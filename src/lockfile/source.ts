/**
 * Where a lockfile entry comes from, told from the strings lockfiles record: registry tarball
 * URLs, git URLs and shorthands, remote tarballs, workspace folders.
 */
import { isExactVersion, MAX_URL_LENGTH } from './entry.js';

/**
 * Registry tarball URLs end in `/<name>/-/<unscoped name>-<version>.tgz` (npm's convention,
 * followed by every registry we know); any other http(s) URL is a remote tarball. The host is
 * not judged here: an unknown host is recorded and the auditor decides. Without an exact
 * `version` any version-shaped file name matches, so a bad version is reported as such.
 */
export function isRegistryTarballUrl(url: string, name: string, version: unknown): boolean {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url).pathname);
  } catch {
    return false;
  }
  const unscoped = name.slice(name.lastIndexOf('/') + 1);
  if (isExactVersion(version)) return pathname.endsWith(`/${name}/-/${unscoped}-${version}.tgz`);
  const prefix = `/${name}/-/${unscoped}-`;
  const at = pathname.lastIndexOf(prefix);
  return at !== -1 && pathname.endsWith('.tgz') && !pathname.slice(at + prefix.length).includes('/');
}

/** git URLs as lockfiles record them (`git+ssh://`, `git://`, `github:u/r`, codeload tarballs, `https://…/r.git#…`). */
export function isGitUrl(spec: string): boolean {
  return (
    /^(?:git\+[a-z]+:|git:|ssh:|git@|github:|gitlab:|bitbucket:|gist:)/i.test(spec) ||
    /^https?:\/\/codeload\.github\.com\//i.test(spec) ||
    /^https?:\/\/[^#?]+\.git(?:[#?].*)?$/i.test(spec) ||
    /#commit=/.test(spec)
  );
}

/** A dependency range that names a git repository, hosted shorthand (`user/repo#sha`) included. */
export function isGitRange(range: string): boolean {
  return isGitUrl(range) || /^[\w.-]+\/[\w.-]+(?:#.*)?$/.test(range);
}

/** True for an http(s) URL. */
export function isHttpUrl(spec: string): boolean {
  return /^https?:\/\//i.test(spec);
}

/**
 * Matches workspace folders against the root manifest's `workspaces` globs (`packages/*`,
 * `apps/**`): enough of glob for workspace patterns, nothing more.
 */
export function workspaceMatcher(manifest: Record<string, unknown> | undefined): (path: string) => boolean {
  const raw = manifest?.['workspaces'];
  const list = Array.isArray(raw) ? raw : Array.isArray((raw as { packages?: unknown } | undefined)?.packages) ? (raw as { packages: unknown[] }).packages : [];
  const patterns = list
    .filter((p): p is string => typeof p === 'string' && p.length <= 1024 && !p.startsWith('!'))
    .map((p) => p.replace(/^\.\//, '').replace(/\/+$/, '').split('/'))
    // Runs of `**` are one `**`; more than two wildcards' worth of backtracking is refused
    // (no real workspace glob needs it, and paths come from the lockfile).
    .map((segs) => segs.filter((seg, i) => !(seg === '**' && segs[i - 1] === '**')))
    .filter((segs) => segs.filter((seg) => seg.includes('*')).length <= 3)
    .map((segs) => {
      const body = segs.map((seg) => (seg === '**' ? '.*' : seg.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '[^/]*'))).join('/');
      return new RegExp(`^${body}$`);
    });
  return (path) => {
    if (path.length > MAX_URL_LENGTH) return false;
    const norm = path.replace(/^\.\//, '').replace(/\/+$/, '');
    return patterns.some((re) => re.test(norm));
  };
}
