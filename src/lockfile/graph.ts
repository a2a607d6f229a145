/**
 * The dependency graph of a lockfile, from its entries' recorded dependencies alone (no registry):
 * which locked package each `name: spec` resolves to, the project's roots, shortest paths. Built
 * lazily and memoised: lockfiles of thousands of packages are walked once, not once per question.
 */
import semver from 'semver';
import { keySegments } from './bun.js';
import { checkPackageName, isExactVersion } from './entry.js';
import type { LockedPackage, Lockfile } from './types.js';

/** Questions about a lockfile's dependency graph; packages are those of the lockfile it was built from. */
export interface LockGraph {
  /** The locked packages a package's dependencies resolve to (unresolvable names are skipped). */
  dependenciesOf(pkg: LockedPackage): LockedPackage[];
  /** The project's direct dependencies, resolved, then its workspace packages (they are part of the project). */
  roots(): LockedPackage[];
  /** Shortest path from the project to `pkg`, as `name@version` ids, `pkg` included (`['express@4.21.2', 'body-parser@1.20.3']`); `[id]` when nothing leads to it. */
  pathTo(pkg: LockedPackage): string[];
  /** Packages reachable from `pkg` (exclusive) breadth-first, each with its shortest path from `pkg` (exclusive) to it (inclusive). */
  subtree(pkg: LockedPackage): { pkg: LockedPackage; via: string[] }[];
}

/** What a dependency spec asks for: another package's name for aliases, and a version range or exact version. */
interface Wanted {
  name?: string;
  range: string;
}

/** How a `name: spec` pair resolves when the layout does not say: see {@link buildGraph}. */
interface Choice {
  wanted: Wanted;
  /** More than one candidate: the layout's lookup is asked first. */
  several: boolean;
  /** Some candidate's version satisfies the spec. */
  anyFits: boolean;
  best: LockedPackage | undefined;
}

/** semver's MAX_LENGTH: longer specs are never handed to semver (lockfiles are hostile input). */
const MAX_RANGE_LENGTH = 256;
const NM = 'node_modules/';

/**
 * Reads the specs lockfiles record: `npm:real@^1` (an alias), berry's `npm:^1`, `virtual:…#npm:^1`
 * and `patch:real@npm%3A^1#…` (a peer-bound or patched copy of what follows), anything else as is.
 */
function parseSpec(spec: string, depth = 0): Wanted {
  if (depth > 4) return { range: spec };
  if (spec.startsWith('npm:')) {
    const rest = spec.slice('npm:'.length);
    const at = rest.indexOf('@', 1);
    if (at > 0) return { name: rest.slice(0, at), range: rest.slice(at + 1) };
    return checkPackageName(rest) === undefined && !validRange(rest) ? { name: rest, range: '' } : { range: rest };
  }
  const hash = spec.indexOf('#');
  if (spec.startsWith('virtual:') && hash !== -1) return parseSpec(spec.slice(hash + 1), depth + 1);
  if (spec.startsWith('patch:') && hash !== -1) {
    let inner: string;
    try {
      inner = decodeURIComponent(spec.slice('patch:'.length, hash));
    } catch {
      return { range: spec };
    }
    const at = inner.indexOf('@', 1);
    if (at === -1) return { range: spec };
    return { ...parseSpec(inner.slice(at + 1), depth + 1), name: inner.slice(0, at) };
  }
  return { range: spec };
}

function validRange(range: string): boolean {
  return range.length <= MAX_RANGE_LENGTH && semver.validRange(range) !== null;
}

/** True/false when `range` is a semver range that `version` does or does not satisfy; undefined when it is no range. */
function fits(version: string, range: string): boolean | undefined {
  if (!validRange(range)) return undefined;
  return isExactVersion(version) && semver.satisfies(version, range, { includePrerelease: true });
}

/** Semver order; versions that are not semver (links, URLs) sort below every semver version. */
function compareVersions(a: string, b: string): number {
  const va = isExactVersion(a);
  const vb = isExactVersion(b);
  if (va && vb) return semver.compare(a, b);
  return va ? 1 : vb ? -1 : a < b ? -1 : a > b ? 1 : 0;
}

function highest(candidates: readonly LockedPackage[]): LockedPackage | undefined {
  let best: LockedPackage | undefined;
  for (const c of candidates) if (best === undefined || compareVersions(c.version, best.version) > 0) best = c;
  return best;
}

/** Finds the package the lockfile itself says `from` (undefined = the project) gets for `name: spec`. */
type Locate = (from: LockedPackage | undefined, name: string, spec: string) => LockedPackage | undefined;

/** The folder above an npm location: `node_modules/a/node_modules/@s/b` → `node_modules/a`, `packages/w` → `packages`. */
function npmParentFolder(dir: string): string {
  const at = dir.lastIndexOf(NM);
  if (at !== -1 && (at === 0 || dir[at - 1] === '/')) {
    const start = at + NM.length;
    const slash = dir.indexOf('/', start);
    const oneName = dir[start] === '@' ? slash !== -1 && dir.indexOf('/', slash + 1) === -1 : slash === -1;
    if (oneName) return at === 0 ? '' : dir.slice(0, at - 1);
  }
  const slash = dir.lastIndexOf('/');
  return slash === -1 ? '' : dir.slice(0, slash);
}

/** Where a layout installs a package: the folder whose node_modules holds it, and the name it is installed under. */
type Place = { folder: string; name: string } | undefined;

/**
 * Node's lookup over a nested layout: from the dependent's own folder up to the project, the first
 * folder that installs `name`. It runs for every edge to a name installed more than once.
 */
function nestedLocate(
  lockfile: Lockfile,
  placeOf: (key: string) => Place,
  parentFolder: (folder: string) => string,
  startOf: (from: LockedPackage, hasInstalls: (folder: string) => boolean) => string,
): Locate {
  const inFolder = new Map<string, Map<string, LockedPackage>>();
  for (const p of lockfile.packages) {
    const place = placeOf(p.key);
    if (place === undefined) continue;
    let names = inFolder.get(place.folder);
    if (names === undefined) inFolder.set(place.folder, (names = new Map()));
    names.set(place.name, p);
  }
  const hasInstalls = (folder: string): boolean => inFolder.has(folder);
  return (from, name) => {
    let folder = from === undefined ? '' : startOf(from, hasInstalls);
    // Each parent is a strict prefix: the walk ends at the project ('').
    for (;;) {
      const hit = inFolder.get(folder)?.get(name);
      if (hit !== undefined || folder === '') return hit;
      folder = parentFolder(folder);
    }
  };
}

/**
 * npm: `node_modules/a/node_modules/b` looks in `…/b/node_modules`, `node_modules/a/node_modules`,
 * `node_modules`. A link (workspace, `file:` folder) looks from its target folder when the
 * lockfile installs anything there (`packages/w/node_modules/x`).
 */
function npmLocate(lockfile: Lockfile): Locate {
  const placeOf = (key: string): Place => {
    const at = key.lastIndexOf(NM);
    if (at === -1 || (at > 0 && key[at - 1] !== '/')) return undefined;
    return { folder: key.slice(0, Math.max(0, at - 1)), name: key.slice(at + NM.length) };
  };
  return nestedLocate(lockfile, placeOf, npmParentFolder, (from, hasInstalls) => (from.path !== undefined && hasInstalls(from.path) ? from.path : from.key));
}

/** bun: the same lookup over its `packages` keys (`prod-a/shared` is `shared` nested under `prod-a`). */
function bunLocate(lockfile: Lockfile): Locate {
  const placeOf = (key: string): Place => {
    const segments = keySegments(key);
    return { folder: segments.slice(0, -1).join('/'), name: segments[segments.length - 1] ?? key };
  };
  return nestedLocate(lockfile, placeOf, (folder) => keySegments(folder).slice(0, -1).join('/'), (from) => from.key);
}

/**
 * yarn: entries are keyed by the descriptors (`name@spec`) that resolve to them, so a dependency
 * finds its entry by name and spec. Classic keeps only the first descriptor of a header as the key
 * (berry keeps the whole list): a miss falls back to the version rules.
 */
function yarnLocate(lockfile: Lockfile): Locate {
  const at = new Map<string, LockedPackage>();
  for (const p of lockfile.packages) for (const descriptor of p.key.split(',')) at.set(descriptor.trim(), p);
  return (_from, name, spec) => at.get(`${name}@${spec}`);
}

const idOf = (p: LockedPackage): string => `${p.name}@${p.version}`;

/**
 * Builds the dependency graph of a lockfile. A dependency `name: spec` resolves among the packages
 * installed under `name` (the alias's target when `name` has none): the only one; else the one
 * the lockfile's layout gives (npm and bun: node_modules lookup from the dependent; yarn: the
 * entry keyed `name@spec`); else the one whose version is the spec (pnpm records exact versions),
 * the highest that satisfies it, or the highest.
 */
export function buildGraph(lockfile: Lockfile): LockGraph {
  const installedAs = new Map<string, LockedPackage[]>();
  const index = (name: string, p: LockedPackage): void => {
    const list = installedAs.get(name);
    if (list === undefined) installedAs.set(name, [p]);
    else if (!list.includes(p)) list.push(p);
  };
  for (const p of lockfile.packages) {
    index(p.alias ?? p.name, p);
    index(p.name, p);
  }
  const locators: Partial<Record<Lockfile['format'], (l: Lockfile) => Locate>> = {
    npm: npmLocate,
    bun: bunLocate,
    'yarn-classic': yarnLocate,
    'yarn-berry': yarnLocate,
  };
  const locate = locators[lockfile.format]?.(lockfile);
  // semver parses its arguments on every call; lockfiles repeat the same (version, range) pairs.
  const fitsMemo = new Map<string, boolean | undefined>();
  const fitsOf = (version: string, range: string): boolean | undefined => {
    const key = `${range}\u0000${version}`;
    if (fitsMemo.has(key)) return fitsMemo.get(key);
    const result = fits(version, range);
    fitsMemo.set(key, result);
    return result;
  };

  /**
   * What `name: spec` resolves to wherever it is required from, once per pair: the candidates are
   * scanned once, not once per dependent (a hostile lockfile can hold thousands of copies).
   */
  const choices = new Map<string, Map<string, Choice>>();
  const choiceOf = (name: string, spec: string): Choice => {
    let bySpec = choices.get(name);
    if (bySpec === undefined) choices.set(name, (bySpec = new Map()));
    let choice = bySpec.get(spec);
    if (choice !== undefined) return choice;
    const wanted = parseSpec(spec);
    const under = installedAs.get(name) ?? [];
    let candidates = wanted.name === undefined ? under : under.filter((c) => c.name === wanted.name);
    if (candidates.length === 0 && wanted.name !== undefined) candidates = (installedAs.get(wanted.name) ?? []).filter((c) => c.name === wanted.name);
    const satisfying = candidates.length > 1 ? candidates.filter((c) => fitsOf(c.version, wanted.range) === true) : [];
    const best = candidates.length <= 1 ? candidates[0] : (candidates.find((c) => c.version === wanted.range) ?? highest(satisfying) ?? highest(candidates));
    choice = { wanted, several: candidates.length > 1, anyFits: satisfying.length > 0, best };
    bySpec.set(spec, choice);
    return choice;
  };

  const resolve = (from: LockedPackage | undefined, name: string, spec: string): LockedPackage | undefined => {
    // Most names are installed once and most specs name no other package: nothing to choose.
    const under = installedAs.get(name);
    if (under?.length === 1 && !spec.includes(':')) return under[0];
    const { wanted, several, anyFits, best } = choiceOf(name, spec);
    if (!several) return best;
    const found = locate?.(from, name, spec);
    // Installed under `name`, and the aliased package when the spec names one.
    if (found !== undefined && (found.name === name || found.alias === name) && (wanted.name === undefined || found.name === wanted.name)) {
      // Copies of one version installed at several places are one entry, kept under its first
      // key: lookup from a dependent whose nearest copy was merged away finds the next one up,
      // maybe another version. One the spec does not allow is then wrong, unless none is allowed.
      if (fitsOf(found.version, wanted.range) !== false || !anyFits) return found;
    }
    return best;
  };

  const resolveAll = (from: LockedPackage | undefined, deps: Record<string, string> | undefined): LockedPackage[] => {
    const out: LockedPackage[] = [];
    if (deps === undefined) return out;
    for (const name of Object.keys(deps)) {
      const to = resolve(from, name, deps[name] as string);
      if (to !== undefined && !out.includes(to)) out.push(to);
    }
    return out;
  };

  /** Per package, computed once: its id and its resolved dependencies. */
  const nodes = new Map<LockedPackage, { id: string; edges?: LockedPackage[] }>();
  const nodeOf = (pkg: LockedPackage): { id: string; edges?: LockedPackage[] } => {
    let node = nodes.get(pkg);
    if (node === undefined) nodes.set(pkg, (node = { id: idOf(pkg) }));
    return node;
  };
  const edgesOf = (pkg: LockedPackage): LockedPackage[] => {
    const node = nodeOf(pkg);
    return (node.edges ??= resolveAll(pkg, pkg.dependencies));
  };

  let rootList: LockedPackage[] | undefined;
  const rootsOf = (): LockedPackage[] => {
    if (rootList === undefined) {
      rootList = resolveAll(undefined, lockfile.root);
      for (const p of lockfile.packages) if (p.source === 'workspace' && !rootList.includes(p)) rootList.push(p);
    }
    return rootList;
  };

  /** Breadth-first from `start` (each at depth 1), never entering `skip`: each reached package's predecessor. */
  const walk = (start: readonly LockedPackage[], skip?: LockedPackage): Map<LockedPackage, LockedPackage | null> => {
    const parent = new Map<LockedPackage, LockedPackage | null>();
    const queue: LockedPackage[] = [];
    for (const p of start) {
      if (p !== skip && !parent.has(p)) {
        parent.set(p, null);
        queue.push(p);
      }
    }
    for (let i = 0; i < queue.length; i++) {
      const from = queue[i] as LockedPackage;
      for (const to of edgesOf(from)) {
        if (to !== skip && !parent.has(to)) {
          parent.set(to, from);
          queue.push(to);
        }
      }
    }
    return parent;
  };

  const idFor = (p: LockedPackage): string => nodeOf(p).id;
  /** The path the walk took to `pkg`, from its start (inclusive). */
  const pathIn = (parent: Map<LockedPackage, LockedPackage | null>, pkg: LockedPackage): string[] => {
    const path: string[] = [];
    for (let p: LockedPackage | null | undefined = pkg; p; p = parent.get(p)) path.push(idFor(p));
    return path.reverse();
  };

  let fromRoots: Map<LockedPackage, LockedPackage | null> | undefined;
  return {
    dependenciesOf: (pkg) => [...edgesOf(pkg)],
    roots: () => [...rootsOf()],
    pathTo(pkg) {
      fromRoots ??= walk(rootsOf());
      return fromRoots.has(pkg) ? pathIn(fromRoots, pkg) : [idFor(pkg)];
    },
    subtree(pkg) {
      const parent = walk(edgesOf(pkg), pkg);
      return [...parent.keys()].map((p) => ({ pkg: p, via: pathIn(parent, p) }));
    },
  };
}
