/**
 * Reader of bun's text lockfile `bun.lock` (JSONC: trailing commas allowed), parsed with
 * `jsonc-parser`. `packages` maps an install path (`prod-a/shared` = shared nested under prod-a)
 * to a tuple whose first item is `name@reference`; `workspaces` holds each workspace's
 * dependency lists, the roots of the dev/optional walk (the root workspace `""` is the project's
 * own `root`). The binary `bun.lockb` is not read.
 */
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { DepcapsError } from '../errors.js';
import { groupEntries, INSTALLED_GROUPS, LockfileCollector, optionalNames, platformOf, ROOT_GROUPS, type ReaderOptions } from './entry.js';
import { isGitUrl, isHttpUrl } from './source.js';
import { classifyGraph, type Edge, type GraphRoots } from './classify.js';
import { asRecord, assertNoConflictMarkers, LineLocator, own, ownString, stringEntries, stripBom } from './text.js';
import type { LockedSource, Lockfile } from './types.js';
import { splitDescriptor } from './yarn-classic.js';

/** `lockfileVersion` values this reader understands (2 has v1's content with stricter checks in bun). */
export const BUN_LOCKFILE_VERSIONS: readonly string[] = ['0', '1', '2'];

/** Install-path segments of a `packages` key: `a/@s/b/c` → `a`, `@s/b`, `c`. */
export function keySegments(key: string): string[] {
  const parts = key.split('/');
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (part.startsWith('@') && i + 1 < parts.length) out.push(`${part}/${parts[++i] as string}`);
    else out.push(part);
  }
  return out;
}

/**
 * Parses a `bun.lock`.
 * @throws DepcapsError E_LOCKFILE for text that is not JSONC (with line and column), merge
 *   conflicts and lockfileVersions outside {@link BUN_LOCKFILE_VERSIONS}.
 */
export function parseBun(text: string, path: string, opts: ReaderOptions = {}): Lockfile {
  text = stripBom(text);
  assertNoConflictMarkers(text, path);
  const locator = new LineLocator(text);
  const errors: ParseError[] = [];
  let value: unknown;
  try {
    value = parse(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
  } catch (err) {
    // Nesting deep enough to exhaust the parser's stack.
    throw new DepcapsError('E_LOCKFILE', `${path} could not be parsed as JSONC.`, { cause: err });
  }
  const first = errors[0];
  if (first) {
    const { line, column } = locator.position(first.offset);
    throw new DepcapsError('E_LOCKFILE', `${path} is not valid JSONC at line ${line}, column ${column}: ${printParseErrorCode(first.error)}.`, {
      hint: 'Regenerate it with `bun install --save-text-lockfile` or a current bun.',
    });
  }
  const data = asRecord(value);
  const version = own(data, 'lockfileVersion');
  if (typeof version !== 'number' || !BUN_LOCKFILE_VERSIONS.includes(String(version))) {
    const shown = typeof version === 'number' ? String(version) : version === undefined ? 'missing' : JSON.stringify(String(version).slice(0, 20));
    throw new DepcapsError('E_LOCKFILE', `${path}: bun lockfileVersion ${shown} is not supported (supported: ${BUN_LOCKFILE_VERSIONS.join(', ')}).`, {
      hint: 'Update depcaps.',
    });
  }
  const workspaces = asRecord(own(data, 'workspaces')) ?? {};
  const packages = asRecord(own(data, 'packages')) ?? {};
  const collector = new LockfileCollector();

  // The dependency graph over `packages` keys, resolved the way node_modules lookup works:
  // `prod-a/shared` shadows `shared` for prod-a and everything nested under it.
  const resolveFrom = (segments: string[], dep: string): string | undefined => {
    for (let n = segments.length; n >= 0; n--) {
      const candidate = [...segments.slice(0, n), dep].join('/');
      if (Object.prototype.hasOwnProperty.call(packages, candidate)) return candidate;
    }
    return undefined;
  };
  const edgesFrom = (info: Record<string, unknown> | undefined, segments: string[]): Edge[] => {
    const edges: Edge[] = [];
    for (const [group, optional] of [['dependencies', false], ['optionalDependencies', true]] as const) {
      for (const [dep] of stringEntries(own(info, group))) {
        const to = resolveFrom(segments, dep);
        if (to !== undefined) edges.push({ to, optional });
      }
    }
    return edges;
  };
  const roots: GraphRoots = { prod: [], dev: [] };
  for (const [wsPath, ws] of Object.entries(workspaces)) {
    const info = asRecord(ws);
    const wsName = ownString(info, 'name');
    const scope = wsPath === '' || wsName === undefined ? [] : [wsName];
    for (const [group, dev, optional] of [
      ['dependencies', false, false],
      ['optionalDependencies', false, true],
      ['devDependencies', true, false],
    ] as const) {
      for (const [dep] of stringEntries(own(info, group))) {
        const to = resolveFrom(scope, dep);
        if (to !== undefined) (dev ? roots.dev : roots.prod).push({ to, optional });
      }
    }
  }
  const infoOf = (tuple: unknown[]): Record<string, unknown> | undefined => {
    const ref = typeof tuple[0] === 'string' ? splitDescriptor(tuple[0]).range : '';
    // Registry tuples are [ident, registry, info, integrity]; the others [ident, info, …].
    return asRecord(/^[a-z][a-z0-9+.-]*:/i.test(ref) ? tuple[1] : tuple[2]);
  };
  const classes = classifyGraph(roots, (id) => {
    const tuple = own(packages, id);
    return Array.isArray(tuple) ? edgesFrom(infoOf(tuple), keySegments(id)) : [];
  });

  const section = /^[ \t]*"packages"[ \t]*:/m.exec(text);
  if (section) locator.seek(section.index);
  for (const [key, tuple] of Object.entries(packages)) {
    const quoted = JSON.stringify(key);
    const line = locator.locate(quoted, '[') ?? 1;
    if (!Array.isArray(tuple) || typeof tuple[0] !== 'string') {
      collector.warn(key, line, `entry ${quoted} is not a [name@version, …] tuple; ignored`);
      continue;
    }
    const { name, range: ref } = splitDescriptor(tuple[0]);
    const protocol = /^[a-z][a-z0-9+.-]*:/i.exec(ref)?.[0] ?? '';
    const rest = ref.slice(protocol.length);
    let source: LockedSource = 'registry';
    let version: unknown = ref;
    let resolved: unknown;
    let integrity: unknown;
    let localPath: string | undefined;
    let info = infoOf(tuple);
    if (protocol === 'root:') continue;
    if (protocol === 'workspace:') {
      source = 'workspace';
      localPath = rest;
      // A workspace's tuple has no info: its dependencies are in `workspaces`.
      info = asRecord(own(workspaces, rest));
      version = ownString(info, 'version') ?? ref;
    } else if (protocol === 'link:' || protocol === 'file:') {
      source = protocol === 'link:' ? 'link' : 'file';
      localPath = rest;
    } else if (isGitUrl(ref)) {
      source = 'git';
      resolved = ref;
    } else if (isHttpUrl(ref)) {
      source = 'remote';
      resolved = ref;
      integrity = typeof tuple[2] === 'string' ? tuple[2] : undefined;
    } else if (protocol !== '') {
      source = 'unknown';
      collector.warn(key, line, `entry ${quoted}: unrecognised reference; source unknown`);
    } else {
      // A registry entry's second item is its tarball URL when not from the default registry.
      resolved = tuple[1] === '' ? undefined : tuple[1];
      integrity = tuple[3];
    }
    const segments = keySegments(key);
    collector.add(
      {
        name,
        version,
        alias: segments[segments.length - 1],
        source,
        resolved,
        integrity,
        ...(classes.get(key) ?? { dev: false, optional: false }),
        ...(localPath !== undefined ? { path: localPath } : {}),
        dependencies: groupEntries(info, INSTALLED_GROUPS),
        optionalDependencies: optionalNames(info),
        platform: platformOf(info),
        key,
        line,
      },
      { integrity: true },
    );
  }
  const rootWorkspace = asRecord(own(workspaces, ''));
  return collector.finish('bun', String(version), path, groupEntries(rootWorkspace ?? opts.rootManifest, ROOT_GROUPS));
}
