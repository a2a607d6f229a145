import type { Node } from '@babel/types';
import type { Evaluator } from './evaluate.js';
import { UNKNOWN, type Scope, type Value } from './scope.js';

/**
 * Reflection the engine sees through (the runtime model's `reflection`): `Reflect.get(o, k)` is `o[k]`, a
 * property descriptor's `value` is the property, an enumeration of a module is some member of it, and
 * `Object.defineProperty(ns, 'default', { value: m })` makes `ns` the namespace of `m`. (`Reflect.apply`
 * and `Reflect.construct` are calls: Evaluator.resolveCall.)
 */

/** `Reflect.get`, property descriptors, enumerations: what the call gives, in terms of its arguments. */
export function reflect(ev: Evaluator, op: string, args: readonly Node[], scope: Scope, depth: number): Value {
  const arg = (i: number): Node | undefined => {
    const a = args[i];
    return a && a.type !== 'SpreadElement' ? a : undefined;
  };
  const object = arg(0);
  if (object === undefined) return UNKNOWN;
  if (op === 'define') return defineProperty(ev, object, arg(1), arg(2), scope, depth);
  const base = ev.evaluate(object, scope, depth + 1);
  const named = base.k === 'glob' || base.k === 'mod' || base.k === 'bind';
  switch (op) {
    case 'get': {
      const keyNode = arg(1);
      if (!keyNode || !named) return UNKNOWN;
      const v = ev.member(base, ev.propertyKey(keyNode, scope, depth + 1), true, depth + 1);
      return v.k === 'glob' || v.k === 'mod' || v.k === 'bind' ? { ...v, m: true } : v;
    }
    case 'descriptor': {
      const keyNode = arg(1);
      if (!keyNode || !named) return UNKNOWN;
      const key = ev.propertyKey(keyNode, scope, depth + 1);
      return { k: 'desc', base, key: typeof key === 'string' ? key : null };
    }
    case 'descriptors':
      return named ? { k: 'desc', base } : UNKNOWN;
    case 'members':
      return named ? { k: 'members', of: base } : UNKNOWN;
    default:
      return UNKNOWN;
  }
}

/**
 * `Object.defineProperty(o, key, descriptor)` is `o`; with `default` defined as a module it is that
 * module's namespace, which the engine holds as the module itself (`ns.default.get` is `https.get`).
 */
function defineProperty(ev: Evaluator, object: Node, keyNode: Node | undefined, descNode: Node | undefined, scope: Scope, depth: number): Value {
  if (keyNode && descNode && ev.plainKey(keyNode, scope, depth + 1) === 'default') {
    const desc = ev.evaluate(descNode, scope, depth + 1);
    if (desc.k === 'obj') {
      const value = ev.member(desc, 'value', false, depth + 1);
      if (value.k === 'mod' || value.k === 'bind') return value;
    }
  }
  return ev.evaluate(object, scope, depth + 1);
}
