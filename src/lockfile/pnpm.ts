/**
 * Reader of `pnpm-lock.yaml`, parsed with `yaml`: lockfileVersion 5.x (`/name/1.0.0` keys), 6.x
 * (`/name@1.0.0`) and 9.0 (`name@1.0.0`, with the dependency graph moved to `snapshots`).
 * v5/v6 record `dev` per package; v9 does not, so its importers are walked through the snapshots.
 * Dependency references point at exact entries; they are recorded as the version of the entry they
 * point to (`npm:real@1.1.0` for aliases, `link:…` for links), peer suffixes dropped.
 */
import { posix } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { DepcapsError } from '../errors.js';
import { INSTALLED_GROUPS, isExactVersion, LockfileCollector, optionalNames, platformOf, ROOT_GROUPS, type ReaderOptions } from './entry.js';
import { isGitUrl, isHttpUrl } from './source.js';
import { classifyGraph, type Classification, type Edge, type GraphRoots } from './classify.js';
import { asRecord, assertNoConflictMarkers, own, ownString, parserMessage, stripBom } from './text.js';
import type { LockedSource, Lockfile } from './types.js';

/** lockfileVersion values this reader understands. */
export const PNPM_LOCKFILE_VERSIONS: readonly string[] = ['5.0', '5.1', '5.2', '5.3', '5.4', '6.0', '6.1', '9.0'];

/** YAML aliases expanded at most this often: a "billion laughs" lockfile stops here. */
const MAX_ALIAS_COUNT = 100;
const DEP_GROUPS = [
  ['dependencies', false, false],
  ['optionalDependencies', false, true],
  ['devDependencies', true, false],
] as const;

type Family = 5 | 6 | 9;

/** `lockfileVersion` as written: YAML gives 5.4 as a number, 5.0 as 5, '6.0' as a string. */
function versionString(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return Number.isInteger(v) ? `${v}.0` : String(v);
  return typeof v === 'string' ? v : undefined;
}

/** Name and version of a `packages` key of each family; undefined when the key is not a registry-style key. */
function parsePackageKey(key: string, family: Family): { name: string; ref: string } | undefined {
  const m =
    family === 5
      ? /^\/((?:@[^/]+\/)?[^/]+)\/([^/_()]+)(?:[_(].*)?$/s.exec(key)
      : family === 6
        ? /^\/((?:@[^/]+\/)?[^/@]+)@([^(]+)(?:\(.*)?$/s.exec(key)
        : /^((?:@[^/]+\/)?[^/@]+)@([^(]+)(?:\(.*)?$/s.exec(key);
  return m ? { name: m[1] as string, ref: m[2] as string } : undefined;
}

/**
 * The `packages` key (and for v9 the `snapshots` key) a dependency reference points to;
 * undefined for `link:` references, which have no entry.
 */
function refToKey(name: string, ref: string, family: Family): { snapshot: string; pkg: string } | undefined {
  if (ref.startsWith('link:')) return undefined;
  let snapshot: string;
  if (family === 5) snapshot = /^\d/.test(ref) ? `/${name}/${ref}` : ref;
  else if (family === 6) snapshot = /^\d/.test(ref) ? `/${name}@${ref}` : ref;
  else {
    const bare = ref.replace(/\(.*$/s, '');
    const protocol = /^[a-z][a-z0-9+.-]*:/i.test(ref);
    snapshot = !protocol && bare.indexOf('@', 1) > 0 ? ref : `${name}@${ref}`;
  }
  // v9 `packages` keys carry no peer suffix; v5/v6 keys are the snapshot keys themselves.
  return { snapshot, pkg: family === 9 ? snapshot.replace(/\(.*$/s, '') : snapshot };
}

/** A dependency map's entries as (name, reference, specifier): v5 maps name → ref, v6/v9 name → { specifier, version }. */
function refs(value: unknown): { name: string; ref: string; specifier?: string }[] {
  const out: { name: string; ref: string; specifier?: string }[] = [];
  for (const [name, v] of Object.entries(asRecord(value) ?? {})) {
    if (typeof v === 'string') out.push({ name, ref: v });
    else {
      const ref = ownString(asRecord(v), 'version');
      const specifier = ownString(asRecord(v), 'specifier');
      if (ref !== undefined) out.push({ name, ref, ...(specifier !== undefined ? { specifier } : {}) });
    }
  }
  return out;
}

/**
 * The version a `packages` entry is recorded with: its `version` field, else the key's reference
 * (non-registry keys have none: the key itself). One rule for entries and the references to them.
 */
function entryVersion(key: string, entry: Record<string, unknown> | undefined, family: Family): string {
  return ownString(entry, 'version') ?? parsePackageKey(key, family)?.ref ?? key;
}

/**
 * Dependency references of `groups` in `record` as `(name, spec)`: the version of the entry a
 * reference points to, so `1.0.0(react@18.2.0)` and `1.0.0_react@18.2.0` become `1.0.0`, an alias
 * `/real@1.1.0` becomes `npm:real@1.1.0`, and `link:` references stay as they are.
 */
function dependencySpecs(record: unknown, groups: readonly string[], packages: Record<string, unknown>, family: Family): [string, string][] {
  const out: [string, string][] = [];
  for (const group of groups) {
    for (const { name, ref } of refs(own(asRecord(record), group))) {
      const target = refToKey(name, ref, family);
      if (!target) {
        out.push([name, ref]);
        continue;
      }
      const entry = asRecord(own(packages, target.pkg));
      const targetName = ownString(entry, 'name') ?? parsePackageKey(target.pkg, family)?.name ?? name;
      // An entry missing from `packages` (a broken lockfile): the reference without its peer suffix.
      const bare = /^\d/.test(ref) ? ref.replace(/[_(].*$/s, '') : ref;
      const version = entry ? entryVersion(target.pkg, entry, family) : (parsePackageKey(target.pkg, family)?.ref ?? bare);
      out.push([name, targetName === name ? version : `npm:${targetName}@${version}`]);
    }
  }
  return out;
}

/** Lines of the keys of a top-level map (`packages:`), from the YAML document's source ranges. */
function keyLines(doc: Document, path: string[], counter: LineCounter): Map<string, number> {
  const lines = new Map<string, number>();
  const node = doc.getIn(path, true);
  if (!isMap(node)) return lines;
  for (const pair of node.items) {
    const key = pair.key;
    if (isScalar(key) && key.range) lines.set(String(key.value), counter.linePos(key.range[0]).line);
  }
  return lines;
}

/**
 * Parses a `pnpm-lock.yaml`.
 * @throws DepcapsError E_LOCKFILE for invalid YAML, merge conflicts and lockfileVersions outside
 *   {@link PNPM_LOCKFILE_VERSIONS}.
 */
export function parsePnpm(text: string, path: string, _opts: ReaderOptions = {}): Lockfile {
  text = stripBom(text);
  assertNoConflictMarkers(text, path);
  const counter = new LineCounter();
  // uniqueKeys off: the library's duplicate-key check is quadratic (8 s for 20k entries); a
  // duplicated key simply wins last, in the data and in the line map alike.
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: false });
  const yamlError = doc.errors[0];
  let data: Record<string, unknown> | undefined;
  try {
    if (yamlError) throw yamlError;
    data = asRecord(doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }));
  } catch (err) {
    const at = yamlError?.pos[0] !== undefined ? ` at line ${counter.linePos(yamlError.pos[0]).line}` : '';
    throw new DepcapsError('E_LOCKFILE', `${path} is not valid YAML${at}: ${parserMessage(err)}`, { cause: err });
  }
  const version = versionString(own(data, 'lockfileVersion'));
  if (version === undefined || !PNPM_LOCKFILE_VERSIONS.includes(version)) {
    const shown = version === undefined ? 'missing' : JSON.stringify(version.slice(0, 20));
    throw new DepcapsError(
      'E_LOCKFILE',
      `${path}: pnpm lockfileVersion ${shown} is not supported (supported: ${PNPM_LOCKFILE_VERSIONS.join(', ')}).`,
      { hint: 'Regenerate it with pnpm 7 to 10, or update depcaps.' },
    );
  }
  const family: Family = version.startsWith('5.') ? 5 : version.startsWith('6.') ? 6 : 9;
  const collector = new LockfileCollector();
  const packages = asRecord(own(data, 'packages')) ?? {};
  const snapshots = asRecord(own(data, 'snapshots')) ?? {};
  // Projects without workspaces keep the importer's fields at the top level before v9.
  const importers = asRecord(own(data, 'importers')) ?? { '.': data };
  const lines = keyLines(doc, ['packages'], counter);

  // Aliases: a dependency whose reference points to a package of another name.
  const aliasOf = new Map<string, string>();
  const noteAliases = (deps: { name: string; ref: string }[]): void => {
    for (const { name, ref } of deps) {
      const target = refToKey(name, ref, family);
      const targetName = target ? parsePackageKey(target.pkg, family)?.name : undefined;
      if (target && targetName !== undefined && targetName !== name && !aliasOf.has(target.pkg)) aliasOf.set(target.pkg, name);
    }
  };
  for (const importer of Object.values(importers)) for (const [group] of DEP_GROUPS) noteAliases(refs(own(asRecord(importer), group)));
  for (const entry of Object.values(family === 9 ? snapshots : packages)) {
    for (const group of ['dependencies', 'optionalDependencies']) noteAliases(refs(own(asRecord(entry), group)));
  }

  const classes = family === 9 ? classifyV9(importers, snapshots) : undefined;
  // v9 keeps dependencies in `snapshots`, one per peer variant of a `packages` entry: merged.
  const snapshotDeps = new Map<string, [string, string][]>();
  const snapshotOptional = new Map<string, string[]>();
  if (family === 9) {
    for (const [key, snapshot] of Object.entries(snapshots)) {
      const pkg = key.replace(/\(.*$/s, '');
      const specs = dependencySpecs(snapshot, INSTALLED_GROUPS, packages, family);
      const seen = snapshotDeps.get(pkg);
      if (seen) seen.push(...specs);
      else snapshotDeps.set(pkg, specs);
      snapshotOptional.set(pkg, [...(snapshotOptional.get(pkg) ?? []), ...optionalNames(snapshot)]);
    }
  }
  for (const [key, value] of Object.entries(packages)) {
    const line = lines.get(key) ?? 1;
    const entry = asRecord(value);
    if (!entry) {
      collector.warn(key, line, `entry ${JSON.stringify(key)} is not an object; ignored`);
      continue;
    }
    const parsed = parsePackageKey(key, family);
    const resolution = asRecord(own(entry, 'resolution'));
    const tarball = ownString(resolution, 'tarball');
    const type = ownString(resolution, 'type');
    let source: LockedSource;
    let resolved: string | undefined;
    let localPath: string | undefined;
    const registryKey = parsed !== undefined && isExactVersion(parsed.ref);
    if (type === 'directory') {
      source = 'file';
      localPath = ownString(resolution, 'directory');
    } else if (type === 'git') {
      source = 'git';
      resolved = `${ownString(resolution, 'repo') ?? ''}#${ownString(resolution, 'commit') ?? ''}`;
    } else if (tarball?.startsWith('file:')) {
      source = 'file';
      localPath = tarball.slice('file:'.length);
    } else if (tarball !== undefined) {
      resolved = tarball;
      source = registryKey ? 'registry' : isGitUrl(tarball) || /github\.com\//.test(key) ? 'git' : isHttpUrl(tarball) ? 'remote' : 'unknown';
    } else if (resolution !== undefined && registryKey) {
      source = 'registry';
    } else {
      source = 'unknown';
    }
    if (source === 'unknown') collector.warn(key, line, `entry ${JSON.stringify(key)}: unrecognised resolution; source unknown`);
    const name = ownString(entry, 'name') ?? parsed?.name;
    // Non-registry entries record what they have (entryVersion); a registry entry without a
    // parseable key has only its version field, or is dropped for having none.
    const version = parsed === undefined && source === 'registry' ? ownString(entry, 'version') : entryVersion(key, entry, family);
    const flags: Classification = classes ? (classes.get(key) ?? { dev: false, optional: false }) : { dev: own(entry, 'dev') === true, optional: own(entry, 'optional') === true };
    collector.add(
      {
        name,
        version,
        alias: aliasOf.get(key),
        source,
        resolved,
        integrity: own(resolution, 'integrity'),
        ...flags,
        ...(localPath !== undefined ? { path: localPath } : {}),
        dependencies: family === 9 ? snapshotDeps.get(key) : dependencySpecs(entry, INSTALLED_GROUPS, packages, family),
        optionalDependencies: family === 9 ? snapshotOptional.get(key) : optionalNames(entry),
        platform: platformOf(entry),
        key,
        line,
      },
      { integrity: true },
    );
  }
  const importerDeps = (importerPath: string, groups: readonly string[]): [string, string][] =>
    dependencySpecs(own(importers, importerPath), groups, packages, family);
  addLinks(importers, doc, counter, collector, importerDeps);
  return collector.finish('pnpm', version, path, importerDeps('.', ROOT_GROUPS));
}

/**
 * `link:` dependencies of importers: workspace packages (`workspace:` specifier) or linked folders,
 * whose dependencies are those of the importer at the link's target (`importerDeps`).
 */
function addLinks(
  importers: Record<string, unknown>,
  doc: Document,
  counter: LineCounter,
  collector: LockfileCollector,
  importerDeps: (importerPath: string, groups: readonly string[]) => [string, string][],
): void {
  const hasImporters = doc.has('importers');
  const linesByMap = new Map<string, Map<string, number>>();
  for (const [importerPath, importer] of Object.entries(importers)) {
    for (const [group, dev, optional] of DEP_GROUPS) {
      for (const { name, ref, specifier } of refs(own(asRecord(importer), group))) {
        if (!ref.startsWith('link:')) continue;
        const target = posix.normalize(posix.join(importerPath, ref.slice('link:'.length)));
        const yamlPath = hasImporters ? ['importers', importerPath, group] : [group];
        const mapKey = JSON.stringify(yamlPath);
        let lines = linesByMap.get(mapKey);
        if (!lines) linesByMap.set(mapKey, (lines = keyLines(doc, yamlPath, counter)));
        const line = lines.get(name) ?? 1;
        collector.add({
          name,
          version: ref,
          source: specifier?.startsWith('workspace:') ? 'workspace' : 'link',
          path: target,
          dev,
          optional,
          dependencies: importerDeps(target, INSTALLED_GROUPS),
          key: `${yamlPath.join('/')}/${name}`,
          line,
        });
      }
    }
  }
}

/** v9: dev/optional by walking from the importers through `snapshots`, merged per `packages` key. */
function classifyV9(importers: Record<string, unknown>, snapshots: Record<string, unknown>): Map<string, Classification> {
  const roots: GraphRoots = { prod: [], dev: [] };
  for (const importer of Object.values(importers)) {
    for (const [group, dev, optional] of DEP_GROUPS) {
      for (const { name, ref } of refs(own(asRecord(importer), group))) {
        const to = refToKey(name, ref, 9)?.snapshot;
        if (to !== undefined) (dev ? roots.dev : roots.prod).push({ to, optional });
      }
    }
  }
  const edgesOf = (id: string): Edge[] => {
    const snapshot = asRecord(own(snapshots, id));
    const edges: Edge[] = [];
    for (const [group, optional] of [['dependencies', false], ['optionalDependencies', true]] as const) {
      for (const { name, ref } of refs(own(snapshot, group))) {
        const to = refToKey(name, ref, 9)?.snapshot;
        if (to !== undefined) edges.push({ to, optional });
      }
    }
    return edges;
  };
  const bySnapshot = classifyGraph(roots, edgesOf);
  const byPackage = new Map<string, Classification>();
  for (const [snapshot, c] of bySnapshot) {
    const pkg = snapshot.replace(/\(.*$/s, '');
    const seen = byPackage.get(pkg);
    byPackage.set(pkg, seen ? { dev: seen.dev && c.dev, optional: seen.optional && c.optional } : c);
  }
  return byPackage;
}
