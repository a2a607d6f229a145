/**
 * Reader of yarn classic (v1) `yarn.lock`, parsed by the yarn project's own parser
 * (`@yarnpkg/lockfile`). The format records no dev flags: packages are classified by walking
 * from the root package.json's dependencies and devDependencies, which are also the project's
 * direct dependencies (`root`): yarn.lock has no record of the project itself, nor of workspaces.
 */
import { createRequire } from 'node:module';
import { DepcapsError } from '../errors.js';
import { groupEntries, INSTALLED_GROUPS, LockfileCollector, optionalNames, ROOT_GROUPS, sha1HexToIntegrity, type ReaderOptions } from './entry.js';
import { isGitRange, isGitUrl, isHttpUrl, isRegistryTarballUrl } from './source.js';
import { classifyGraph, manifestRoots, NO_MANIFEST_MESSAGE, type Classification, type Edge } from './classify.js';
import { asRecord, assertNoConflictMarkers, own, parserMessage, stringEntries, stripBom } from './text.js';
import type { LockedSource, Lockfile } from './types.js';

// A webpack bundle whose `default` export is not the API: loaded with require(), the same
// object under Node and under test transforms.
const yarnLockfile = createRequire(import.meta.url)('@yarnpkg/lockfile') as typeof import('@yarnpkg/lockfile');

/** Splits a descriptor `name@range` (`@scope/name@range`, `alias@npm:real@^1`) at its first `@` after the name. */
export function splitDescriptor(descriptor: string): { name: string; range: string } {
  const at = descriptor.indexOf('@', 1);
  return at === -1 ? { name: descriptor, range: '' } : { name: descriptor.slice(0, at), range: descriptor.slice(at + 1) };
}

/** Splits a header line (`"a@^1", a@^1.1:`) into its unquoted descriptors. A scanner, not a regex: headers are hostile input. */
export function headerDescriptors(line: string): string[] {
  let body = line.trimEnd();
  if (body.endsWith(':')) body = body.slice(0, -1);
  const out: string[] = [];
  let i = 0;
  while (i < body.length) {
    while (body[i] === ' ' || body[i] === '\t') i++;
    if (i >= body.length) break;
    if (body[i] === '"') {
      let value = '';
      let j = i + 1;
      for (; j < body.length && body[j] !== '"'; j++) {
        if (body[j] === '\\' && j + 1 < body.length) j++;
        value += body[j];
      }
      out.push(value);
      const comma = body.indexOf(',', j);
      i = comma === -1 ? body.length : comma + 1;
    } else {
      const comma = body.indexOf(',', i);
      const end = comma === -1 ? body.length : comma;
      out.push(body.slice(i, end).trim());
      i = end + 1;
    }
  }
  return out;
}

/** Line of each descriptor: entry headers are the unindented lines that are not comments. */
export function headerLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineNo++;
    const c = text.charCodeAt(start);
    // Not indented, not a comment, not blank.
    if (end > start && c !== 0x20 && c !== 0x09 && c !== 0x23 && c !== 0x0d) {
      for (const d of headerDescriptors(text.slice(start, end).replace(/\r$/, ''))) if (!lines.has(d)) lines.set(d, lineNo);
    }
    start = end + 1;
  }
  return lines;
}

/**
 * Parses a yarn classic `yarn.lock`.
 * @throws DepcapsError E_LOCKFILE for merge conflicts and text the yarn parser rejects.
 */
export function parseYarnClassic(text: string, path: string, opts: ReaderOptions = {}): Lockfile {
  text = stripBom(text);
  assertNoConflictMarkers(text, path);
  let parsed: ReturnType<typeof yarnLockfile.parse>;
  try {
    parsed = yarnLockfile.parse(text, path);
  } catch (err) {
    throw new DepcapsError('E_LOCKFILE', `${path} is not a valid yarn.lock: ${parserMessage(err)}`, { cause: err });
  }
  const data = asRecord(parsed.object) ?? {};
  const collector = new LockfileCollector();
  const lines = headerLines(text);

  // One entry object per header; every descriptor of the header points to it.
  const idOf = new Map<object, string>();
  const descriptorToId = new Map<string, string>();
  const entries: { id: string; entry: Record<string, unknown> }[] = [];
  for (const [descriptor, value] of Object.entries(data)) {
    const entry = asRecord(value);
    if (!entry) {
      collector.warn(descriptor, lines.get(descriptor), `entry ${JSON.stringify(descriptor)} is not an object; ignored`);
      continue;
    }
    let id = idOf.get(entry);
    if (id === undefined) {
      id = descriptor;
      idOf.set(entry, id);
      entries.push({ id, entry });
    }
    descriptorToId.set(descriptor, id);
  }

  const classes = classify(entries, descriptorToId, opts, collector);
  for (const { id, entry } of entries) {
    const { name: installName, range } = splitDescriptor(id);
    const line = lines.get(id) ?? 1;
    let name = installName;
    if (range.startsWith('npm:')) name = splitDescriptor(range.slice('npm:'.length)).name;
    const version = own(entry, 'version');
    let resolved: unknown = own(entry, 'resolved');
    let integrity: unknown = own(entry, 'integrity');
    // yarn appends the tarball's sha1 as a fragment: keep the URL clean, and use the hash when
    // the entry has no integrity (lockfiles written before yarn 1.10).
    if (typeof resolved === 'string' && isHttpUrl(resolved)) {
      const hash = resolved.indexOf('#');
      if (hash !== -1) {
        const sri = sha1HexToIntegrity(resolved.slice(hash + 1));
        if (sri !== undefined) {
          resolved = resolved.slice(0, hash);
          integrity ??= sri;
        }
      }
    }
    const { source, path: localPath } = sourceOf(name, range, version, resolved);
    const flags: Classification = classes.get(id) ?? { dev: false, optional: false };
    collector.add(
      {
        name,
        version,
        alias: installName,
        source,
        resolved: source === 'file' || source === 'link' ? undefined : resolved,
        integrity,
        ...flags,
        ...(localPath !== undefined ? { path: localPath } : {}),
        dependencies: groupEntries(entry, INSTALLED_GROUPS),
        // yarn classic records no os/cpu: its platform variants are known by their parents' optional edges only.
        optionalDependencies: optionalNames(entry),
        key: id,
        line,
      },
      { integrity: true, resolved: true },
    );
  }
  return collector.finish('yarn-classic', '1', path, groupEntries(opts.rootManifest, ROOT_GROUPS));
}

function sourceOf(name: string, range: string, version: unknown, resolved: unknown): { source: LockedSource; path?: string } {
  if (range.startsWith('file:')) return { source: 'file', path: range.slice('file:'.length) };
  if (range.startsWith('link:')) return { source: 'link', path: range.slice('link:'.length) };
  const url = typeof resolved === 'string' ? resolved : '';
  if (isGitRange(range) || isGitUrl(url)) return { source: 'git' };
  if (isHttpUrl(range)) return { source: 'remote' };
  if (url === '' || (isHttpUrl(url) && isRegistryTarballUrl(url, name, version))) return { source: 'registry' };
  return { source: isHttpUrl(url) ? 'remote' : 'unknown' };
}

/**
 * dev/optional from the graph: yarn.lock itself does not say. dev needs the root manifest's
 * devDependencies; optional comes from the entries' own `optionalDependencies` edges, also for what
 * only workspaces reach (classic records no workspace) or when there is no manifest.
 */
function classify(
  entries: { id: string; entry: Record<string, unknown> }[],
  descriptorToId: Map<string, string>,
  opts: ReaderOptions,
  collector: LockfileCollector,
): Map<string, Classification> {
  if (!opts.rootManifest) collector.warn('', undefined, NO_MANIFEST_MESSAGE);
  const edges = new Map<string, Edge[]>();
  for (const { id, entry } of entries) {
    const list: Edge[] = [];
    for (const [group, optional] of [['dependencies', false], ['optionalDependencies', true]] as const) {
      for (const [dep, range] of stringEntries(own(entry, group))) {
        const to = descriptorToId.get(`${dep}@${range}`);
        if (to !== undefined) list.push({ to, optional });
      }
    }
    edges.set(id, list);
  }
  const roots = opts.rootManifest ? manifestRoots(opts.rootManifest, (dep, range) => descriptorToId.get(`${dep}@${range}`)) : { prod: [], dev: [] };
  return classifyGraph(roots, (id) => edges.get(id) ?? [], edges.keys());
}
