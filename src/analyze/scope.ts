import type { Node } from '@babel/types';

/** What a name can stand for, as far as the engine tracks it. */
export type Value =
  | { readonly k: 'unknown' }
  | { readonly k: 'str'; readonly v: string; readonly m: boolean }
  | { readonly k: 'num'; readonly v: number }
  | { readonly k: 'arr'; readonly items: readonly Value[]; readonly m: boolean }
  | { readonly k: 'bytes'; readonly v: Buffer; readonly m: boolean }
  /** An object literal, evaluated member by member on demand. */
  | { readonly k: 'obj'; readonly node: Node; readonly scope: Scope }
  /**
   * A function: its `.constructor` is the Function constructor. `node` and `scope` for one written in the
   * file (where it stands), `name` for a builtin method (`[]['flat']`).
   */
  | { readonly k: 'fn'; readonly node?: Node; readonly scope?: Scope; readonly name?: string }
  /**
   * A module (after `node:` is stripped and subpaths became members), or a member path inside it. `inst`:
   * the path goes through an instance (`new Module()` reads `Module.prototype`).
   */
  | { readonly k: 'mod'; readonly name: string; readonly path: readonly string[]; readonly m: boolean; readonly promise: boolean; readonly inst?: boolean }
  /** A path rooted at the global object; `[]` is the global object itself. `*` marks an unresolved key. */
  | { readonly k: 'glob'; readonly path: readonly string[]; readonly m: boolean; readonly inst?: boolean }
  /**
   * Some member of `of`, not known which: what enumerating it gives (`Object.values(cp)[2]`). `method`: an
   * array method of such an enumeration (`.find`, `.filter`), which calls nothing of `of` itself.
   */
  | { readonly k: 'members'; readonly of: Value; readonly method?: boolean }
  /**
   * A property descriptor of `base[key]` (`Object.getOwnPropertyDescriptor(globalThis, 'fetch')`): its
   * `value` is the property. Without a key, the descriptors of every property (`getOwnPropertyDescriptors`).
   */
  | { readonly k: 'desc'; readonly base: Value; readonly key?: string | null }
  /**
   * An internal binding loaded by name (`process.binding('fs')`) through `loader` (a runtime-model path),
   * or a member path inside it.
   */
  | { readonly k: 'bind'; readonly loader: string; readonly name: string; readonly path: readonly string[]; readonly m: boolean }
  /** A symbol: as a property key it names no module member and no global. */
  | { readonly k: 'sym' };

/** The one unknown value. */
export const UNKNOWN: Value = Object.freeze({ k: 'unknown' });

/** The one symbol value: the engine does not tell symbols apart. */
export const SYMBOL: Value = Object.freeze({ k: 'sym' });

/** One step of a destructuring path: a property name, or a computed key evaluated where it stands. */
export type PathSegment = string | { readonly key: Node; readonly scope: Scope };

/** Where a binding gets its value from: an expression (in the scope where it stands) and a destructuring path. */
export interface BindingSource {
  node: Node | null;
  scope: Scope;
  /** Members to apply after evaluating `node`; `null` when a segment is unknown (array patterns). */
  path: readonly PathSegment[] | null;
  /** Pre-computed value (imports), used instead of `node`. */
  value?: Value;
  /** The value reached the binding indirectly (IIFE argument, assignment): medium confidence. */
  indirect?: boolean;
}

/** A declared name. */
export class Binding {
  readonly name: string;
  readonly kind: string;
  sources: BindingSource[] | null = null;
  /** Memoised value; `null` while being evaluated (cycle guard). */
  value: Value | undefined | null = undefined;
  /** The value before a global reached through this name was marked as aliased: what a destructuring pattern read. */
  direct: Value | undefined = undefined;

  constructor(name: string, kind: string) {
    this.name = name;
    this.kind = kind;
  }

  /** Adds a place the binding gets its value from. */
  addSource(source: BindingSource): void {
    (this.sources ??= []).push(source);
  }
}

/** A lexical scope. Declarations are a lazily created map: most blocks declare nothing. */
export class Scope {
  readonly parent: Scope | null;
  /** The nearest function or program scope (where `var` goes). */
  readonly varScope: Scope;
  /** For a function-like scope: the context it opens, for telling load time from call time (walk.ts); 0 is the program. */
  context = 0;
  private decls: Map<string, Binding> | null = null;

  constructor(parent: Scope | null, isVarScope: boolean) {
    this.parent = parent;
    this.varScope = isVarScope || parent === null ? this : parent.varScope;
  }

  /** Declares (or returns the existing) binding of `name` in this scope. */
  declare(name: string, kind: string): Binding {
    const decls = (this.decls ??= new Map());
    let binding = decls.get(name);
    if (binding === undefined) {
      binding = new Binding(name, kind);
      decls.set(name, binding);
    }
    return binding;
  }

  /** The binding `name` resolves to from here, or undefined when it is a global. */
  lookup(name: string): Binding | undefined {
    for (let s: Scope | null = this; s !== null; s = s.parent) {
      const b = s.decls?.get(name);
      if (b !== undefined) return b;
    }
    return undefined;
  }

  /** The program scope. */
  root(): Scope {
    let s: Scope = this;
    while (s.parent !== null) s = s.parent;
    return s;
  }
}
