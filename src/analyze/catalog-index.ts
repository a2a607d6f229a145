import { createHash } from 'node:crypto';
import { catalog as defaultCatalog, runtime as defaultRuntime } from '../../capabilities/index.js';
import type { CapabilityDefinition, RuntimeModel } from '../../capabilities/index.js';
import type { UnresolvedKind } from '../../capabilities/define.js';

/**
 * Bumped whenever the engine's semantics change (what it resolves, how it reports). Together with the
 * catalog's content it forms the catalogVersion that keys cached results.
 */
export const ENGINE_VERSION = 3;

interface ModuleEntry {
  capability: string;
  members: ReadonlySet<string> | null;
}

interface GlobalEntry {
  capability: string;
  /** Segments of the catalog path. */
  length: number;
  when: 'access' | 'call';
}

/** The catalog compiled into lookup tables the engine consults per site. */
export interface CatalogIndex {
  capabilities: readonly CapabilityDefinition[];
  /** Keyed by module name (no `node:`, no subpath). */
  modules: ReadonlyMap<string, readonly ModuleEntry[]>;
  /** Keyed by dotted path. */
  globals: ReadonlyMap<string, readonly GlobalEntry[]>;
  /** Longest catalog global path, in segments: bounds prefix lookups. */
  maxGlobalLength: number;
  calls: ReadonlyMap<string, readonly { capability: string; predicate: string }[]>;
  unresolved: ReadonlyMap<UnresolvedKind, string>;
  globalObjects: ReadonlySet<string>;
  requirePaths: ReadonlySet<string>;
  /** `module` → members that make a require function. */
  requireFactories: ReadonlyMap<string, ReadonlySet<string>>;
  decoders: ReadonlyMap<string, string>;
  /** `module` → members that load a module by name. */
  moduleLoaders: ReadonlyMap<string, ReadonlySet<string>>;
  /** `module` → members that run a file named by path (`null`: every member). */
  fileRunners: ReadonlyMap<string, ReadonlySet<string> | null>;
  /** Global paths holding the running module's directory. */
  moduleDirectories: ReadonlySet<string>;
  /** `module` → members that join path segments. */
  pathJoiners: ReadonlyMap<string, ReadonlySet<string>>;
  interopHelpers: ReadonlySet<string>;
  constructorOfConstructor: string;
  builtinPrefix: string;
  /** Access-globals as regular-expression sources for the lexical fallback. */
  severity: ReadonlyMap<string, string>;
  version: string;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Compiles a catalog (default: capabilities/) into an index. */
export function buildCatalogIndex(
  capabilities: readonly CapabilityDefinition[] = defaultCatalog,
  runtime: RuntimeModel = defaultRuntime,
): CatalogIndex {
  const modules = new Map<string, ModuleEntry[]>();
  const globals = new Map<string, GlobalEntry[]>();
  const calls = new Map<string, { capability: string; predicate: string }[]>();
  const unresolved = new Map<UnresolvedKind, string>();
  const severity = new Map<string, string>();
  let maxGlobalLength = 1;
  for (const cap of capabilities) {
    severity.set(cap.id, cap.severity);
    for (const m of cap.modules ?? []) {
      push(modules, m.name, { capability: cap.id, members: m.members ? new Set(m.members) : null });
    }
    for (const g of cap.globals ?? []) {
      const length = g.path.split('.').length;
      maxGlobalLength = Math.max(maxGlobalLength, length);
      push(globals, g.path, { capability: cap.id, length, when: g.when ?? 'access' });
    }
    for (const c of cap.calls ?? []) push(calls, c.callee, { capability: cap.id, predicate: c.predicate });
    for (const u of cap.unresolved ?? []) unresolved.set(u, cap.id);
  }
  const memberMap = (list: readonly { module: string; member: string }[]) => {
    const map = new Map<string, Set<string>>();
    for (const f of list) {
      const set = map.get(f.module) ?? new Set<string>();
      set.add(f.member);
      map.set(f.module, set);
    }
    return map;
  };
  const requireFactories = memberMap(runtime.requireFactories);
  const version = createHash('sha256')
    .update(JSON.stringify({ engine: ENGINE_VERSION, capabilities, runtime }))
    .digest('hex')
    .slice(0, 16);
  return {
    capabilities,
    modules,
    globals,
    maxGlobalLength,
    calls,
    unresolved,
    globalObjects: new Set(runtime.globalObjects),
    requirePaths: new Set(runtime.requirePaths),
    requireFactories,
    decoders: new Map(runtime.decoders.map((d) => [d.path, d.decode])),
    moduleLoaders: memberMap(runtime.moduleLoaders),
    fileRunners: fileRunnerMap(runtime.fileRunners),
    moduleDirectories: new Set(runtime.moduleDirectories),
    pathJoiners: memberMap(runtime.pathJoiners),
    interopHelpers: new Set(runtime.interopHelpers),
    constructorOfConstructor: runtime.constructorOfConstructor,
    builtinPrefix: runtime.builtinPrefix,
    severity,
    version,
  };
}

/** Modules (and members) that run a file by path; a module listed without a member runs files through all of them. */
function fileRunnerMap(list: RuntimeModel['fileRunners']): Map<string, Set<string> | null> {
  const map = new Map<string, Set<string> | null>();
  for (const r of list) {
    if (r.member === undefined) map.set(r.module, null);
    else if (map.get(r.module) !== null) map.set(r.module, (map.get(r.module) ?? new Set<string>()).add(r.member));
  }
  return map;
}

let defaultIndex: CatalogIndex | undefined;

/** The index of the shipped catalog, built once. */
export function defaultCatalogIndex(): CatalogIndex {
  return (defaultIndex ??= buildCatalogIndex());
}
