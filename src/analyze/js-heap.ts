import { Abort, arrayIndex, Env, Exhausted, JsObject, Opaque, Poison, type JsValue, type Slot } from './js-values.js';

/** Marks a property that did not exist before a write (undo deletes it). */
const ABSENT: unique symbol = Symbol('absent');

/** Longest array the interpreter makes. */
const MAX_LENGTH = 1 << 20;

/** Deepest interpreted call nesting: deeper recursion stops evaluation (the host stack is not the budget). */
const MAX_CALL_DEPTH = 256;

/**
 * One statement's writes, so that a statement that cannot run to its end leaves no half-done state: its
 * writes are undone and what they overwrote is poisoned (the statement would have changed it, we do not
 * know to what). Objects and environments born inside the transaction need no record.
 */
interface Transaction {
  readonly start: number;
  readonly parent: Transaction | null;
  /** Flat records: target, key (or ELEMENTS), previous value (or ABSENT). */
  readonly log: unknown[];
  /** Arrays whose elements were saved already. */
  readonly saved: Set<JsObject>;
}

const ELEMENTS: unique symbol = Symbol('elements');

/**
 * The interpreter's heap and budget: allocation, property reads and writes with an undo log, and the step
 * counter every evaluation step draws from.
 */
export class Heap {
  /** Steps left; when it reaches zero evaluation stops for good (Exhausted). */
  private remaining: number;
  private serial = 0;
  private tx: Transaction | null = null;
  depth = 0;
  /** Set once the budget ran out: nothing computed afterwards (or half-computed before) is trusted. */
  exhausted = false;
  /** Makes the own properties of a lazy function (set by the interpreter). */
  materialize: (o: JsObject) => void = () => undefined;

  constructor(budget: number) {
    this.remaining = budget;
  }

  /** One evaluation step. @throws Exhausted when the budget is spent. */
  tick(n = 1): void {
    this.remaining -= n;
    if (this.remaining < 0) {
      this.exhausted = true;
      throw new Exhausted('step budget spent');
    }
  }

  /** Steps left. */
  get left(): number {
    return this.remaining;
  }

  /** Enters an interpreted call. @throws Abort past MAX_CALL_DEPTH. */
  enter(): void {
    if (++this.depth > MAX_CALL_DEPTH) {
      this.depth--;
      throw new Abort('call nesting too deep');
    }
  }

  leave(): void {
    this.depth--;
  }

  /** A new object. */
  alloc(kind: string, proto: JsObject | null): JsObject {
    return new JsObject(kind, proto, ++this.serial);
  }

  /** A new environment. */
  env(parent: Env | null, fallback: ((name: string) => JsValue) | null = null): Env {
    return new Env(parent, ++this.serial, fallback);
  }

  /** A new array of `items`. */
  array(items: JsValue[], proto: JsObject): JsObject {
    const a = this.alloc('array', proto);
    a.elements = items;
    return a;
  }

  /** An own property (or element) of `o`, or undefined when it has none. */
  own(o: JsObject, key: string): { value: JsValue } | undefined {
    if (o.poisoned) throw new Abort('a half-written object');
    if (o.lazy) this.materialize(o);
    if (o.elements !== null) {
      if (key === 'length' && (o.kind === 'array' || o.kind === 'arguments')) return { value: o.elements.length };
      const i = arrayIndex(key);
      // Arrays are dense here: a hole reads as undefined, like an element set to it.
      if (i !== -1) return i < o.elements.length ? { value: o.elements[i] } : undefined;
    }
    if (o.props.has(key)) return { value: o.props.get(key) };
    return undefined;
  }

  /** `o[key]` through the prototype chain (accessors are not modelled: they are plain values). */
  lookup(o: JsObject, key: string): JsValue {
    for (let p: JsObject | null = o; p !== null; p = p.proto) {
      const own = this.own(p, key);
      if (own) return own.value;
    }
    return undefined;
  }

  /** Writes `o[key] = v`, recording what it overwrote for the current transaction. */
  write(o: JsObject, key: string, v: JsValue): void {
    if (o.poisoned) throw new Abort('a half-written object');
    if (o.frozen) throw new Abort('a write to a value known statically');
    if (o.lazy) this.materialize(o);
    if (o.elements !== null) {
      const i = arrayIndex(key);
      if (i !== -1 || key === 'length') {
        this.saveElements(o);
        if (key === 'length') {
          const n = typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_LENGTH ? v : -1;
          if (n === -1) throw new Abort('array length out of range');
          if (n > o.elements.length) this.tick((n - o.elements.length) >> 2);
          o.elements.length = n;
        } else {
          if (i > o.elements.length + (1 << 16) || i >= MAX_LENGTH) throw new Abort('sparse or long array');
          o.elements[i] = v;
        }
        return;
      }
    }
    const tx = this.tx;
    if (tx !== null && o.born < tx.start) tx.log.push(o, key, o.props.has(key) ? o.props.get(key) : ABSENT);
    o.props.set(key, v);
  }

  /** `delete o[key]`. */
  remove(o: JsObject, key: string): void {
    if (o.poisoned) throw new Abort('a half-written object');
    if (o.frozen) throw new Abort('a write to a value known statically');
    if (o.lazy) this.materialize(o);
    if (o.elements !== null && arrayIndex(key) !== -1) {
      this.saveElements(o);
      delete o.elements[arrayIndex(key)];
      return;
    }
    if (!o.props.has(key)) return;
    const tx = this.tx;
    if (tx !== null && o.born < tx.start) tx.log.push(o, key, o.props.get(key));
    o.props.delete(key);
  }

  /** Saves an array's elements before its first change in this transaction. */
  saveElements(o: JsObject): void {
    if (o.frozen) throw new Abort('a write to a value known statically');
    const tx = this.tx;
    if (tx === null || o.born >= tx.start || tx.saved.has(o)) return;
    tx.saved.add(o);
    tx.log.push(o, ELEMENTS, o.elements!.slice());
  }

  /** Reads a binding. @throws Abort on a skipped one. */
  readVar(env: Env, name: string): Slot {
    const v = env.vars.get(name);
    if (v instanceof Poison) throw new Abort(`${name} was not computed`);
    return v;
  }

  /** Writes a binding, recording the old value for the current transaction. */
  writeVar(env: Env, name: string, v: Slot): void {
    const tx = this.tx;
    if (tx !== null && env.born < tx.start) tx.log.push(env, name, env.vars.has(name) ? env.vars.get(name) : ABSENT);
    env.vars.set(name, v);
  }

  /** Starts a transaction (one statement). */
  begin(): void {
    this.tx = { start: this.serial + 1, parent: this.tx, log: [], saved: new Set() };
  }

  /** Keeps the transaction's writes (handing the records of older targets to the enclosing one). */
  commit(): void {
    const tx = this.tx!;
    this.tx = tx.parent;
    const parent = this.tx;
    if (parent === null) return;
    const log = tx.log;
    for (let i = 0; i < log.length; i += 3) {
      const target = log[i] as JsObject | Env;
      if (target.born >= parent.start) continue;
      if (log[i + 1] === ELEMENTS) {
        if (parent.saved.has(target as JsObject)) continue;
        parent.saved.add(target as JsObject);
      }
      parent.log.push(target, log[i + 1], log[i + 2]);
    }
  }

  /**
   * Undoes the transaction's writes and (with `poison`) poisons what they overwrote: the statement did not
   * run to its end, so those values are neither the old ones nor known new ones. Properties it only added
   * are removed. Without `poison` the state is simply restored (an evaluation for a site, not the program).
   */
  rollback(poison = true): void {
    const tx = this.tx!;
    this.tx = tx.parent;
    const log = tx.log;
    for (let i = log.length - 3; i >= 0; i -= 3) {
      const target = log[i];
      const key = log[i + 1];
      const old = log[i + 2];
      if (target instanceof Env) {
        if (old === ABSENT) target.vars.delete(key as string);
        else target.vars.set(key as string, poison ? Poison.one : (old as Slot));
        continue;
      }
      const o = target as JsObject;
      if (key === ELEMENTS) {
        o.elements = old as JsValue[];
        if (poison) o.poisoned = true;
      } else if (old === ABSENT) o.props.delete(key as string);
      else {
        o.props.set(key as string, old as JsValue);
        if (poison) o.poisoned = true;
      }
    }
  }

  /** Poisons an object of the interpreted code (builtins and other values stay as they are). */
  poison(v: JsValue): void {
    if (v instanceof JsObject && !v.builtin) v.poisoned = true;
  }
}

/** True for values that are not on the heap and not primitives. */
export function symbolic(v: JsValue): v is Opaque | Poison {
  return v instanceof Opaque || v instanceof Poison;
}
