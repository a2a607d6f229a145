import { resolveCacheDir } from '../../cache/location.js';
import type { CacheStore } from '../../cache/store.js';
import { fetchPackument, type PackumentOptions } from '../fetch/packument.js';
import { resolveLimits } from '../limits.js';
import type { DiffReport, ScanReport } from '../contract/index.js';
import { scanPackage, type ScanOptions } from './scan.js';
import { diffDependencies } from '../diff/dependencies.js';
import { diffOwn } from '../diff/own.js';
import { riskOf } from '../diff/risk.js';
import { mapLimit } from '../concurrency.js';
import { openSession } from './session.js';
import { reachable, reachedOnlyIn } from '../diff/reach.js';
import { resolveTree, type TreeNode } from '../diff/tree.js';

/** Options of a diff. */
export interface DiffOptions extends Omit<ScanOptions, 'pool' | 'store' | 'integrity'> {
  /** `publish-time` (default): each range as a user installing the later version that day got it; `latest`: today. */
  resolve?: 'publish-time' | 'latest';
  /** Follow dependencies this many levels (default unlimited). */
  depth?: number;
  /** Resolve and scan the dependency trees (default true). */
  transitive?: boolean;
  /** Packages scanned at once. */
  concurrency?: number;
  onProgress?: (message: string) => void;
}

/**
 * What changed between two versions (or two local targets): own capabilities and findings, declared
 * dependencies, and capabilities newly reachable through the production dependency tree.
 * @throws DepcapsError when either side cannot be fetched (E_NOT_FOUND lists the closest versions).
 */
export async function diffPackages(fromTarget: string, toTarget: string, options: DiffOptions = {}): Promise<DiffReport> {
  const env = options.env ?? process.env;
  const limits = resolveLimits(options.limits, env);
  const cacheDir = resolveCacheDir(options.cacheDir, env);
  const session = openSession({ ...options, cacheDir }, env, limits);
  const { store, pool } = session;
  const scanOptions: ScanOptions = { ...options, env, limits, cacheDir, pool, store, shared: session.shared, packumentCache: new Map() };
  try {
    const [from, to] = await Promise.all([scanPackage(fromTarget, scanOptions), scanPackage(toTarget, scanOptions)]);
    const own = diffOwn(from, to);
    const transitive = options.transitive === false
      ? { added: [], removed: [], newPackages: [], resolution: 'none' as const, errors: [] }
      : await diffTrees(from, to, { ...options, env, limits, cacheDir }, scanOptions, store);
    // A capability held before at run time and now used by install-time code is a new risk too.
    const addedAll = [...new Set([...own.added, ...own.addedAtInstall, ...transitive.added.map((t) => t.capability)])];
    return {
      schemaVersion: 1,
      name: to.package.name,
      from: from.package.version,
      to: to.package.version,
      added: own.added,
      removed: own.removed,
      unchanged: own.unchanged,
      addedRuns: own.addedRuns,
      addedAtInstall: own.addedAtInstall,
      install: own.install,
      newFindings: own.newFindings,
      goneFindings: own.goneFindings,
      dependencies: diffDependencies(from.dependencies, to.dependencies),
      transitive,
      risk: riskOf(addedAll, own.newFindings.length),
      status: own.status,
      sides: own.sides,
    };
  } finally {
    await session.close();
  }
}

/** `depcaps diff <name> <from> <to>`. */
export function diffVersions(name: string, from: string, to: string, options: DiffOptions = {}): Promise<DiffReport> {
  return diffPackages(`${name}@${from}`, `${name}@${to}`, options);
}

async function diffTrees(
  from: ScanReport,
  to: ScanReport,
  options: DiffOptions & { env: NodeJS.ProcessEnv; limits: ReturnType<typeof resolveLimits>; cacheDir: string },
  scanOptions: ScanOptions,
  store: CacheStore | null,
): Promise<DiffReport['transitive']> {
  const packuments: PackumentOptions = {
    cwd: options.cwd ?? process.cwd(),
    env: options.env,
    limits: options.limits,
    ...(options.registry ? { registry: options.registry } : {}),
    ...(store ? { store } : {}),
    ...(options.offline ? { offline: true } : {}),
    ...(options.refresh ? { refresh: true } : {}),
  };
  let before: Date | undefined;
  let resolution: 'publish-time' | 'latest' = 'latest';
  if (options.resolve !== 'latest' && to.package.source === 'registry') {
    const time = (await fetchPackument(to.package.name, packuments))['time'] as Record<string, string> | undefined;
    const published = time?.[to.package.version];
    if (published && !Number.isNaN(Date.parse(published))) {
      // A range resolves to what was published up to the later version's release (inclusive).
      before = new Date(Date.parse(published) + 1);
      resolution = 'publish-time';
    }
  }
  const treeOptions = { packuments, ...(before ? { before } : {}), ...(options.depth !== undefined ? { depth: options.depth } : {}) };
  options.onProgress?.('resolving dependency trees');
  const [oldTree, newTree] = await Promise.all([resolveTree(from.dependencies, treeOptions), resolveTree(to.dependencies, treeOptions)]);
  const all = new Map<string, TreeNode>();
  for (const n of [...oldTree.nodes, ...newTree.nodes]) all.set(`${n.name}@${n.version}`, n);
  const errors = [...oldTree.errors, ...newTree.errors];
  const caps = new Map<string, string[]>();
  let done = 0;
  await mapLimit([...all.keys()], options.concurrency ?? 4, async (id) => {
    try {
      const r = await scanPackage(id, scanOptions);
      caps.set(id, r.capabilities);
      if (r.status !== 'ok') errors.push({ package: id, message: `${r.errors.length} file(s) not fully analysed` });
    } catch (err) {
      errors.push({ package: id, message: (err as Error).message });
    }
    options.onProgress?.(`scanned ${++done}/${all.size} dependencies`);
  });
  const capsOf = (n: TreeNode) => caps.get(`${n.name}@${n.version}`) ?? [];
  const oldCaps = reachable(oldTree.nodes, capsOf);
  const newCaps = reachable(newTree.nodes, capsOf);
  const oldIds = new Set(oldTree.nodes.map((n) => `${n.name}@${n.version}`));
  const newPackages = newTree.nodes
    .filter((n) => !oldIds.has(`${n.name}@${n.version}`))
    .map((n) => ({ package: `${n.name}@${n.version}`, capabilities: caps.get(`${n.name}@${n.version}`) ?? [], via: n.via }))
    .sort((a, b) => (a.package < b.package ? -1 : 1));
  return {
    added: reachedOnlyIn(newCaps, oldCaps),
    removed: reachedOnlyIn(oldCaps, newCaps),
    newPackages,
    resolution,
    errors: errors.sort((a, b) => (a.package < b.package ? -1 : 1)),
  };
}
