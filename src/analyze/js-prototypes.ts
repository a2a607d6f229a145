import type { Interpreter } from './js-interpreter.js';
import type { Realm } from './js-builtins.js';
import { compileRegex } from './js-regex.js';
import { Abort, JsObject, JsThrow, Opaque, strictEquals, truthy, usable, type JsValue } from './js-values.js';

/** Longest string a method makes (`repeat`, `padStart`, `join`): decoders make names, not megabytes. */
const MAX_STRING = 1 << 22;
/** Longest array a method makes. */
const MAX_ARRAY = 1 << 20;

function str(s: string): string {
  if (s.length > MAX_STRING) throw new Abort('string too long');
  return s;
}

/**
 * The methods of the interpreter's values, by the language's own names (`'abc'.charCodeAt`, `[].push`,
 * `f.call`): what decoders and rotations are written with. Each draws on the step budget in proportion to
 * the work it does. Installed on a realm's prototypes (js-builtins.ts).
 */

/** Object, Function, Number, Boolean, RegExp, Error and Buffer methods. */
export function installPrototypes(realm: Realm, vm: Interpreter): void {
  const heap = vm.heap;
  const op = realm.objectProto;
  realm.method(op, 'hasOwnProperty', (self, [k]) => self instanceof JsObject && heap.own(self, vm.toKey(k)) !== undefined, 1);
  realm.method(op, 'toString', (self) => `[object ${realm.tag(self)}]`);
  realm.method(op, 'valueOf', (self) => self);
  realm.method(op, 'propertyIsEnumerable', (self, [k]) => self instanceof JsObject && heap.own(self, vm.toKey(k)) !== undefined, 1);
  realm.method(op, 'isPrototypeOf', (self, [v]) => {
    if (!(v instanceof JsObject)) return false;
    for (let p = v.proto; p !== null; p = p.proto) if (p === self) return true;
    return false;
  });

  const fp = realm.functionProto;
  realm.method(fp, 'call', (self, args) => vm.call(self, args[0], args.slice(1)), 1);
  realm.method(fp, 'apply', (self, [thisArg, list]) => vm.call(self, thisArg, list === undefined || list === null ? [] : vm.iterate(list)), 2);
  realm.method(fp, 'bind', (self, [thisArg, ...bound]) => {
    const target = realm.callback(self);
    const f = realm.native(`bound ${String(heap.lookup(target, 'name') ?? '')}`, (_s, args, isNew) => (isNew ? vm.construct(target, [...bound, ...args]) : vm.call(target, thisArg, [...bound, ...args])));
    f.builtin = false;
    return f;
  }, 1);
  realm.method(fp, 'toString', (self) => {
    if (!(self instanceof JsObject) || !self.callable) throw realm.typeError('Function.prototype.toString requires a function');
    return self.closure !== null ? vm.functionText(self) : `function ${self.nativeName}() { [native code] }`;
  });

  const np = realm.numberProto;
  realm.method(np, 'toString', (self, [radix]) => {
    const n = realm.numberOf(self);
    const r = radix === undefined ? 10 : realm.int(radix, 10);
    if (r < 2 || r > 36) throw new JsThrow(realm.error(`Range${realm.errorName}`, 'toString() radix must be between 2 and 36'));
    return n.toString(r);
  }, 1);
  realm.method(np, 'toFixed', (self, [d]) => {
    const digits = realm.int(d, 0);
    if (digits < 0 || digits > 100) throw new JsThrow(realm.error(`Range${realm.errorName}`, 'toFixed() digits argument must be between 0 and 100'));
    return realm.numberOf(self).toFixed(digits);
  }, 1);
  realm.method(np, 'valueOf', (self) => realm.numberOf(self));
  const bp = realm.booleanProto;
  realm.method(bp, 'toString', (self) => String(typeof self === 'boolean' ? self : self instanceof JsObject && typeof self.primitive === 'boolean' ? self.primitive : false));
  realm.method(bp, 'valueOf', (self) => (typeof self === 'boolean' ? self : self instanceof JsObject ? self.primitive : false));

  const rp = realm.regexpProto;
  realm.method(rp, 'test', (self, [s]) => exec(realm, vm, self, vm.toString(s)) !== null, 1);
  realm.method(rp, 'exec', (self, [s]) => {
    const m = exec(realm, vm, self, vm.toString(s));
    return m === null ? null : matchArray(realm, vm, m);
  }, 1);
  realm.method(rp, 'toString', (self) => (self instanceof JsObject && self.regex ? `/${self.regex.source}/${self.regex.flags}` : '/(?:)/'));

  const ep = realm.errorProto;
  ep.props.set('message', '');
  realm.method(ep, 'toString', (self) => {
    const name = vm.toString(vm.get(self, 'name'));
    const msg = vm.toString(vm.get(self, 'message'));
    return msg === '' ? name : `${name}: ${msg}`;
  });

  realm.method(realm.bufferProto, 'toString', (self, [enc, start, end]) => {
    const b = self instanceof JsObject ? self.bytes : null;
    if (b === null) throw new Abort('not a Buffer');
    const e = enc === undefined ? 'utf8' : vm.toString(enc).toLowerCase();
    if (!Buffer.isEncoding(e)) throw realm.typeError(`unknown encoding: ${e.slice(0, 20)}`);
    return str(b.subarray(realm.int(start, 0), realm.int(end, b.length)).toString(e));
  });
}

/** String methods (regular expressions through the interpreter's own matcher). */
export function installString(realm: Realm, vm: Interpreter): void {
  const sp = realm.stringProto;
  const m = (name: string, f: (s: string, args: readonly JsValue[]) => JsValue, length = 0): void => {
    realm.method(sp, name, (self, args) => {
      const s = realm.self(self);
      vm.heap.tick(s.length >> 8);
      return f(s, args);
    }, length);
  };
  m('toString', (s) => s);
  m('valueOf', (s) => s);
  m('charAt', (s, [i]) => s.charAt(realm.int(i, 0)), 1);
  m('charCodeAt', (s, [i]) => s.charCodeAt(realm.int(i, 0)), 1);
  m('codePointAt', (s, [i]) => s.codePointAt(realm.int(i, 0)), 1);
  m('at', (s, [i]) => s.at(realm.int(i, 0)), 1);
  m('indexOf', (s, [t, p]) => s.indexOf(vm.toString(t), realm.int(p, 0)), 1);
  m('lastIndexOf', (s, [t, p]) => s.lastIndexOf(vm.toString(t), p === undefined ? Infinity : realm.int(p, 0)), 1);
  m('includes', (s, [t, p]) => s.includes(vm.toString(t), realm.int(p, 0)), 1);
  m('startsWith', (s, [t, p]) => s.startsWith(vm.toString(t), realm.int(p, 0)), 1);
  m('endsWith', (s, [t, p]) => s.endsWith(vm.toString(t), p === undefined ? s.length : realm.int(p, 0)), 1);
  m('slice', (s, [a, b]) => s.slice(realm.int(a, 0), b === undefined ? undefined : realm.int(b, 0)), 2);
  m('substring', (s, [a, b]) => s.substring(realm.int(a, 0), b === undefined ? undefined : realm.int(b, 0)), 2);
  m('substr', (s, [a, b]) => s.substr(realm.int(a, 0), b === undefined ? undefined : realm.int(b, 0)), 2);
  m('toLowerCase', (s) => s.toLowerCase());
  m('toUpperCase', (s) => s.toUpperCase());
  m('toLocaleLowerCase', (s) => s.toLowerCase());
  m('toLocaleUpperCase', (s) => s.toUpperCase());
  m('trim', (s) => s.trim());
  m('trimStart', (s) => s.trimStart());
  m('trimEnd', (s) => s.trimEnd());
  m('normalize', (s) => s);
  m('concat', (s, args) => str(s + args.map((a) => vm.toString(a)).join('')), 1);
  m('repeat', (s, [n]) => {
    const k = realm.int(n, 0);
    if (k < 0 || s.length * k > MAX_STRING) throw new Abort('repeat out of range');
    return s.repeat(k);
  }, 1);
  m('padStart', (s, [n, f]) => str(s.padStart(Math.min(realm.int(n, 0), MAX_STRING), f === undefined ? ' ' : vm.toString(f))), 2);
  m('padEnd', (s, [n, f]) => str(s.padEnd(Math.min(realm.int(n, 0), MAX_STRING), f === undefined ? ' ' : vm.toString(f))), 2);
  m('localeCompare', (s, [t]) => (s < vm.toString(t) ? -1 : s > vm.toString(t) ? 1 : 0), 1);
  m('split', (s, [sep, limit]) => {
    const lim = limit === undefined ? MAX_ARRAY : Math.min(realm.int(limit, 0) >>> 0, MAX_ARRAY);
    if (sep === undefined) return realm.array([s]);
    if (sep instanceof JsObject && sep.regex) return realm.array(splitRegex(realm, vm, s, sep, lim));
    const parts = s.split(vm.toString(sep), lim);
    return realm.array(parts);
  }, 2);
  m('replace', (s, [pattern, replacement]) => replace(realm, vm, s, pattern, replacement, false), 2);
  m('replaceAll', (s, [pattern, replacement]) => replace(realm, vm, s, pattern, replacement, true), 2);
  m('search', (s, [pattern]) => {
    const r = pattern instanceof JsObject && pattern.regex ? realm.compiled(pattern) : compileRegex(vm.toString(pattern), '');
    return r.search(s, 0, (n) => vm.heap.tick(n))?.index ?? -1;
  }, 1);
  m('match', (s, [pattern]) => {
    const re = pattern instanceof JsObject && pattern.regex ? pattern : realm.regExp(vm.toString(pattern), '');
    const c = realm.compiled(re);
    if (!c.global) {
      const found = c.search(s, 0, (n) => vm.heap.tick(n));
      return found === null ? null : matchArray(realm, vm, found);
    }
    const all: JsValue[] = [];
    let at = 0;
    while (at <= s.length) {
      const found = c.search(s, at, (n) => vm.heap.tick(n));
      if (found === null) break;
      all.push(found.groups[0]!);
      at = found.end > found.index ? found.end : found.index + 1;
    }
    return all.length === 0 ? null : realm.array(all);
  }, 1);
}

/** `re.exec(s)` honouring `lastIndex` for global and sticky expressions. */
function exec(realm: Realm, vm: Interpreter, re: JsValue, s: string): { index: number; end: number; groups: (string | undefined)[]; input: string } | null {
  const c = realm.compiled(re);
  const o = re as JsObject;
  const stateful = c.global || c.sticky;
  const start = stateful ? realm.int(o.props.get('lastIndex'), 0) : 0;
  if (start > s.length) {
    vm.heap.write(o, 'lastIndex', 0);
    return null;
  }
  const found = c.sticky ? c.matchAt(s, start, (n) => vm.heap.tick(n)) : c.search(s, start, (n) => vm.heap.tick(n));
  if (stateful) vm.heap.write(o, 'lastIndex', found === null ? 0 : found.end);
  return found === null ? null : { ...found, input: s };
}

function matchArray(realm: Realm, vm: Interpreter, m: { index: number; groups: (string | undefined)[] }): JsObject {
  const a = realm.array(m.groups.slice());
  a.props.set('index', m.index);
  return a;
}

function splitRegex(realm: Realm, vm: Interpreter, s: string, sep: JsObject, limit: number): JsValue[] {
  const c = realm.compiled(sep);
  const out: JsValue[] = [];
  let last = 0;
  let at = 0;
  while (at < s.length && out.length < limit) {
    const found = c.search(s, at, (n) => vm.heap.tick(n));
    if (found === null || found.index >= s.length) break;
    if (found.end === found.index && found.index === last) {
      at = found.index + 1;
      continue;
    }
    out.push(s.slice(last, found.index), ...found.groups.slice(1));
    last = found.end;
    at = found.end > found.index ? found.end : found.index + 1;
  }
  if (out.length < limit) out.push(s.slice(last));
  return out.slice(0, limit);
}

function replace(realm: Realm, vm: Interpreter, s: string, pattern: JsValue, replacement: JsValue, all: boolean): string {
  const matches: { index: number; end: number; groups: (string | undefined)[] }[] = [];
  if (pattern instanceof JsObject && pattern.regex) {
    const c = realm.compiled(pattern);
    if (all && !c.global) throw realm.typeError('replaceAll must be called with a global RegExp');
    let at = 0;
    while (at <= s.length) {
      const found = c.search(s, at, (n) => vm.heap.tick(n));
      if (found === null) break;
      matches.push(found);
      if (!c.global) break;
      at = found.end > found.index ? found.end : found.index + 1;
    }
  } else {
    const needle = vm.toString(pattern);
    let at = s.indexOf(needle);
    while (at !== -1) {
      matches.push({ index: at, end: at + needle.length, groups: [needle] });
      if (!all) break;
      at = s.indexOf(needle, needle.length === 0 ? at + 1 : at + needle.length);
    }
  }
  let out = '';
  let last = 0;
  for (const found of matches) {
    vm.heap.tick();
    out += s.slice(last, found.index);
    if (replacement instanceof JsObject && replacement.callable) {
      out += vm.toString(vm.call(replacement, undefined, [...found.groups, found.index, s]));
    } else {
      const template = vm.toString(replacement);
      out += template.replace(/\$([$&`']|\d{1,2})/g, (whole, g: string) => {
        if (g === '$') return '$';
        if (g === '&') return found.groups[0] ?? '';
        if (g === '`') return s.slice(0, found.index);
        if (g === "'") return s.slice(found.end);
        const i = Number(g);
        return i > 0 && i < found.groups.length ? (found.groups[i] ?? '') : whole;
      });
    }
    if (out.length > MAX_STRING) throw new Abort('string too long');
    last = found.end;
  }
  return out + s.slice(last);
}

/** Array methods. */
export function installArray(realm: Realm, vm: Interpreter): void {
  const heap = vm.heap;
  const ap = realm.arrayProto;
  const m = (name: string, f: (a: JsObject, items: JsValue[], args: readonly JsValue[]) => JsValue, length = 0): void => {
    realm.method(ap, name, (self, args) => {
      const a = realm.arraySelf(self);
      heap.tick(a.elements!.length >> 6);
      return f(a, a.elements!, args);
    }, length);
  };
  const mutate = (a: JsObject): JsValue[] => {
    heap.saveElements(a);
    return a.elements!;
  };
  const each = (items: JsValue[], fn: JsValue, thisArg: JsValue, a: JsObject, visit: (r: JsValue, v: JsValue, i: number) => boolean): void => {
    const f = realm.callback(fn);
    const n = items.length;
    for (let i = 0; i < n && i < items.length; i++) {
      const v = items[i];
      if (!visit(vm.call(f, thisArg, [v, i, a]), v, i)) return;
    }
  };
  m('push', (a, _items, args) => {
    const e = mutate(a);
    if (e.length + args.length > MAX_ARRAY) throw new Abort('array too long');
    e.push(...args);
    return e.length;
  }, 1);
  m('pop', (a) => mutate(a).pop());
  m('shift', (a) => mutate(a).shift());
  m('unshift', (a, _items, args) => mutate(a).unshift(...args), 1);
  m('reverse', (a) => (mutate(a).reverse(), a));
  m('splice', (a, items, args) => {
    const start = realm.int(args[0], 0);
    const count = args.length < 2 ? items.length : realm.int(args[1], 0);
    return realm.array(mutate(a).splice(start, count, ...args.slice(2)));
  }, 2);
  m('fill', (a, items, [v, s, e]) => {
    mutate(a).fill(v, realm.int(s, 0), e === undefined ? items.length : realm.int(e, 0));
    return a;
  }, 1);
  m('sort', (a, items, [cmp]) => {
    const e = mutate(a);
    heap.tick(items.length * 4);
    if (cmp === undefined) e.sort((x, y) => (vm.toString(x) < vm.toString(y) ? -1 : vm.toString(x) > vm.toString(y) ? 1 : 0));
    else {
      const f = realm.callback(cmp);
      e.sort((x, y) => vm.toNumber(vm.call(f, undefined, [x, y])));
    }
    return a;
  });
  m('slice', (_a, items, [s, e]) => realm.array(items.slice(realm.int(s, 0), e === undefined ? undefined : realm.int(e, 0))), 2);
  m('concat', (_a, items, args) => {
    const out = items.slice();
    for (const x of args) {
      if (x instanceof JsObject && x.elements !== null && x.kind === 'array') out.push(...x.elements);
      else out.push(x);
    }
    return realm.array(out);
  }, 1);
  m('join', (_a, items, [sep]) => {
    const s = sep === undefined ? ',' : vm.toString(sep);
    let out = '';
    for (let i = 0; i < items.length; i++) {
      if (i > 0) out += s;
      const v = items[i];
      if (v !== undefined && v !== null) out += vm.toString(v);
      if (out.length > MAX_STRING) throw new Abort('string too long');
    }
    return out;
  }, 1);
  m('toString', (a) => vm.call(heap.lookup(a, 'join'), a, []));
  m('indexOf', (_a, items, [v, from]) => {
    for (let i = Math.max(0, realm.int(from, 0)); i < items.length; i++) if (strictEquals(usable(items[i]), usable(v))) return i;
    return -1;
  }, 1);
  m('lastIndexOf', (_a, items, [v]) => {
    for (let i = items.length - 1; i >= 0; i--) if (strictEquals(usable(items[i]), usable(v))) return i;
    return -1;
  }, 1);
  m('includes', (_a, items, [v]) => items.some((x) => x === v || (Number.isNaN(x) && Number.isNaN(v)) || (!(x instanceof Opaque) && !(v instanceof Opaque) && x === v)), 1);
  m('at', (_a, items, [i]) => items.at(realm.int(i, 0)), 1);
  m('map', (a, items, [fn, t]) => {
    const out: JsValue[] = [];
    each(items, fn, t, a, (r) => (out.push(r), true));
    return realm.array(out);
  }, 1);
  m('filter', (a, items, [fn, t]) => {
    const out: JsValue[] = [];
    each(items, fn, t, a, (r, v) => (truthy(r) && out.push(v), true));
    return realm.array(out);
  }, 1);
  m('forEach', (a, items, [fn, t]) => (each(items, fn, t, a, () => true), undefined), 1);
  m('some', (a, items, [fn, t]) => {
    let found = false;
    each(items, fn, t, a, (r) => !(found = truthy(r)));
    return found;
  }, 1);
  m('every', (a, items, [fn, t]) => {
    let ok = true;
    each(items, fn, t, a, (r) => (ok = truthy(r)));
    return ok;
  }, 1);
  m('find', (a, items, [fn, t]) => {
    let found: JsValue;
    each(items, fn, t, a, (r, v) => (truthy(r) ? ((found = v), false) : true));
    return found;
  }, 1);
  m('findIndex', (a, items, [fn, t]) => {
    let found = -1;
    each(items, fn, t, a, (r, _v, i) => (truthy(r) ? ((found = i), false) : true));
    return found;
  }, 1);
  const reduce = (a: JsObject, items: JsValue[], args: readonly JsValue[], right: boolean): JsValue => {
    const f = realm.callback(args[0]);
    const order = items.map((_, i) => i);
    if (right) order.reverse();
    let k = 0;
    let acc: JsValue;
    if (args.length > 1) acc = args[1];
    else {
      if (order.length === 0) throw realm.typeError('reduce of empty array with no initial value');
      acc = items[order[k++]!];
    }
    for (; k < order.length; k++) acc = vm.call(f, undefined, [acc, items[order[k]!], order[k]!, a]);
    return acc;
  };
  m('reduce', (a, items, args) => reduce(a, items, args, false), 1);
  m('reduceRight', (a, items, args) => reduce(a, items, args, true), 1);
  m('flat', (_a, items) => realm.array(items.flatMap((x) => (x instanceof JsObject && x.elements !== null && x.kind === 'array' ? x.elements : [x]))));
  for (const name of ['keys', 'values', 'entries']) {
    // Iterators are not modelled beyond what coercion makes of them: `[]['entries']() + []`.
    m(name, () => heap.alloc('iterator', realm.objectProto));
  }
}

