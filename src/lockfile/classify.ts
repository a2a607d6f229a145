/**
 * dev/optional classification by walking the dependency graph, for lockfiles that do not record
 * it (yarn, pnpm v9, bun): a package is dev when no production root reaches it, and optional when
 * every path that reaches it (from production roots, or for dev packages from any root) crosses an
 * optional edge. This is npm's definition of its `dev` / `optional` / `devOptional` flags.
 */

/** One dependency edge to a node id. */
export interface Edge {
  to: string;
  optional: boolean;
}

/** What the walk found for one node. */
export interface Classification {
  dev: boolean;
  optional: boolean;
}

/** Roots of the walk: the workspaces' dependencies, split into production and dev. */
export interface GraphRoots {
  prod: Edge[];
  dev: Edge[];
}

/** Node ids reachable from `start`, following optional edges only when `withOptional`. Iterative: graphs can be deep. */
function reach(start: readonly Edge[], edgesOf: (id: string) => readonly Edge[], withOptional: boolean): Set<string> {
  const seen = new Set<string>();
  const stack: string[] = [];
  for (const e of start) if (withOptional || !e.optional) stack.push(e.to);
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const e of edgesOf(id)) if ((withOptional || !e.optional) && !seen.has(e.to)) stack.push(e.to);
  }
  return seen;
}

/**
 * Classifies every node reachable from `roots`. With `all` (every node id of the lockfile), the nodes
 * the roots do not reach are classified from the lockfile's own graph: a yarn classic workspace's
 * dependencies, or any lockfile read without its package.json, have no known root. Each of those
 * that nothing in the lockfile depends on is somebody's direct dependency and counts as a required
 * production root; what only optional edges lead to from there is optional (`@esbuild/linux-x64`
 * under a workspace's esbuild). Nodes reached by nothing at all (a cycle) get no entry: callers
 * treat them as production and required, the safe side (they are audited, never skipped).
 */
export function classifyGraph(roots: GraphRoots, edgesOf: (id: string) => readonly Edge[], all?: Iterable<string>): Map<string, Classification> {
  const prodAny = reach(roots.prod, edgesOf, true);
  const prodRequired = reach(roots.prod, edgesOf, false);
  const anyAny = reach([...roots.prod, ...roots.dev], edgesOf, true);
  const anyRequired = reach([...roots.prod, ...roots.dev], edgesOf, false);
  const out = new Map<string, Classification>();
  for (const id of anyAny) {
    const dev = !prodAny.has(id);
    out.set(id, { dev, optional: dev ? !anyRequired.has(id) : !prodRequired.has(id) });
  }
  if (all === undefined) return out;
  const unreached = [...all].filter((id) => !anyAny.has(id));
  if (unreached.length === 0) return out;
  // Edges into unreached nodes come only from unreached nodes: the roots' walk follows every edge.
  const depended = new Set<string>();
  for (const id of unreached) for (const e of edgesOf(id)) depended.add(e.to);
  const tops: Edge[] = unreached.filter((id) => !depended.has(id)).map((to) => ({ to, optional: false }));
  const topAny = reach(tops, edgesOf, true);
  const topRequired = reach(tops, edgesOf, false);
  for (const id of topAny) if (!out.has(id)) out.set(id, { dev: false, optional: !topRequired.has(id) });
  return out;
}

/**
 * Root edges from a manifest's `dependencies`, `optionalDependencies` and `devDependencies`,
 * through `resolve` (name and range to node id; undefined when the lockfile has no such entry).
 * A name in both `dependencies` and `devDependencies` is production, as npm installs it.
 */
export function manifestRoots(
  manifest: Record<string, unknown>,
  resolve: (name: string, range: string) => string | undefined,
): GraphRoots {
  const roots: GraphRoots = { prod: [], dev: [] };
  const field = (name: string): [string, string][] => {
    const v = manifest[name];
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.entries(v as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string')
      : [];
  };
  const prodNames = new Set<string>();
  for (const [group, optional] of [['dependencies', false], ['optionalDependencies', true]] as const) {
    for (const [name, range] of field(group)) {
      prodNames.add(name);
      const to = resolve(name, range);
      if (to !== undefined) roots.prod.push({ to, optional });
    }
  }
  for (const [name, range] of field('devDependencies')) {
    if (prodNames.has(name)) continue;
    const to = resolve(name, range);
    if (to !== undefined) roots.dev.push({ to, optional: false });
  }
  return roots;
}

/** The diagnostic text used when no package.json says which dependencies are dev. */
export const NO_MANIFEST_MESSAGE =
  'no package.json next to the lockfile, and this format does not record dev dependencies: every package is marked dev: false';
