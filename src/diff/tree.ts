import pickManifest from 'npm-pick-manifest';
import { fetchPackument, type PackumentOptions } from '../fetch/packument.js';
import { parseRegistrySpec } from '../fetch/index.js';
import { mapLimit } from '../concurrency.js';
import type { DeclaredDependencies } from '../contract/index.js';

/** One package of a resolved production dependency tree. */
export interface TreeNode {
  name: string;
  version: string;
  /** Path from the root (exclusive) to this package (inclusive): `['dep@1.0.3', 'leaf@2.0.0']`. */
  via: string[];
}

/** Options of tree resolution. */
export interface TreeOptions {
  packuments: PackumentOptions;
  /** Resolve each range to the highest version published before this time (undefined: today's highest). */
  before?: Date;
  /** Levels below the root to follow (default: unlimited). */
  depth?: number;
  /** Packuments fetched at once. */
  concurrency?: number;
  onProgress?: (resolved: number) => void;
}

/**
 * The version of `range` a user got at `before`: the highest published by then. When none was (the
 * registry's publish times are not always consistent: express@4.21.2 pins a path-to-regexp dated after
 * it), the earliest satisfying version published later, the closest to what an installer could get.
 */
function pickAsOf(packument: Record<string, unknown>, range: string, before: Date | undefined): ReturnType<typeof pickManifest> {
  if (!before) return pickManifest(packument, range, { defaultTag: 'latest' });
  try {
    return pickManifest(packument, range, { defaultTag: 'latest', before });
  } catch (err) {
    if ((err as { code?: string }).code !== 'ETARGET') throw err;
    const time = (packument['time'] ?? {}) as Record<string, string>;
    const later = Object.keys((packument['versions'] ?? {}) as object)
      .filter((v) => time[v] !== undefined)
      .sort((a, b) => Date.parse(time[a]!) - Date.parse(time[b]!));
    for (const v of later) {
      try {
        return pickManifest(packument, range, { defaultTag: 'latest', before: new Date(Date.parse(time[v]!) + 1) });
      } catch {
        // not yet satisfiable at that date
      }
    }
    throw err;
  }
}

/** `npm:real@^1` aliases resolve as the real package; git, file and URL specs are not registry packages. */
function registryTarget(name: string, range: string): { name: string; range: string } | { error: string } {
  if (range.startsWith('npm:')) {
    try {
      const parsed = parseRegistrySpec(range.slice(4));
      return { name: parsed.name, range: parsed.fetchSpec === '' ? 'latest' : parsed.fetchSpec };
    } catch (err) {
      return { error: (err as Error).message };
    }
  }
  if (/^(git\+|git:|github:|gitlab:|bitbucket:|file:|link:|https?:|workspace:)/.test(range) || /^[\w.-]+\/[\w.-]+(#.*)?$/.test(range)) {
    return { error: `${name}@${range}: not a registry dependency; not followed` };
  }
  return { name, range: range === '' ? 'latest' : range };
}

/**
 * Resolves the production dependency tree (dependencies and optionalDependencies, followed
 * transitively) breadth-first, so each package's `via` is a shortest path. Cycles and repeats are
 * visited once. Problems (a range nothing satisfies, an unreachable packument) are collected, never thrown.
 */
export async function resolveTree(
  root: DeclaredDependencies,
  opts: TreeOptions,
): Promise<{ nodes: TreeNode[]; errors: { package: string; message: string }[] }> {
  const nodes: TreeNode[] = [];
  const errors: { package: string; message: string }[] = [];
  const seen = new Set<string>();
  const maxDepth = opts.depth ?? Infinity;
  const entries = (d: Record<string, string>) => Object.entries(d);
  let level: { name: string; range: string; via: string[] }[] = [...entries(root.dependencies), ...entries(root.optionalDependencies)].map(([name, range]) => ({ name, range, via: [] }));
  for (let depth = 1; level.length > 0 && depth <= maxDepth; depth++) {
    const resolved = await mapLimit(level, opts.concurrency ?? 8, async (item) => {
      const target = registryTarget(item.name, item.range);
      if ('error' in target) return { item, error: target.error };
      try {
        const packument = await fetchPackument(target.name, opts.packuments);
        return { item, name: target.name, manifest: pickAsOf(packument, target.range, opts.before) };
      } catch (err) {
        return { item, error: `${item.name}@${item.range}: ${(err as Error).message.split('\n')[0]}` };
      }
    });
    const nextLevel: typeof level = [];
    for (const r of resolved) {
      if ('error' in r) {
        errors.push({ package: `${r.item.name}@${r.item.range}`, message: r.error ?? 'unresolvable' });
        continue;
      }
      const id = `${r.name}@${r.manifest.version}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const via = [...r.item.via, id];
      nodes.push({ name: r.name, version: r.manifest.version, via });
      const deps = { ...((r.manifest['optionalDependencies'] as Record<string, string> | undefined) ?? {}), ...((r.manifest['dependencies'] as Record<string, string> | undefined) ?? {}) };
      for (const [name, range] of Object.entries(deps)) if (typeof range === 'string') nextLevel.push({ name, range, via });
    }
    opts.onProgress?.(nodes.length);
    level = nextLevel;
  }
  return { nodes, errors };
}
