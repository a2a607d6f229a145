/**
 * Reader of npm's `package-lock.json` and `npm-shrinkwrap.json`: lockfileVersion 2 and 3 through
 * their `packages` map (one entry per installed path), lockfileVersion 1 through its nested
 * `dependencies` tree. npm records dev/optional itself, so no graph walk is needed. Dependency
 * edges are the entries' `dependencies` + `optionalDependencies` (v2/v3) or `requires` (v1), ranges
 * resolved by `buildGraph` the way node_modules lookup works.
 */
import { DepcapsError } from '../errors.js';
import { groupEntries, INSTALLED_GROUPS, LockfileCollector, optionalNames, platformOf, ROOT_GROUPS, type ReaderOptions } from './entry.js';
import { isGitUrl, isHttpUrl, isRegistryTarballUrl, workspaceMatcher } from './source.js';
import { asRecord, assertNoConflictMarkers, LineLocator, own, ownString, parseJsonText, stripBom } from './text.js';
import type { LockedSource, Lockfile } from './types.js';

/** lockfileVersion values this reader understands. */
export const NPM_LOCKFILE_VERSIONS: readonly string[] = ['1', '2', '3'];

/** v1 trees deeper than this are not real installs; deeper entries are reported, not walked. */
const MAX_V1_DEPTH = 200;
const NM = 'node_modules/';

/**
 * Parses an npm lockfile (`package-lock.json`, `npm-shrinkwrap.json`).
 * @throws DepcapsError E_LOCKFILE for invalid JSON (with the error's line and column), merge
 *   conflicts and lockfileVersions other than 1, 2 and 3.
 */
export function parseNpm(text: string, path: string, opts: ReaderOptions = {}): Lockfile {
  text = stripBom(text);
  assertNoConflictMarkers(text, path);
  const data = asRecord(parseJsonText(text, path));
  if (!data) throw new DepcapsError('E_LOCKFILE', `${path} is not an npm lockfile: expected a JSON object.`);
  const version = own(data, 'lockfileVersion');
  if (typeof version !== 'number' || !NPM_LOCKFILE_VERSIONS.includes(String(version))) {
    const shown = typeof version === 'number' ? String(version) : version === undefined ? 'missing' : JSON.stringify(String(version).slice(0, 20));
    throw new DepcapsError(
      'E_LOCKFILE',
      `${path}: npm lockfileVersion ${shown} is not supported (supported: ${NPM_LOCKFILE_VERSIONS.join(', ')}).`,
      { hint: 'Regenerate it with a supported npm (`npm install --package-lock-only`), or update depcaps.' },
    );
  }
  const collector = new LockfileCollector();
  const locator = new LineLocator(text);
  const packages = asRecord(own(data, 'packages'));
  const rootEntry = version >= 2 ? asRecord(own(packages, '')) : undefined;
  if (version >= 2 && packages) readPackages(packages, collector, locator, opts);
  else readDependencyTree(data, collector, locator, opts);
  // v1 has no root record: the project's dependencies are only in its package.json.
  return collector.finish('npm', String(version), path, groupEntries(rootEntry ?? opts.rootManifest, ROOT_GROUPS));
}

/** Where a v2/v3 entry comes from, judged from `resolved` (registry tarballs follow npm's URL convention). */
function sourceOf(name: string, version: unknown, resolved: unknown): LockedSource {
  if (typeof resolved !== 'string' || resolved === '') return 'registry';
  if (resolved.startsWith('file:')) return 'file';
  if (isGitUrl(resolved)) return 'git';
  if (isHttpUrl(resolved)) {
    return isRegistryTarballUrl(resolved, name, version) ? 'registry' : 'remote';
  }
  return 'unknown';
}

/** lockfileVersion 2 and 3: the flat `packages` map keyed by install path. */
function readPackages(packages: Record<string, unknown>, collector: LockfileCollector, locator: LineLocator, opts: ReaderOptions): void {
  const isWorkspace = workspaceMatcher(asRecord(own(packages, '')) ?? opts.rootManifest);
  for (const [key, value] of Object.entries(packages)) {
    // Keys without node_modules/ are the root and the folders links point to (workspaces,
    // `file:` directories): they are reported through their links.
    const at = key.lastIndexOf(NM);
    if (key === '' || at === -1) continue;
    const quoted = JSON.stringify(key);
    const line = locator.locate(quoted, '{') ?? 1;
    const entry = asRecord(value);
    if (!entry) {
      collector.warn(key, line, `entry ${quoted} is not an object; ignored`);
      continue;
    }
    const installName = key.slice(at + NM.length);
    // devOptional: needed by dev and by an optional path; `--omit dev` still installs it.
    const flags = { dev: entry['dev'] === true, optional: entry['optional'] === true || entry['devOptional'] === true };
    if (own(entry, 'link') === true) {
      const target = ownString(entry, 'resolved');
      const folder = target !== undefined ? asRecord(own(packages, target)) : undefined;
      collector.add({
        name: ownString(folder, 'name') ?? installName,
        version: own(folder, 'version'),
        alias: installName,
        source: target !== undefined && isWorkspace(target) ? 'workspace' : 'file',
        path: target,
        ...flags,
        // A link's dependencies are those of the folder it points to.
        dependencies: groupEntries(folder, INSTALLED_GROUPS),
        key,
        line,
      });
      continue;
    }
    const name = ownString(entry, 'name') ?? installName;
    const version = own(entry, 'version');
    const resolved = own(entry, 'resolved');
    const source = sourceOf(name, version, resolved);
    if (source === 'unknown') collector.warn(key, line, `entry ${quoted}: unrecognised "resolved"; source unknown`);
    collector.add(
      {
        name,
        version,
        alias: installName,
        source,
        resolved,
        integrity: own(entry, 'integrity'),
        ...flags,
        ...(source === 'file' && typeof resolved === 'string' ? { path: resolved.slice('file:'.length) } : {}),
        bundled: own(entry, 'inBundle') === true,
        installScript: own(entry, 'hasInstallScript') === true,
        dependencies: groupEntries(entry, INSTALLED_GROUPS),
        optionalDependencies: optionalNames(entry),
        platform: platformOf(entry),
        key,
        line,
      },
      // No `resolved` is valid: npm's `omit-lockfile-registry-resolved` leaves it out of registry
      // entries, which then install from the configured registry (as scanLocked fetches them).
      { integrity: true },
    );
  }
}

/** lockfileVersion 1: `dependencies` nested by install location; `version` carries aliases, paths and URLs. */
function readDependencyTree(data: Record<string, unknown>, collector: LockfileCollector, locator: LineLocator, opts: ReaderOptions): void {
  const isWorkspace = workspaceMatcher(opts.rootManifest);
  interface Item {
    name: string;
    value: unknown;
    parent: string;
    depth: number;
  }
  const children = (deps: Record<string, unknown>, parent: string, depth: number): Item[] =>
    Object.entries(deps)
      .map(([name, value]) => ({ name, value, parent, depth }))
      .reverse();
  // An explicit stack in text order (pre-order), so line search moves forward and deep trees cannot overflow.
  const stack: Item[] = children(asRecord(own(data, 'dependencies')) ?? {}, '', 1);
  while (stack.length > 0) {
    const { name: installName, value, parent, depth } = stack.pop() as Item;
    const key = `${parent}${NM}${installName}`;
    const quoted = JSON.stringify(installName);
    const line = locator.locate(quoted, '{') ?? 1;
    const entry = asRecord(value);
    if (!entry) {
      collector.warn(key, line, `entry ${JSON.stringify(key)} is not an object; ignored`);
      continue;
    }
    const nested = own(entry, 'dependencies');
    if (nested !== undefined) {
      const deps = asRecord(nested);
      if (!deps) collector.warn(key, line, `entry ${JSON.stringify(key)}: nested "dependencies" is not an object; ignored`);
      else if (depth >= MAX_V1_DEPTH) collector.warn(key, line, `entry ${JSON.stringify(key)}: nested deeper than ${MAX_V1_DEPTH} levels; not read further`);
      else stack.push(...children(deps, `${key}/`, depth + 1));
    }
    const flags = { dev: entry['dev'] === true, optional: entry['optional'] === true };
    const recorded = own(entry, 'version');
    let name = installName;
    let version: unknown = recorded;
    let resolved = own(entry, 'resolved');
    let source: LockedSource = 'registry';
    let path: string | undefined;
    if (typeof recorded === 'string') {
      if (recorded.startsWith('npm:')) {
        // An alias: `"alias-name": { "version": "npm:real@1.1.0" }`.
        const spec = recorded.slice('npm:'.length);
        const at = spec.lastIndexOf('@');
        name = at > 0 ? spec.slice(0, at) : spec;
        version = at > 0 ? spec.slice(at + 1) : '';
      } else if (recorded.startsWith('file:')) {
        path = recorded.slice('file:'.length);
        source = isWorkspace(path) ? 'workspace' : 'file';
      } else if (isGitUrl(recorded)) {
        source = 'git';
        resolved ??= recorded;
      } else if (isHttpUrl(recorded)) {
        source = 'remote';
        resolved ??= recorded;
      }
    }
    if (source === 'registry' && typeof resolved === 'string' && !isHttpUrl(resolved)) source = sourceOf(name, version, resolved);
    collector.add(
      {
        name,
        version,
        alias: installName,
        source,
        resolved,
        integrity: own(entry, 'integrity'),
        ...flags,
        ...(path !== undefined ? { path } : {}),
        bundled: own(entry, 'bundled') === true,
        // v1 `requires`: what the package needs, optional dependencies included, dev never.
        dependencies: groupEntries(entry, ['requires']),
        key,
        line,
      },
      // No `resolved`: from the configured registry, as in v2/v3.
      { integrity: true },
    );
  }
}
