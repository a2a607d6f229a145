import type { Interpreter } from './js-interpreter.js';
import { Abort, JsObject, Opaque, strictEquals, usable, type JsValue } from './js-values.js';

/**
 * JavaScript's coercions and operators over the interpreter's values (js-interpreter.ts): ToPrimitive
 * calls the object's own `valueOf`/`toString` as interpreted code, and a value known only symbolically
 * (a module) takes part only where the answer does not depend on it (`m == null` is false).
 */

/** ToPrimitive: `valueOf`/`toString` as the code defines them. */
export function toPrimitive(vm: Interpreter, v: JsValue, hint: 'string' | 'number' | 'default'): JsValue {
  v = usable(v);
  if (!(v instanceof JsObject)) {
    if (v instanceof Opaque) throw new Abort('coercion of a value known only symbolically');
    return v;
  }
  const order = hint === 'string' ? ['toString', 'valueOf'] : ['valueOf', 'toString'];
  for (const name of order) {
    const m = vm.heap.lookup(v, name);
    if (m instanceof JsObject && m.callable) {
      const r = vm.call(m, v, []);
      if (!(r instanceof JsObject)) return usable(r);
    }
  }
  throw vm.realm.typeError('cannot convert object to primitive value');
}

/** ToString. */
export function toString(vm: Interpreter, v: JsValue): string {
  if (typeof v === 'string') return v;
  const p = toPrimitive(vm, v, 'string');
  if (typeof p === 'string') return p;
  if (p === undefined) return 'undefined';
  if (p === null) return 'null';
  return String(p);
}

/** ToNumber. */
export function toNumber(vm: Interpreter, v: JsValue): number {
  if (typeof v === 'number') return v;
  const p = toPrimitive(vm, v, 'number');
  if (typeof p === 'string' && p.length > 4096) throw new Abort('a long numeric string');
  return Number(p);
}

/** ToPropertyKey (symbols are not modelled). */
export function toKey(vm: Interpreter, v: JsValue): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return toString(vm, v);
}

/** `a + b`. */
export function add(vm: Interpreter, a: JsValue, b: JsValue): JsValue {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  const pa = toPrimitive(vm, a, 'default');
  const pb = toPrimitive(vm, b, 'default');
  if (typeof pa === 'string' || typeof pb === 'string') {
    const s = toString(vm, pa) + toString(vm, pb);
    vm.heap.tick(s.length >> 10);
    if (s.length > 1 << 22) throw new Abort('string too long');
    return s;
  }
  return toNumber(vm, pa) + toNumber(vm, pb);
}

/** `a == b`. */
export function looseEquals(vm: Interpreter, a: JsValue, b: JsValue): boolean {
  a = usable(a);
  b = usable(b);
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (a === null || a === undefined || b === null || b === undefined) {
    const other = a === null || a === undefined ? b : a;
    if (other instanceof Opaque) return strictEquals(other, null);
    return false;
  }
  if (typeof a === typeof b || a instanceof Opaque || b instanceof Opaque) return strictEquals(a, b);
  if (typeof a === 'boolean') return looseEquals(vm, Number(a), b);
  if (typeof b === 'boolean') return looseEquals(vm, a, Number(b));
  if (a instanceof JsObject && b instanceof JsObject) return a === b;
  if (a instanceof JsObject) return looseEquals(vm, toPrimitive(vm, a, 'default'), b);
  if (b instanceof JsObject) return looseEquals(vm, a, toPrimitive(vm, b, 'default'));
  return toNumber(vm, a) === toNumber(vm, b);
}

export function compare(vm: Interpreter, op: string, a: JsValue, b: JsValue): boolean {
  const pa = toPrimitive(vm, a, 'number');
  const pb = toPrimitive(vm, b, 'number');
  if (typeof pa === 'string' && typeof pb === 'string') {
    return op === '<' ? pa < pb : op === '>' ? pa > pb : op === '<=' ? pa <= pb : pa >= pb;
  }
  const x = toNumber(vm, pa);
  const y = toNumber(vm, pb);
  return op === '<' ? x < y : op === '>' ? x > y : op === '<=' ? x <= y : x >= y;
}

export function binary(vm: Interpreter, op: string, a: JsValue, b: JsValue): JsValue {
  switch (op) {
    case '+':
      return add(vm, a, b);
    case '===':
      return strictEquals(usable(a), usable(b));
    case '!==':
      return !strictEquals(usable(a), usable(b));
    case '==':
      return looseEquals(vm, a, b);
    case '!=':
      return !looseEquals(vm, a, b);
    case '<':
    case '>':
    case '<=':
    case '>=':
      return compare(vm, op, a, b);
    case 'in': {
      if (!(b instanceof JsObject)) throw vm.realm.typeError("cannot use 'in' on a non-object");
      const key = toKey(vm, a);
      for (let p: JsObject | null = b; p !== null; p = p.proto) if (vm.heap.own(p, key)) return true;
      return false;
    }
    case 'instanceof': {
      if (!(b instanceof JsObject) || !b.callable) throw vm.realm.typeError('right-hand side of instanceof is not callable');
      if (!(a instanceof JsObject)) return false;
      const proto = vm.heap.lookup(b, 'prototype');
      for (let p = a.proto; p !== null; p = p.proto) if (p === proto) return true;
      return false;
    }
    default:
      break;
  }
  const x = toNumber(vm, a);
  const y = toNumber(vm, b);
  switch (op) {
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      return x / y;
    case '%':
      return x % y;
    case '**':
      return x ** y;
    case '&':
      return x & y;
    case '|':
      return x | y;
    case '^':
      return x ^ y;
    case '<<':
      return x << y;
    case '>>':
      return x >> y;
    case '>>>':
      return x >>> y;
    default:
      throw new Abort(`operator ${op}`);
  }
}
