import type { Node } from '@babel/types';
import type { Value } from './scope.js';

/**
 * The value model of the partial evaluator (partial-eval.ts): JavaScript values as the interpreter
 * computes them, on a heap of its own. Nothing here runs package code: an object is a map the
 * interpreter reads and writes, a function is an AST node with its environment.
 */

/**
 * Why evaluation stopped without a value: something the interpreter does not model (or must not run).
 * Not an Error: thrown often, it needs no stack trace.
 */
export class Abort {
  constructor(readonly message: string) {}
}

/** The step budget is spent: the state of whatever was running is not to be trusted any more. */
export class Exhausted extends Abort {}

/** A JavaScript exception thrown by the interpreted code: `try`/`catch` in that code may catch it. */
export class JsThrow {
  constructor(readonly value: JsValue) {}
}

/** A value the engine knows only symbolically (a module, a global): it can be held, passed and read, not computed with. */
export class Opaque {
  constructor(readonly value: Value) {}
}

/** A value whose computation was skipped (its statement could not run): any use of it stops evaluation. */
export class Poison {
  static readonly one = new Poison();
  private constructor() {}
}

/** Native behaviour of a builtin function: `this`, arguments, the interpreter. */
export type NativeCall = (self: JsValue, args: readonly JsValue[], newTarget: boolean) => JsValue;

/** An interpreted function: its node, the environment it closes over, and how it binds `this`. */
export interface Closure {
  node: Node;
  env: Env;
  arrow: boolean;
  /** The `this` an arrow function sees. */
  lexicalThis: JsValue;
}

export type JsValue = undefined | null | boolean | number | string | JsObject | Opaque | Poison;

/** An object on the interpreter's heap. */
export class JsObject {
  /** Named properties (for arrays, everything but the indices). */
  readonly props = new Map<string, JsValue>();
  /** Array elements (arrays and `arguments` only). */
  elements: JsValue[] | null = null;
  proto: JsObject | null;
  /** What the object is: `object`, `array`, `function`, `arguments`, `error`, `regexp`, `bytes`, `boxed` (a primitive wrapper) or `iterator`. */
  readonly kind: string;
  /** Allocation serial: writes to objects born inside a transaction need no undo entry. */
  readonly born: number;
  /** State left half-written by a statement that could not run: reading it stops evaluation. */
  poisoned = false;
  /** Part of the runtime the interpreter provides (a prototype, a builtin function). */
  builtin = false;
  /** A snapshot of a value the engine knows statically, shared between folds: never written. */
  frozen = false;
  closure: Closure | null = null;
  /** An interpreted function whose `prototype`, `length` and `name` are made on first use (most are only called). */
  lazy = false;
  native: NativeCall | null = null;
  /** A builtin's name, for `String(fn)`: `function flat() { [native code] }`. */
  nativeName = '';
  /** What a builtin is, back in the engine's value model (the Function constructor is a global). */
  staticValue: Value | null = null;
  /** Bytes of a Buffer; source and flags of a RegExp. */
  bytes: Buffer | null = null;
  regex: { source: string; flags: string } | null = null;
  /** A primitive wrapped by `Object(x)` or a boxed method receiver. */
  primitive: JsValue = undefined;

  constructor(kind: string, proto: JsObject | null, born: number) {
    this.kind = kind;
    this.proto = proto;
    this.born = born;
  }

  /** True for anything callable. */
  get callable(): boolean {
    return this.closure !== null || this.native !== null;
  }
}

/** A binding's storage: a value, the temporal dead zone, or poison. */
export const TDZ: unique symbol = Symbol('tdz');
export type Slot = JsValue | typeof TDZ;

/** A lexical environment of the interpreter. */
export class Env {
  readonly vars = new Map<string, Slot>();
  readonly born: number;
  /** `this` of the function activation this environment belongs to (undefined for blocks: look up). */
  thisValue: JsValue | undefined;
  hasThis = false;
  /** The activation's `arguments`, created on first use. */
  args: readonly JsValue[] | null = null;
  argumentsObject: JsObject | null = null;

  constructor(
    readonly parent: Env | null,
    born: number,
    /** Resolves names that no environment declares (globals, or the engine's static values). */
    readonly fallback: ((name: string) => JsValue) | null = null,
  ) {
    this.born = born;
  }

  /** The environment that declares `name`, or null. */
  find(name: string): Env | null {
    for (let e: Env | null = this; e !== null; e = e.parent) if (e.vars.has(name)) return e;
    return null;
  }

  /** The root of the chain (its fallback resolves undeclared names). */
  root(): Env {
    let e: Env = this;
    while (e.parent !== null) e = e.parent;
    return e;
  }
}

/** `typeof v` for values the interpreter computes with. */
export function typeOf(v: JsValue): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'object';
  switch (typeof v) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    default:
      break;
  }
  if (v instanceof JsObject) return v.callable ? 'function' : 'object';
  if (v instanceof Opaque) {
    // A module is an object; what a global is depends on the runtime.
    if (v.value.k === 'mod' && v.value.path.length === 0) return 'object';
    throw new Abort('typeof of a value known only symbolically');
  }
  throw new Abort('typeof of a skipped value');
}

/** ToBoolean. */
export function truthy(v: JsValue): boolean {
  if (v === undefined || v === null) return false;
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'number':
      return v !== 0 && !Number.isNaN(v);
    case 'string':
      return v.length > 0;
    default:
      break;
  }
  if (v instanceof JsObject) {
    if (v.poisoned) throw new Abort('a half-written object');
    return true;
  }
  if (v instanceof Opaque) {
    const k = v.value.k;
    if (k === 'mod' || k === 'bind' || k === 'fn' || k === 'obj') return true;
    throw new Abort('truthiness of a value known only symbolically');
  }
  throw new Abort('a skipped value');
}

/** Stops on values that cannot be computed with. */
export function usable(v: JsValue): JsValue {
  if (v instanceof Poison) throw new Abort('a skipped value');
  if (v instanceof JsObject && v.poisoned) throw new Abort('a half-written object');
  return v;
}

/** `x === y`. */
export function strictEquals(a: JsValue, b: JsValue): boolean {
  if (a instanceof Opaque || b instanceof Opaque) {
    if (a === b) return true;
    // A module is never a primitive.
    const other = a instanceof Opaque ? b : a;
    if (other === null || other === undefined || typeof other !== 'object') {
      const o = (a instanceof Opaque ? a : b) as Opaque;
      if (o.value.k === 'mod' || o.value.k === 'bind') return false;
    }
    throw new Abort('comparison with a value known only symbolically');
  }
  return a === b;
}

/** The array index a property key names, or -1. */
export function arrayIndex(key: string): number {
  if (key.length === 0 || key.length > 10) return -1;
  const c = key.charCodeAt(0);
  if (c < 48 || c > 57 || (c === 48 && key.length > 1)) return -1;
  const n = Number(key);
  return Number.isInteger(n) && n < 4294967295 ? n : -1;
}
