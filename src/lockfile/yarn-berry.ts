/**
 * Reader of yarn berry (v2+) `yarn.lock`, parsed by the yarn project's own `parseSyml`
 * (`@yarnpkg/parsers`). Entries carry a locator (`name@npm:1.0.0`, `name@workspace:path`,
 * `name@patch:…`), never an SRI: berry's `checksum` hashes yarn's cache zip, not the npm tarball,
 * so it is not passed on as integrity. No dev flags either: see {@link parseYarnBerry}. Dependency
 * specs are kept as berry writes them (`npm:^1.0.0`, `npm:real@^1.0.0`, `workspace:^`); a
 * workspace's `dependencies` include its devDependencies, which berry does not tell apart.
 */
import { parseSyml } from '@yarnpkg/parsers';
import { DepcapsError } from '../errors.js';
import { groupEntries, INSTALLED_GROUPS, LockfileCollector, platformOf, ROOT_GROUPS, type ReaderOptions } from './entry.js';
import { isGitUrl, isHttpUrl } from './source.js';
import { classifyGraph, NO_MANIFEST_MESSAGE, type Classification, type Edge, type GraphRoots } from './classify.js';
import { asRecord, assertNoConflictMarkers, own, ownString, parserMessage, stringEntries, stripBom } from './text.js';
import type { LockedSource, Lockfile } from './types.js';
import { headerLines, splitDescriptor } from './yarn-classic.js';

/** `__metadata.version` values this reader understands (yarn 2.0 wrote 4, yarn 4.x writes 8 and 10). */
export const YARN_BERRY_VERSIONS: readonly string[] = ['4', '5', '6', '7', '8', '9', '10'];

/** What a locator says about where a package comes from. */
interface LocatorSource {
  name: string;
  source: LockedSource;
  path?: string;
  resolved?: string;
  /** The project's own root workspace: not a dependency. */
  root?: boolean;
}

/** Strips berry's `::key=value` bindings from a reference and returns them. */
function splitBindings(reference: string): { base: string; params: URLSearchParams } {
  const at = reference.indexOf('::');
  return at === -1 ? { base: reference, params: new URLSearchParams() } : { base: reference.slice(0, at), params: new URLSearchParams(reference.slice(at + 2)) };
}

/** Source of a resolution locator (`real@npm:1.1.0`, `x@patch:x@npm%3A1.0.0#…`, `x@virtual:…#npm:1.0.0`). */
function locatorSource(locator: string, depth = 0): LocatorSource {
  const { name, range: reference } = splitDescriptor(locator);
  const { base, params } = splitBindings(reference);
  const protocol = /^[a-z][a-z0-9+.-]*:/i.exec(base)?.[0] ?? '';
  const rest = base.slice(protocol.length);
  switch (protocol) {
    case 'npm:': {
      const archive = params.get('__archiveUrl');
      return { name, source: 'registry', ...(archive !== null ? { resolved: archive } : {}) };
    }
    case 'workspace:':
      return { name, source: 'workspace', path: rest, ...(rest === '.' ? { root: true } : {}) };
    case 'file:':
      return { name, source: 'file', path: rest.split('#')[0] ?? rest };
    case 'link:':
    case 'portal:':
      return { name, source: 'link', path: rest };
    case 'patch:':
    case 'virtual:': {
      // A patched or peer-bound copy of another locator: report what it is built from.
      const hash = rest.indexOf('#');
      if (depth < 4 && hash !== -1) {
        const inner = protocol === 'patch:' ? safeDecode(rest.slice(0, hash)) : `${name}@${rest.slice(hash + 1)}`;
        if (inner !== undefined) return { ...locatorSource(inner, depth + 1), name };
      }
      return { name, source: 'unknown' };
    }
    default:
      if (isGitUrl(base)) return { name, source: 'git', resolved: base };
      if (isHttpUrl(base)) return { name, source: 'remote', resolved: base };
      return { name, source: 'unknown' };
  }
}

/** The descriptors of an entry key (`a@npm:^1, a@npm:^1.1`); split without a regex, keys are hostile input. */
function descriptorsOf(key: string): string[] {
  return key.split(',').map((d) => d.trim());
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/**
 * Parses a yarn berry `yarn.lock`. dev/optional are classified by walking from the workspaces:
 * the root workspace's dependencies that the root package.json lists only under
 * devDependencies are dev; other workspaces count as production (their manifests are not read).
 * @throws DepcapsError E_LOCKFILE for merge conflicts, unparseable text and unknown `__metadata.version`.
 */
export function parseYarnBerry(text: string, path: string, opts: ReaderOptions = {}): Lockfile {
  text = stripBom(text);
  assertNoConflictMarkers(text, path);
  let data: Record<string, unknown> | undefined;
  try {
    data = asRecord(parseSyml(text));
  } catch (err) {
    throw new DepcapsError('E_LOCKFILE', `${path} is not a valid yarn.lock: ${parserMessage(err)}`, { cause: err });
  }
  const version = ownString(asRecord(own(data, '__metadata')), 'version');
  if (version === undefined || !YARN_BERRY_VERSIONS.includes(version)) {
    const shown = version === undefined ? 'missing' : JSON.stringify(version.slice(0, 20));
    throw new DepcapsError(
      'E_LOCKFILE',
      `${path}: yarn lockfile __metadata.version ${shown} is not supported (supported: ${YARN_BERRY_VERSIONS.join(', ')}).`,
      { hint: 'Regenerate it with yarn 2 to 4, or update depcaps.' },
    );
  }
  const collector = new LockfileCollector();
  const lines = headerLines(text);
  const entries: { key: string; entry: Record<string, unknown> }[] = [];
  let root: [string, string][] | undefined;
  const descriptorToKey = new Map<string, string>();
  for (const [key, value] of Object.entries(data ?? {})) {
    if (key === '__metadata') continue;
    const entry = asRecord(value);
    if (!entry) {
      collector.warn(key, lines.get(key), `entry ${JSON.stringify(key)} is not an object; ignored`);
      continue;
    }
    entries.push({ key, entry });
    for (const descriptor of descriptorsOf(key)) descriptorToKey.set(descriptor, key);
  }

  const classes = classify(entries, descriptorToKey, opts, collector);
  for (const { key, entry } of entries) {
    const line = lines.get(key) ?? 1;
    const resolution = ownString(entry, 'resolution');
    if (resolution === undefined) {
      collector.warn(key, line, `entry ${JSON.stringify(key)} has no resolution; ignored`);
      continue;
    }
    const src = locatorSource(resolution);
    const dependencies = groupEntries(entry, INSTALLED_GROUPS);
    if (src.root) {
      // The root workspace's `dependencies` hold its devDependencies too (berry merges them).
      root ??= dependencies;
      continue;
    }
    if (src.source === 'unknown') collector.warn(key, line, `entry ${JSON.stringify(key)}: unrecognised resolution; source unknown`);
    const installName = splitDescriptor(descriptorsOf(key)[0] ?? key).name;
    collector.add({
      name: src.name,
      version: own(entry, 'version'),
      alias: installName,
      source: src.source,
      resolved: src.resolved,
      ...(src.path !== undefined ? { path: src.path } : {}),
      ...(classes.get(key) ?? { dev: false, optional: false }),
      dependencies,
      optionalDependencies: optionalOf(entry),
      platform: conditionsPlatform(ownString(entry, 'conditions')),
      key,
      line,
    });
  }
  return collector.finish('yarn-berry', version, path, root ?? groupEntries(opts.rootManifest, ROOT_GROUPS));
}

/**
 * Whether an entry's `dependenciesMeta` marks `dep` optional. berry writes an optional dependency into
 * `dependencies` and flags it there (`optional: true`, which its parser reads as the string "true");
 * a key may also carry a version (`fsevents@2.3.3`).
 */
function metaOptional(meta: Record<string, unknown> | undefined, dep: string): boolean {
  if (meta === undefined) return false;
  const isTrue = (key: string): boolean => {
    const flag = own(asRecord(own(meta, key)), 'optional');
    return flag === true || flag === 'true';
  };
  return isTrue(dep) || Object.keys(meta).some((key) => key.startsWith(`${dep}@`) && isTrue(key));
}

/** The dependencies berry marks optional in `dependenciesMeta` ({@link metaOptional}): a parent's platform variants are among them. */
function optionalOf(entry: Record<string, unknown>): string[] {
  const meta = asRecord(own(entry, 'dependenciesMeta'));
  return stringEntries(own(entry, 'dependencies')).map(([dep]) => dep).filter((dep) => metaOptional(meta, dep));
}

/** Berry's `conditions: os=darwin & cpu=arm64` (yarn 3.2+) as a platform. */
function conditionsPlatform(conditions: string | undefined): ReturnType<typeof platformOf> {
  if (conditions === undefined || conditions.length > 1024) return undefined;
  const fields: Record<string, string[]> = {};
  for (const m of conditions.matchAll(/\b(os|cpu|libc)=([^\s&|()]+)/g)) (fields[m[1]!] ??= []).push(m[2]!);
  return platformOf(fields);
}

/**
 * dev/optional by walking from the workspaces (berry's lockfile lists their dependencies, dev ones
 * included). optional comes from the lockfile alone (`dependenciesMeta`); dev needs the root
 * package.json, without which every package is production.
 */
function classify(
  entries: { key: string; entry: Record<string, unknown> }[],
  descriptorToKey: Map<string, string>,
  opts: ReaderOptions,
  collector: LockfileCollector,
): Map<string, Classification> {
  if (!opts.rootManifest) collector.warn('', undefined, NO_MANIFEST_MESSAGE);
  const manifest = opts.rootManifest ?? {};
  const names = (field: string): Set<string> => new Set(stringEntries(manifest[field]).map(([n]) => n));
  const prodNames = new Set([...names('dependencies'), ...names('optionalDependencies')]);
  const devNames = names('devDependencies');
  const optionalNames = names('optionalDependencies');

  const edges = new Map<string, Edge[]>();
  const roots: GraphRoots = { prod: [], dev: [] };
  for (const { key, entry } of entries) {
    const resolution = ownString(entry, 'resolution') ?? '';
    const meta = asRecord(own(entry, 'dependenciesMeta'));
    const list: (Edge & { dep: string })[] = [];
    for (const [dep, range] of stringEntries(own(entry, 'dependencies'))) {
      const descriptor = `${dep}@${range}`;
      // `file:` and `portal:` descriptors are bound to the package that declares them.
      const to = descriptorToKey.get(descriptor) ?? descriptorToKey.get(`${descriptor}::locator=${encodeURIComponent(resolution)}`);
      if (to === undefined) continue;
      list.push({ to, optional: metaOptional(meta, dep), dep });
    }
    const src = locatorSource(resolution);
    if (src.root) {
      for (const { to, optional, dep } of list) {
        const dev = devNames.has(dep) && !prodNames.has(dep);
        (dev ? roots.dev : roots.prod).push({ to, optional: optional || optionalNames.has(dep) });
      }
      continue;
    }
    if (src.source === 'workspace') roots.prod.push({ to: key, optional: false });
    edges.set(key, list);
  }
  return classifyGraph(roots, (id) => edges.get(id) ?? [], edges.keys());
}
