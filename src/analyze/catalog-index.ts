import { createHash } from 'node:crypto';
import { catalog as defaultCatalog, runtime as defaultRuntime } from '../../capabilities/index.js';
import type { CapabilityDefinition, RuntimeModel } from '../../capabilities/index.js';
import type { BuiltinOp } from '../../capabilities/runtime.js';
import type { UnresolvedKind } from '../../capabilities/define.js';

/**
 * Bumped whenever the engine's semantics change (what it resolves, how it reports). Together with the
 * catalog's content it forms the catalogVersion that keys cached results.
 */
export const ENGINE_VERSION = 7;

interface ModuleEntry {
  capability: string;
  /** Members (or dotted member paths) that count; null = the module as a whole. */
  members: ReadonlySet<string> | null;
  /** The module's exports, when the catalog lists them: other members are no use of its API. */
  exports: ReadonlySet<string> | null;
  /** Whether any use counts or only a call. */
  when: 'access' | 'call';
}

/** A call that counts when its predicate holds. */
export interface CallEntry {
  capability: string;
  predicate: string;
  argument?: number;
  option?: string;
  api?: string;
}

/** A capability an internal binding gives: loading it (`members` null) or using one of `members`. */
export interface BindingEntry {
  capability: string;
  members: ReadonlySet<string> | null;
}

/** Where a call's arguments are only looked at, never called. */
interface ValueArgumentEntry {
  /** Argument positions; null = every argument. */
  positions: ReadonlySet<number> | null;
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
  calls: ReadonlyMap<string, readonly CallEntry[]>;
  /** Module → dotted member path → calls of that member that count when their predicate holds. */
  moduleCalls: ReadonlyMap<string, ReadonlyMap<string, readonly CallEntry[]>>;
  /** Global paths the engine sees through as reflection, with what each does. */
  reflection: ReadonlyMap<string, string>;
  /** Global paths that resolve a module name without loading it. */
  resolvers: ReadonlySet<string>;
  /** The pure builtins the partial evaluator provides. */
  builtins: readonly { path: string; op: BuiltinOp }[];
  /** Keyed by internal binding name. */
  bindings: ReadonlyMap<string, readonly BindingEntry[]>;
  /** Bindings that give nothing. */
  inertBindings: ReadonlySet<string>;
  /** Global paths that load an internal binding by name. */
  bindingLoaders: ReadonlySet<string>;
  /** `module` → members that load an internal binding by name. */
  bindingLoaderModules: ReadonlyMap<string, ReadonlySet<string>>;
  /** Global paths whose call makes a symbol. */
  symbolFactories: ReadonlySet<string>;
  /** Global root → members that are always a symbol (`Symbol` → `iterator`). */
  symbols: ReadonlyMap<string, ReadonlySet<string>>;
  /** Global paths of call-only catalog globals (`eval`, `Function`): a value the engine follows into calls. */
  callOnlyGlobals: ReadonlySet<string>;
  /** Global functions whose arguments are only looked at. */
  valueArgumentGlobals: ReadonlyMap<string, ValueArgumentEntry>;
  /** Method names whose arguments are only looked at, on any receiver but a local object. */
  valueArgumentMethods: ReadonlyMap<string, ValueArgumentEntry>;
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
  const calls = new Map<string, CallEntry[]>();
  const moduleCalls = new Map<string, Map<string, CallEntry[]>>();
  const unresolved = new Map<UnresolvedKind, string>();
  const severity = new Map<string, string>();
  const bindings = new Map<string, BindingEntry[]>();
  const callOnlyGlobals = new Set<string>();
  let maxGlobalLength = 1;
  for (const cap of capabilities) {
    severity.set(cap.id, cap.severity);
    for (const m of cap.modules ?? []) {
      push(modules, m.name, { capability: cap.id, members: m.members ? new Set(m.members) : null, exports: m.exports ? new Set(m.exports) : null, when: m.when ?? 'access' });
    }
    for (const g of cap.globals ?? []) {
      const length = g.path.split('.').length;
      maxGlobalLength = Math.max(maxGlobalLength, length);
      push(globals, g.path, { capability: cap.id, length, when: g.when ?? 'access' });
      if (g.when === 'call') callOnlyGlobals.add(g.path);
    }
    for (const b of cap.bindings ?? []) {
      push(bindings, b.name, { capability: cap.id, members: b.members ? new Set(b.members) : null });
    }
    for (const c of cap.calls ?? []) {
      const entry: CallEntry = { capability: cap.id, predicate: c.predicate, argument: c.argument, option: c.option, api: c.api };
      if (c.module === undefined) push(calls, c.callee, entry);
      else {
        const members = moduleCalls.get(c.module) ?? new Map<string, CallEntry[]>();
        push(members, c.callee, entry);
        moduleCalls.set(c.module, members);
      }
    }
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
  const symbols = new Map<string, Set<string>>();
  for (const path of runtime.symbols) {
    const dot = path.indexOf('.');
    const root = path.slice(0, dot);
    const set = symbols.get(root) ?? new Set<string>();
    set.add(path.slice(dot + 1));
    symbols.set(root, set);
  }
  const valueArgumentGlobals = new Map<string, ValueArgumentEntry>();
  const valueArgumentMethods = new Map<string, ValueArgumentEntry>();
  for (const v of runtime.valueArguments) {
    (v.method ? valueArgumentMethods : valueArgumentGlobals).set(v.callee, { positions: v.positions ? new Set(v.positions) : null });
  }
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
    moduleCalls,
    reflection: new Map(runtime.reflection.map((r) => [r.path, r.op])),
    resolvers: new Set(runtime.resolvers),
    builtins: runtime.builtins,
    bindings,
    inertBindings: new Set(runtime.inertBindings),
    bindingLoaders: new Set(runtime.bindingLoaders),
    bindingLoaderModules: memberMap(runtime.bindingLoaderModules),
    symbolFactories: new Set(runtime.symbolFactories),
    symbols,
    callOnlyGlobals,
    valueArgumentGlobals,
    valueArgumentMethods,
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
