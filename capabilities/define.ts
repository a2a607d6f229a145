/**
 * The shape of a capability: pure data read by the engine. A catalog entry never contains a function.
 * Adding a capability = adding one file that default-exports `defineCapability({...})`, registering it in
 * index.ts, and adding its test table under test/capabilities/.
 */

export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** A module whose use grants the capability. */
export interface ModuleMatcher {
  /** Specifier without `node:`; the engine also matches `node:x` and subpaths `x/…` (e.g. `fs/promises`). */
  name: string;
  /** Members that count (first member after the module); omitted = importing the module already counts. */
  members?: readonly string[];
}

/**
 * A Node.js internal binding loaded by name through one of the runtime model's binding loaders
 * (`process.binding('spawn_sync')`, `process._linkedBinding(…)`): the native half of a builtin module,
 * reachable without importing the module. Names as Node registers them (src/node_binding.cc).
 */
export interface BindingMatcher {
  name: string;
  /** Members that count (first member after the binding); omitted = loading the binding already counts. */
  members?: readonly string[];
}

/** A global reached directly or through globalThis/global/window/self, aliases and computed keys. */
export interface GlobalMatcher {
  /** Dotted path rooted at a global: `fetch`, `process.env`, `WebAssembly.instantiate`. */
  path: string;
  /** `access` (default): any reference counts (except a `typeof` probe); `call`: only calling or constructing it. */
  when?: 'access' | 'call';
}

/** A call that counts only when a closed-set predicate (implemented once in the engine) holds on its arguments. */
export interface CallMatcher {
  /** Dotted global path of the callee. */
  callee: string;
  predicate: 'firstArgIsString';
}

/** package.json / build-file facts. */
export interface ManifestMatcher {
  /** Lifecycle scripts that run on `npm install`. */
  scripts?: readonly string[];
  /** A file at the package root that implies `node-gyp rebuild` when no install script is declared. */
  impliedInstallFile?: string;
  /** The package.json flag that says the same (`gypfile`). */
  impliedInstallFlag?: string;
  /** A file whose mere presence grants the capability (`binding.gyp` for native). */
  presenceFiles?: readonly string[];
  /** Shell commands named in the `api` of a script finding: label → regular expression source (bounded, linear). */
  commands?: Readonly<Record<string, string>>;
}

/** Files recognised by extension or magic bytes. */
export interface FileMatcher {
  extensions?: readonly string[];
  /** Label → magic bytes at offset 0, hex. */
  magic?: Readonly<Record<string, string>>;
}

/** A function that writes a property of an object other than by assignment: `Object.defineProperty`. */
export interface PropertyWriter {
  /** Dotted global path of the function (`Reflect.set`); or, with `method`, the name of a method of the object itself. */
  callee?: string;
  /** A method called on the object whose property it writes: `window.__defineGetter__('fetch', …)`. */
  method?: string;
  /** Argument index of the object written to (omitted with `method`: the receiver). */
  object?: number;
  /** Argument index of the property key. */
  key?: number;
  /** Argument index of an object literal whose keys are the properties written (`Object.defineProperties`). */
  properties?: number;
}

/** Globals whose replacement or redefinition grants the capability (assignment, deletion, property writers). */
export interface TamperMatcher {
  /**
   * Dotted global paths, reached like `globals` (globalThis, window, aliases, computed keys). A final `*`
   * stands for any one member (`XMLHttpRequest.prototype.*`), including one whose name does not fold.
   */
  targets: readonly string[];
  /** The functions besides `=` and `delete` that write a property. */
  writers: readonly PropertyWriter[];
}

/**
 * Measurable properties of deliberately obfuscated code, a closed set measured once in the engine
 * (src/analyze/obfuscation.ts). Minifiers and bundlers produce none of them.
 */
export type ObfuscationSignal =
  | 'hex-identifiers'
  | 'string-array'
  | 'control-flow-flattening'
  | 'escaped-strings'
  | 'jsfuck'
  | 'coercion-strings'
  | 'eval-packer';

/** When a signal fires in a file: its measure reaches `min` (and, where the signal has one, its share reaches `share`). */
export interface ObfuscationThreshold {
  min: number;
  share?: number;
}

/** Obfuscation signals and their thresholds; a file is reported once per signal that fires, where it first fired. */
export interface ObfuscationMatcher {
  signals: Readonly<Partial<Record<ObfuscationSignal, ObfuscationThreshold>>>;
}

/** What the engine could not resolve statically and reports instead of dropping. */
export type UnresolvedKind = 'require' | 'import' | 'global-member' | 'binding';

export interface CapabilityDefinition {
  /** Kebab-case id; part of the JSON contract. */
  id: string;
  title: string;
  /** One line. */
  description: string;
  severity: Severity;
  /** Why it matters to a reviewer. */
  docs: string;
  modules?: readonly ModuleMatcher[];
  /** Internal bindings that give what `modules` give; bindings no capability lists and the runtime model does not call inert are reported as unresolved. */
  bindings?: readonly BindingMatcher[];
  globals?: readonly GlobalMatcher[];
  calls?: readonly CallMatcher[];
  manifest?: ManifestMatcher;
  files?: FileMatcher;
  /** Writes that replace a catalog global (`globalThis.fetch = …`). */
  tamper?: TamperMatcher;
  /** Deliberate obfuscation of the file itself. */
  obfuscation?: ObfuscationMatcher;
  /** Sites the engine cannot resolve are reported under this capability. */
  unresolved?: readonly UnresolvedKind[];
  /** One snippet that flags and one that does not, for docs and meta-tests. */
  examples: { flags: string; ok: string };
}

/** Identity helper that type-checks a catalog entry. */
export function defineCapability<T extends CapabilityDefinition>(definition: T): T {
  return definition;
}

/** Severity ranks, lowest first. */
export const SEVERITY_ORDER: readonly Severity[] = ['low', 'medium', 'high', 'critical'];
