/**
 * Platform families: the packages a parent lists as optional dependencies, one per platform, of which
 * the installer keeps the one that fits the machine (`esbuild` → `@esbuild/linux-x64`, …). To a reviewer
 * they are one thing; reports group them and a policy covers them with one glob. Families come from the
 * lockfile alone: the parents' optional edges and the members' own `os`/`cpu`/`libc`, never from names
 * we know.
 */
import type { LockedPackage, Lockfile } from './types.js';

/** The platform variants of one parent, every locked version of each. */
export interface LockedFamily {
  /** The parent's name (`esbuild`). */
  parent: string;
  /**
   * A policy glob (`@esbuild/*`) that matches every member and no other package of the lockfile;
   * absent when no such glob exists, and then a policy names the members one by one.
   */
  glob?: string;
  /** The members' names, sorted. */
  names: string[];
}

/** Characters after which a name may be cut into a glob prefix: `@esbuild/`, `@rollup/rollup-`, `lightningcss-`. */
const BOUNDARY = /[/._-]/;
/** An unscoped prefix shorter than this (`a-`) says nothing about who publishes the packages. */
const MIN_UNSCOPED_PREFIX = 4;

/** The prefixes of `name` that end at a boundary and are specific enough to stand for a publisher. */
function prefixesOf(name: string): string[] {
  const out: string[] = [];
  const scopeEnd = name.startsWith('@') ? name.indexOf('/') : -1;
  for (let i = 0; i < name.length - 1; i++) {
    if (!BOUNDARY.test(name[i]!)) continue;
    const prefix = name.slice(0, i + 1);
    if (scopeEnd !== -1 ? i >= scopeEnd : prefix.length >= MIN_UNSCOPED_PREFIX) out.push(prefix);
  }
  return out;
}

/**
 * Splits names into clusters sharing a prefix, largest first: each round takes the prefix shared by the
 * most remaining names (the longest among equals: `@rollup/rollup-` over `@rollup/`). Clusters have two
 * names at least; names that share no prefix are left out.
 */
function clusters(names: readonly string[]): { prefix: string; names: string[] }[] {
  const out: { prefix: string; names: string[] }[] = [];
  let left = [...names];
  while (left.length >= 2) {
    const counts = new Map<string, number>();
    for (const name of left) for (const prefix of prefixesOf(name)) counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
    let best: [string, number] | undefined;
    for (const [prefix, n] of counts) {
      if (n < 2) continue;
      if (best === undefined || n > best[1] || (n === best[1] && prefix.length > best[0].length) || (n === best[1] && prefix.length === best[0].length && prefix < best[0])) best = [prefix, n];
    }
    if (best === undefined) break;
    const prefix = best[0];
    out.push({ prefix, names: left.filter((n) => n.startsWith(prefix)).sort() });
    left = left.filter((n) => !n.startsWith(prefix));
  }
  return out;
}

/** `prefix*` as the policy reads a glob: `*` stays within one path segment. */
function globMatches(prefix: string, name: string): boolean {
  return name.startsWith(prefix) && !name.slice(prefix.length).includes('/');
}

/**
 * The platform families of a lockfile, by member. A parent (any locked version) whose optional
 * dependencies include two or more platform variants sharing a name prefix makes a family of them; a
 * variant is a package whose entry records `os`, `cpu` or `libc`, or — in formats that record none of
 * these (yarn classic, npm v1) — any optional dependency. A member belongs to one family (the first
 * parent in name order); a parent is never its own member.
 */
export function platformFamilies(lockfile: Lockfile): Map<LockedPackage, LockedFamily> {
  const hasPlatformData = lockfile.packages.some((p) => p.platform !== undefined);
  const installed = new Map<string, LockedPackage[]>();
  for (const p of lockfile.packages) {
    for (const name of new Set([p.name, p.alias ?? p.name])) installed.set(name, [...(installed.get(name) ?? []), p]);
  }
  const optionalOf = new Map<string, Set<string>>();
  for (const p of lockfile.packages) {
    if ((p.optionalDependencies?.length ?? 0) < 2) continue;
    const set = optionalOf.get(p.name) ?? new Set<string>();
    for (const name of p.optionalDependencies ?? []) set.add(name);
    optionalOf.set(p.name, set);
  }
  const out = new Map<LockedPackage, LockedFamily>();
  for (const parent of [...optionalOf.keys()].sort()) {
    const variants = new Map<string, LockedPackage[]>();
    for (const name of optionalOf.get(parent)!) {
      for (const p of installed.get(name) ?? []) {
        if (p.name === parent || out.has(p) || (hasPlatformData && p.platform === undefined)) continue;
        variants.set(p.name, [...(variants.get(p.name) ?? []), p]);
      }
    }
    for (const cluster of clusters([...variants.keys()])) {
      const members = new Set(cluster.names);
      const safe = lockfile.packages.every((p) => members.has(p.name) || !globMatches(cluster.prefix, p.name));
      const family: LockedFamily = { parent, ...(safe ? { glob: `${cluster.prefix}*` } : {}), names: cluster.names };
      for (const name of cluster.names) for (const p of variants.get(name) ?? []) out.set(p, family);
    }
  }
  return out;
}
