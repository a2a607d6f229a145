import type { BuiltinOp } from '../../capabilities/runtime.js';
import type { Interpreter } from './js-interpreter.js';
import { compileRegex, type CompiledRegex } from './js-regex.js';
import { Abort, arrayIndex, JsObject, JsThrow, Opaque, strictEquals, truthy, usable, type JsValue, type NativeCall } from './js-values.js';
import type { Value } from './scope.js';

/** Longest string a builtin makes (`repeat`, `padStart`, `join`): decoders make names, not megabytes. */
const MAX_STRING = 1 << 22;
/** Longest array a builtin makes. */
const MAX_ARRAY = 1 << 20;

function str(s: string): string {
  if (s.length > MAX_STRING) throw new Abort('string too long');
  return s;
}

/**
 * The runtime the interpreter provides: the prototypes of its values with their methods, and the pure
 * global functions the runtime model lists (capabilities/runtime.ts `builtins`), by what they do. The
 * methods are the language's own (`'abc'.charCodeAt`, `[].push`); a global is only ever reached through
 * the model, so this file names none.
 */
export class Realm {
  readonly objectProto: JsObject;
  readonly functionProto: JsObject;
  readonly arrayProto: JsObject;
  readonly stringProto: JsObject;
  readonly numberProto: JsObject;
  readonly booleanProto: JsObject;
  readonly regexpProto: JsObject;
  readonly errorProto: JsObject;
  readonly bufferProto: JsObject;
  /** The Function constructor: any call of it compiles code, so it is never run, only named. */
  readonly functionCtor: JsObject;
  /** Global names the runtime model gives a value. */
  readonly globals = new Map<string, JsValue>();
  /**
   * What `Object.prototype.toString` calls each kind of object (`[object Array]`): the names of the
   * constructors the runtime model installs, so the engine spells no global itself.
   */
  private readonly tags = new Map<string, string>();
  /** The name of the Error constructor, from the model (`Type` + it is a TypeError). */
  private errorName = '';
  private readonly regexes = new WeakMap<JsObject, CompiledRegex>();

  constructor(
    private readonly vm: Interpreter,
    builtins: readonly { path: string; op: BuiltinOp }[],
    functionGlobal: Value,
  ) {
    const heap = vm.heap;
    const proto = (kind: string, parent: JsObject | null): JsObject => {
      const o = heap.alloc(kind, parent);
      o.builtin = true;
      return o;
    };
    this.objectProto = proto('object', null);
    this.functionProto = proto('function', this.objectProto);
    this.functionProto.native = () => undefined;
    this.arrayProto = proto('array', this.objectProto);
    this.stringProto = proto('boxed', this.objectProto);
    this.stringProto.primitive = '';
    this.numberProto = proto('boxed', this.objectProto);
    this.numberProto.primitive = 0;
    this.booleanProto = proto('boxed', this.objectProto);
    this.booleanProto.primitive = false;
    this.regexpProto = proto('regexp', this.objectProto);
    this.errorProto = proto('error', this.objectProto);
    this.bufferProto = proto('bytes', this.objectProto);
    this.functionCtor = this.native('function', () => {
      throw new Abort('code compiled from a string is never run');
    });
    this.functionCtor.staticValue = functionGlobal;
    this.functionProto.props.set('constructor', this.functionCtor);
    this.functionCtor.props.set('prototype', this.functionProto);
    this.installPrototypes();
    for (const b of builtins) this.installGlobal(b.path, b.op);
  }

  /** A builtin function. */
  native(name: string, call: NativeCall, length = 0): JsObject {
    const f = this.vm.heap.alloc('function', this.functionProto);
    f.native = call;
    f.nativeName = name;
    f.builtin = true;
    f.props.set('name', name);
    f.props.set('length', length);
    return f;
  }

  private method(target: JsObject, name: string, call: NativeCall, length = 0): void {
    target.props.set(name, this.native(name, call, length));
  }

  /** A TypeError the interpreted code may catch. */
  typeError(message: string): JsThrow {
    return new JsThrow(this.error(`Type${this.errorName}`, message));
  }

  referenceError(name: string): JsThrow {
    return new JsThrow(this.error(`Reference${this.errorName}`, `${name.slice(0, 40)} is not defined`));
  }

  error(name: string, message: string): JsObject {
    const e = this.vm.heap.alloc('error', this.errorProto);
    e.props.set('name', name);
    e.props.set('message', message);
    return e;
  }

  array(items: JsValue[]): JsObject {
    if (items.length > MAX_ARRAY) throw new Abort('array too long');
    return this.vm.heap.array(items, this.arrayProto);
  }

  /** A RegExp object. @throws Abort on a pattern the matcher does not support. */
  regExp(source: string, flags: string): JsObject {
    const r = this.vm.heap.alloc('regexp', this.regexpProto);
    r.regex = { source, flags };
    r.props.set('lastIndex', 0);
    this.regexes.set(r, compileRegex(source, flags));
    return r;
  }

  private compiled(r: JsValue): CompiledRegex {
    const c = r instanceof JsObject ? this.regexes.get(r) : undefined;
    if (!c) throw new Abort('not a RegExp');
    return c;
  }

  /** `this` as a string (String.prototype methods). */
  private self(v: JsValue): string {
    if (v === undefined || v === null) throw this.typeError('String.prototype method called on null or undefined');
    if (v instanceof JsObject && v.kind === 'boxed' && typeof v.primitive === 'string') return v.primitive;
    return this.vm.toString(v);
  }

  private arraySelf(v: JsValue): JsObject {
    v = usable(v);
    if (!(v instanceof JsObject) || v.elements === null) throw new Abort('an array method on a non-array');
    return v;
  }

  private callback(fn: JsValue): JsObject {
    if (!(fn instanceof JsObject) || !fn.callable) throw this.typeError('callback is not a function');
    return fn;
  }

  private int(v: JsValue, fallback: number): number {
    if (v === undefined) return fallback;
    const n = Math.trunc(this.vm.toNumber(v));
    return Number.isNaN(n) ? 0 : n;
  }

  private installPrototypes(): void {
    const vm = this.vm;
    const heap = vm.heap;
    const op = this.objectProto;
    this.method(op, 'hasOwnProperty', (self, [k]) => self instanceof JsObject && heap.own(self, vm.toKey(k)) !== undefined, 1);
    this.method(op, 'toString', (self) => `[object ${this.tag(self)}]`);
    this.method(op, 'valueOf', (self) => self);
    this.method(op, 'propertyIsEnumerable', (self, [k]) => self instanceof JsObject && heap.own(self, vm.toKey(k)) !== undefined, 1);
    this.method(op, 'isPrototypeOf', (self, [v]) => {
      if (!(v instanceof JsObject)) return false;
      for (let p = v.proto; p !== null; p = p.proto) if (p === self) return true;
      return false;
    });

    const fp = this.functionProto;
    this.method(fp, 'call', (self, args) => vm.call(self, args[0], args.slice(1)), 1);
    this.method(fp, 'apply', (self, [thisArg, list]) => vm.call(self, thisArg, list === undefined || list === null ? [] : vm.iterate(list)), 2);
    this.method(fp, 'bind', (self, [thisArg, ...bound]) => {
      const target = this.callback(self);
      const f = this.native(`bound ${String(heap.lookup(target, 'name') ?? '')}`, (_s, args, isNew) => (isNew ? vm.construct(target, [...bound, ...args]) : vm.call(target, thisArg, [...bound, ...args])));
      f.builtin = false;
      return f;
    }, 1);
    this.method(fp, 'toString', (self) => {
      if (!(self instanceof JsObject) || !self.callable) throw this.typeError('Function.prototype.toString requires a function');
      return self.closure !== null ? vm.functionText(self) : `function ${self.nativeName}() { [native code] }`;
    });

    const np = this.numberProto;
    this.method(np, 'toString', (self, [radix]) => {
      const n = this.numberOf(self);
      const r = radix === undefined ? 10 : this.int(radix, 10);
      if (r < 2 || r > 36) throw new JsThrow(this.error(`Range${this.errorName}`, 'toString() radix must be between 2 and 36'));
      return n.toString(r);
    }, 1);
    this.method(np, 'toFixed', (self, [d]) => {
      const digits = this.int(d, 0);
      if (digits < 0 || digits > 100) throw new JsThrow(this.error(`Range${this.errorName}`, 'toFixed() digits argument must be between 0 and 100'));
      return this.numberOf(self).toFixed(digits);
    }, 1);
    this.method(np, 'valueOf', (self) => this.numberOf(self));
    const bp = this.booleanProto;
    this.method(bp, 'toString', (self) => String(typeof self === 'boolean' ? self : self instanceof JsObject && typeof self.primitive === 'boolean' ? self.primitive : false));
    this.method(bp, 'valueOf', (self) => (typeof self === 'boolean' ? self : self instanceof JsObject ? self.primitive : false));

    this.installString();
    this.installArray();

    const rp = this.regexpProto;
    this.method(rp, 'test', (self, [s]) => this.exec(self, vm.toString(s)) !== null, 1);
    this.method(rp, 'exec', (self, [s]) => {
      const m = this.exec(self, vm.toString(s));
      return m === null ? null : this.matchArray(m);
    }, 1);
    this.method(rp, 'toString', (self) => (self instanceof JsObject && self.regex ? `/${self.regex.source}/${self.regex.flags}` : '/(?:)/'));

    const ep = this.errorProto;
    ep.props.set('message', '');
    this.method(ep, 'toString', (self) => {
      const name = vm.toString(vm.get(self, 'name'));
      const msg = vm.toString(vm.get(self, 'message'));
      return msg === '' ? name : `${name}: ${msg}`;
    });

    this.method(this.bufferProto, 'toString', (self, [enc, start, end]) => {
      const b = self instanceof JsObject ? self.bytes : null;
      if (b === null) throw new Abort('not a Buffer');
      const e = enc === undefined ? 'utf8' : vm.toString(enc).toLowerCase();
      if (!Buffer.isEncoding(e)) throw this.typeError(`unknown encoding: ${e.slice(0, 20)}`);
      return str(b.subarray(this.int(start, 0), this.int(end, b.length)).toString(e));
    });
  }

  /** The class name `Object.prototype.toString` gives a value. */
  private tag(v: JsValue): string {
    if (v === undefined) return 'Undefined';
    if (v === null) return 'Null';
    if (typeof v === 'string') return this.tags.get('string') ?? 'string';
    if (typeof v === 'number') return this.tags.get('number') ?? 'number';
    if (typeof v === 'boolean') return this.tags.get('boolean') ?? 'boolean';
    if (!(v instanceof JsObject)) throw new Abort('the class of a value known only symbolically');
    if (v.kind === 'boxed') return this.tag(v.primitive);
    if (v.kind === 'iterator') return `${this.tags.get('array') ?? 'array'} Iterator`;
    if (v.kind === 'arguments') return 'Arguments';
    if (v.kind === 'bytes') return 'Uint8Array';
    if (v.callable) return this.tags.get('function') ?? 'function';
    return this.tags.get(v.kind) ?? v.kind;
  }

  private numberOf(v: JsValue): number {
    if (typeof v === 'number') return v;
    if (v instanceof JsObject && typeof v.primitive === 'number') return v.primitive;
    throw this.typeError('not a number');
  }

  private installString(): void {
    const vm = this.vm;
    const sp = this.stringProto;
    const m = (name: string, f: (s: string, args: readonly JsValue[]) => JsValue, length = 0): void => {
      this.method(sp, name, (self, args) => {
        const s = this.self(self);
        vm.heap.tick(s.length >> 8);
        return f(s, args);
      }, length);
    };
    m('toString', (s) => s);
    m('valueOf', (s) => s);
    m('charAt', (s, [i]) => s.charAt(this.int(i, 0)), 1);
    m('charCodeAt', (s, [i]) => s.charCodeAt(this.int(i, 0)), 1);
    m('codePointAt', (s, [i]) => s.codePointAt(this.int(i, 0)), 1);
    m('at', (s, [i]) => s.at(this.int(i, 0)), 1);
    m('indexOf', (s, [t, p]) => s.indexOf(vm.toString(t), this.int(p, 0)), 1);
    m('lastIndexOf', (s, [t, p]) => s.lastIndexOf(vm.toString(t), p === undefined ? Infinity : this.int(p, 0)), 1);
    m('includes', (s, [t, p]) => s.includes(vm.toString(t), this.int(p, 0)), 1);
    m('startsWith', (s, [t, p]) => s.startsWith(vm.toString(t), this.int(p, 0)), 1);
    m('endsWith', (s, [t, p]) => s.endsWith(vm.toString(t), p === undefined ? s.length : this.int(p, 0)), 1);
    m('slice', (s, [a, b]) => s.slice(this.int(a, 0), b === undefined ? undefined : this.int(b, 0)), 2);
    m('substring', (s, [a, b]) => s.substring(this.int(a, 0), b === undefined ? undefined : this.int(b, 0)), 2);
    m('substr', (s, [a, b]) => s.substr(this.int(a, 0), b === undefined ? undefined : this.int(b, 0)), 2);
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
      const k = this.int(n, 0);
      if (k < 0 || s.length * k > MAX_STRING) throw new Abort('repeat out of range');
      return s.repeat(k);
    }, 1);
    m('padStart', (s, [n, f]) => str(s.padStart(Math.min(this.int(n, 0), MAX_STRING), f === undefined ? ' ' : vm.toString(f))), 2);
    m('padEnd', (s, [n, f]) => str(s.padEnd(Math.min(this.int(n, 0), MAX_STRING), f === undefined ? ' ' : vm.toString(f))), 2);
    m('localeCompare', (s, [t]) => (s < vm.toString(t) ? -1 : s > vm.toString(t) ? 1 : 0), 1);
    m('split', (s, [sep, limit]) => {
      const lim = limit === undefined ? MAX_ARRAY : Math.min(this.int(limit, 0) >>> 0, MAX_ARRAY);
      if (sep === undefined) return this.array([s]);
      if (sep instanceof JsObject && sep.regex) return this.array(this.splitRegex(s, sep, lim));
      const parts = s.split(vm.toString(sep), lim);
      return this.array(parts);
    }, 2);
    m('replace', (s, [pattern, replacement]) => this.replace(s, pattern, replacement, false), 2);
    m('replaceAll', (s, [pattern, replacement]) => this.replace(s, pattern, replacement, true), 2);
    m('search', (s, [pattern]) => {
      const r = pattern instanceof JsObject && pattern.regex ? this.compiled(pattern) : compileRegex(vm.toString(pattern), '');
      return r.search(s, 0, (n) => vm.heap.tick(n))?.index ?? -1;
    }, 1);
    m('match', (s, [pattern]) => {
      const re = pattern instanceof JsObject && pattern.regex ? pattern : this.regExp(vm.toString(pattern), '');
      const c = this.compiled(re);
      if (!c.global) {
        const found = c.search(s, 0, (n) => vm.heap.tick(n));
        return found === null ? null : this.matchArray(found);
      }
      const all: JsValue[] = [];
      let at = 0;
      while (at <= s.length) {
        const found = c.search(s, at, (n) => vm.heap.tick(n));
        if (found === null) break;
        all.push(found.groups[0]!);
        at = found.end > found.index ? found.end : found.index + 1;
      }
      return all.length === 0 ? null : this.array(all);
    }, 1);
  }

  /** `re.exec(s)` honouring `lastIndex` for global and sticky expressions. */
  private exec(re: JsValue, s: string): { index: number; end: number; groups: (string | undefined)[]; input: string } | null {
    const c = this.compiled(re);
    const o = re as JsObject;
    const stateful = c.global || c.sticky;
    const start = stateful ? this.int(o.props.get('lastIndex'), 0) : 0;
    if (start > s.length) {
      this.vm.heap.write(o, 'lastIndex', 0);
      return null;
    }
    const found = c.sticky ? c.matchAt(s, start, (n) => this.vm.heap.tick(n)) : c.search(s, start, (n) => this.vm.heap.tick(n));
    if (stateful) this.vm.heap.write(o, 'lastIndex', found === null ? 0 : found.end);
    return found === null ? null : { ...found, input: s };
  }

  private matchArray(m: { index: number; groups: (string | undefined)[] }): JsObject {
    const a = this.array(m.groups.slice());
    a.props.set('index', m.index);
    return a;
  }

  private splitRegex(s: string, sep: JsObject, limit: number): JsValue[] {
    const c = this.compiled(sep);
    const out: JsValue[] = [];
    let last = 0;
    let at = 0;
    while (at < s.length && out.length < limit) {
      const found = c.search(s, at, (n) => this.vm.heap.tick(n));
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

  private replace(s: string, pattern: JsValue, replacement: JsValue, all: boolean): string {
    const vm = this.vm;
    const matches: { index: number; end: number; groups: (string | undefined)[] }[] = [];
    if (pattern instanceof JsObject && pattern.regex) {
      const c = this.compiled(pattern);
      if (all && !c.global) throw this.typeError('replaceAll must be called with a global RegExp');
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

  private installArray(): void {
    const vm = this.vm;
    const heap = vm.heap;
    const ap = this.arrayProto;
    const m = (name: string, f: (a: JsObject, items: JsValue[], args: readonly JsValue[]) => JsValue, length = 0): void => {
      this.method(ap, name, (self, args) => {
        const a = this.arraySelf(self);
        heap.tick(a.elements!.length >> 6);
        return f(a, a.elements!, args);
      }, length);
    };
    const mutate = (a: JsObject): JsValue[] => {
      heap.saveElements(a);
      return a.elements!;
    };
    const each = (items: JsValue[], fn: JsValue, thisArg: JsValue, a: JsObject, visit: (r: JsValue, v: JsValue, i: number) => boolean): void => {
      const f = this.callback(fn);
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
      const start = this.int(args[0], 0);
      const count = args.length < 2 ? items.length : this.int(args[1], 0);
      return this.array(mutate(a).splice(start, count, ...args.slice(2)));
    }, 2);
    m('fill', (a, items, [v, s, e]) => {
      mutate(a).fill(v, this.int(s, 0), e === undefined ? items.length : this.int(e, 0));
      return a;
    }, 1);
    m('sort', (a, items, [cmp]) => {
      const e = mutate(a);
      heap.tick(items.length * 4);
      if (cmp === undefined) e.sort((x, y) => (vm.toString(x) < vm.toString(y) ? -1 : vm.toString(x) > vm.toString(y) ? 1 : 0));
      else {
        const f = this.callback(cmp);
        e.sort((x, y) => vm.toNumber(vm.call(f, undefined, [x, y])));
      }
      return a;
    });
    m('slice', (_a, items, [s, e]) => this.array(items.slice(this.int(s, 0), e === undefined ? undefined : this.int(e, 0))), 2);
    m('concat', (_a, items, args) => {
      const out = items.slice();
      for (const x of args) {
        if (x instanceof JsObject && x.elements !== null && x.kind === 'array') out.push(...x.elements);
        else out.push(x);
      }
      return this.array(out);
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
      for (let i = Math.max(0, this.int(from, 0)); i < items.length; i++) if (strictEquals(usable(items[i]), usable(v))) return i;
      return -1;
    }, 1);
    m('lastIndexOf', (_a, items, [v]) => {
      for (let i = items.length - 1; i >= 0; i--) if (strictEquals(usable(items[i]), usable(v))) return i;
      return -1;
    }, 1);
    m('includes', (_a, items, [v]) => items.some((x) => x === v || (Number.isNaN(x) && Number.isNaN(v)) || (!(x instanceof Opaque) && !(v instanceof Opaque) && x === v)), 1);
    m('at', (_a, items, [i]) => items.at(this.int(i, 0)), 1);
    m('map', (a, items, [fn, t]) => {
      const out: JsValue[] = [];
      each(items, fn, t, a, (r) => (out.push(r), true));
      return this.array(out);
    }, 1);
    m('filter', (a, items, [fn, t]) => {
      const out: JsValue[] = [];
      each(items, fn, t, a, (r, v) => (truthy(r) && out.push(v), true));
      return this.array(out);
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
      const f = this.callback(args[0]);
      const order = items.map((_, i) => i);
      if (right) order.reverse();
      let k = 0;
      let acc: JsValue;
      if (args.length > 1) acc = args[1];
      else {
        if (order.length === 0) throw this.typeError('reduce of empty array with no initial value');
        acc = items[order[k++]!];
      }
      for (; k < order.length; k++) acc = vm.call(f, undefined, [acc, items[order[k]!], order[k]!, a]);
      return acc;
    };
    m('reduce', (a, items, args) => reduce(a, items, args, false), 1);
    m('reduceRight', (a, items, args) => reduce(a, items, args, true), 1);
    m('flat', (_a, items) => this.array(items.flatMap((x) => (x instanceof JsObject && x.elements !== null && x.kind === 'array' ? x.elements : [x]))));
    for (const name of ['keys', 'values', 'entries']) {
      // Iterators are not modelled beyond what coercion makes of them: `[]['entries']() + []`.
      m(name, () => heap.alloc('iterator', this.objectProto));
    }
  }

  // ---- globals ------------------------------------------------------------------------------------

  /** The object at a dotted global path, made (as a plain namespace) where the model only implies it. */
  private namespace(path: readonly string[]): JsObject {
    let holder: JsObject | null = null;
    for (let i = 0; i < path.length; i++) {
      const name = path[i]!;
      const existing: JsValue = holder === null ? this.globals.get(name) : holder.props.get(name);
      let next: JsObject;
      if (existing instanceof JsObject) next = existing;
      else {
        next = this.vm.heap.alloc('object', this.objectProto);
        next.builtin = true;
        if (holder === null) this.globals.set(name, next);
        else holder.props.set(name, next);
      }
      holder = next;
    }
    return holder!;
  }

  private installGlobal(path: string, op: BuiltinOp): void {
    const parts = path.split('.');
    const name = parts[parts.length - 1]!;
    const value = this.builtin(op, name);
    const parent = parts.length > 1 ? this.namespace(parts.slice(0, -1)) : null;
    // A constructor installed after its statics (`String` after `String.fromCharCode`) keeps them.
    const existing = parent === null ? this.globals.get(name) : parent.props.get(name);
    if (existing instanceof JsObject && value instanceof JsObject) for (const [k, v] of existing.props) if (!value.props.has(k)) value.props.set(k, v);
    if (parent === null) this.globals.set(name, value);
    else parent.props.set(name, value);
  }

  /** A constructor whose instances have `proto` (and are called `name` by `Object.prototype.toString`). */
  private ctor(name: string, proto: JsObject, call: NativeCall, length = 1): JsObject {
    const f = this.native(name, call, length);
    const kind = proto === this.objectProto ? 'object' : proto === this.arrayProto ? 'array' : proto === this.errorProto ? 'error' : proto === this.regexpProto ? 'regexp' : null;
    if (kind !== null) this.tags.set(kind, name);
    else if (proto === this.stringProto) this.tags.set('string', name);
    else if (proto === this.numberProto) this.tags.set('number', name);
    else if (proto === this.booleanProto) this.tags.set('boolean', name);
    if (proto === this.errorProto) {
      this.errorName = name;
      proto.props.set('name', name);
    }
    f.props.set('prototype', proto);
    proto.props.set('constructor', f);
    return f;
  }

  private builtin(op: BuiltinOp, name: string): JsValue {
    const vm = this.vm;
    const heap = vm.heap;
    const s = (args: readonly JsValue[]): string => vm.toString(args[0]);
    const uri = (f: (x: string) => string): NativeCall => (_self, args) => {
      try {
        return str(f(s(args)));
      } catch {
        throw new JsThrow(this.error(`URI${this.errorName}`, 'URI malformed'));
      }
    };
    switch (op) {
      case 'undefined-value':
        return undefined;
      case 'nan-value':
        return NaN;
      case 'infinity-value':
        return Infinity;
      case 'object':
        return this.ctor(name, this.objectProto, (_self, [v]) => (v instanceof JsObject ? v : this.box(v)));
      case 'function':
        return this.functionCtor;
      case 'array':
        return this.ctor(name, this.arrayProto, (_self, args) => {
          if (args.length === 1 && typeof args[0] === 'number') {
            const n = args[0];
            if (!Number.isInteger(n) || n < 0 || n > MAX_ARRAY) throw new JsThrow(this.error(`Range${this.errorName}`, 'Invalid array length'));
            return this.array(new Array<JsValue>(n).fill(undefined));
          }
          return this.array(args.slice());
        });
      case 'string':
        return this.ctor(name, this.stringProto, (_self, args, isNew) => {
          const v = args.length === 0 ? '' : vm.toString(args[0]);
          return isNew ? this.box(v) : v;
        });
      case 'number':
        return this.ctor(name, this.numberProto, (_self, args, isNew) => {
          const v = args.length === 0 ? 0 : vm.toNumber(args[0]);
          return isNew ? this.box(v) : v;
        });
      case 'boolean':
        return this.ctor(name, this.booleanProto, (_self, [v], isNew) => (isNew ? this.box(truthy(v)) : truthy(v)));
      case 'regexp':
        return this.ctor(name, this.regexpProto, (_self, [p, f]) => {
          if (p instanceof JsObject && p.regex) return this.regExp(p.regex.source, f === undefined ? p.regex.flags : vm.toString(f));
          return this.regExp(p === undefined ? '(?:)' : vm.toString(p), f === undefined ? '' : vm.toString(f));
        }, 2);
      case 'error':
        return this.ctor(name, this.errorProto, (_self, [msg]) => this.error(name, msg === undefined ? '' : vm.toString(msg)));
      case 'array-is-array':
        return this.native(name, (_self, [v]) => v instanceof JsObject && v.kind === 'array', 1);
      case 'array-from':
        return this.native(name, (_self, [v, fn]) => {
          let items: JsValue[];
          if (v instanceof JsObject && v.elements === null && !v.callable) {
            const n = this.int(vm.get(v, 'length'), 0);
            if (n < 0 || n > MAX_ARRAY) throw new Abort('array too long');
            items = [];
            for (let i = 0; i < n; i++) items.push(vm.get(v, String(i)));
          } else items = vm.iterate(v);
          if (fn !== undefined) items = items.map((x, i) => vm.call(fn, undefined, [x, i]));
          return this.array(items);
        }, 1);
      case 'from-char-code':
        return this.native(name, (_self, args) => {
          heap.tick(args.length >> 4);
          return String.fromCharCode(...args.map((a) => vm.toNumber(a)));
        }, 1);
      case 'from-code-point':
        return this.native(name, (_self, args) => {
          try {
            return String.fromCodePoint(...args.map((a) => vm.toNumber(a)));
          } catch {
            throw new JsThrow(this.error(`Range${this.errorName}`, 'Invalid code point'));
          }
        }, 1);
      case 'parse-int':
        return this.native(name, (_self, [v, radix]) => parseInt(vm.toString(v), radix === undefined ? undefined : vm.toNumber(radix)), 2);
      case 'parse-float':
        return this.native(name, (_self, [v]) => parseFloat(vm.toString(v)), 1);
      case 'is-nan':
        return this.native(name, (_self, [v]) => Number.isNaN(vm.toNumber(v)), 1);
      case 'is-finite':
        return this.native(name, (_self, [v]) => Number.isFinite(vm.toNumber(v)), 1);
      case 'decode-uri-component':
        return this.native(name, uri(decodeURIComponent), 1);
      case 'decode-uri':
        return this.native(name, uri(decodeURI), 1);
      case 'encode-uri-component':
        return this.native(name, uri(encodeURIComponent), 1);
      case 'encode-uri':
        return this.native(name, uri(encodeURI), 1);
      case 'percent-escape':
        return this.native(name, (_self, args) => str(escape(s(args))), 1);
      case 'percent-unescape':
        return this.native(name, (_self, args) => str(unescape(s(args))), 1);
      case 'base64-decode':
        return this.native(name, (_self, args) => Buffer.from(s(args), 'base64').toString('latin1'), 1);
      case 'base64-encode':
        return this.native(name, (_self, args) => Buffer.from(s(args), 'latin1').toString('base64'), 1);
      case 'buffer-from':
        return this.native(name, (_self, [v, enc]) => this.bufferFrom(v, enc), 2);
      case 'object-keys':
        return this.native(name, (_self, [o]) => this.array(vm.enumerate(this.objectArg(o))), 1);
      case 'object-values':
        return this.native(name, (_self, [o]) => this.array(vm.enumerate(this.objectArg(o)).map((k) => vm.get(o, k as string))), 1);
      case 'object-entries':
        return this.native(name, (_self, [o]) => this.array(vm.enumerate(this.objectArg(o)).map((k) => this.array([k, vm.get(o, k as string)]))), 1);
      case 'object-get-own-property-names':
        return this.native(name, (_self, [o]) => {
          const obj = this.objectArg(o);
          if (obj.lazy) heap.materialize(obj);
          const keys: JsValue[] = obj.elements !== null ? obj.elements.map((_, i) => String(i)) : [];
          if (obj.elements !== null) keys.push('length');
          return this.array([...keys, ...obj.props.keys()]);
        }, 1);
      case 'object-assign':
        return this.native(name, (_self, [target, ...sources]) => {
          const t = this.objectArg(target);
          for (const src of sources) {
            if (src === undefined || src === null) continue;
            for (const k of vm.enumerate(src)) vm.set(t, k as string, vm.get(src, k as string));
          }
          return t;
        }, 2);
      case 'object-create':
        return this.native(name, (_self, [proto]) => {
          if (proto !== null && !(proto instanceof JsObject)) throw this.typeError('Object prototype may only be an Object or null');
          return heap.alloc('object', proto);
        }, 2);
      case 'object-define-property':
        return this.native(name, (_self, [o, k, desc]) => {
          const target = this.objectArg(o);
          if (!(desc instanceof JsObject)) throw this.typeError('Property description must be an object');
          if (heap.lookup(desc, 'get') !== undefined || heap.lookup(desc, 'set') !== undefined) throw new Abort('an accessor property');
          vm.set(target, vm.toKey(k), heap.lookup(desc, 'value'));
          return target;
        }, 3);
      case 'object-freeze':
        return this.native(name, (_self, [o]) => o, 1);
      case 'object-get-prototype-of':
        return this.native(name, (_self, [o]) => {
          const v = usable(o);
          if (v instanceof JsObject) return v.proto;
          if (typeof v === 'string') return this.stringProto;
          if (typeof v === 'number') return this.numberProto;
          if (typeof v === 'boolean') return this.booleanProto;
          throw new Abort('the prototype of something the interpreter does not model');
        }, 1);
      default:
        return this.math(op, name);
    }
  }

  private math(op: BuiltinOp, name: string): JsValue {
    const vm = this.vm;
    const unary: Partial<Record<BuiltinOp, (x: number) => number>> = {
      'math-floor': Math.floor,
      'math-ceil': Math.ceil,
      'math-round': Math.round,
      'math-trunc': Math.trunc,
      'math-abs': Math.abs,
      'math-sign': Math.sign,
      'math-sqrt': Math.sqrt,
    };
    const f = unary[op];
    if (f) return this.native(name, (_self, [x]) => f(vm.toNumber(x)), 1);
    switch (op) {
      case 'math-min':
        return this.native(name, (_self, args) => Math.min(...args.map((a) => vm.toNumber(a))), 2);
      case 'math-max':
        return this.native(name, (_self, args) => Math.max(...args.map((a) => vm.toNumber(a))), 2);
      case 'math-pow':
        return this.native(name, (_self, [a, b]) => vm.toNumber(a) ** vm.toNumber(b), 2);
      case 'math-imul':
        return this.native(name, (_self, [a, b]) => Math.imul(vm.toNumber(a), vm.toNumber(b)), 2);
      default:
        throw new Error(`runtime model: unknown builtin op ${op}`);
    }
  }

  private objectArg(o: JsValue): JsObject {
    const v = usable(o);
    if (v instanceof JsObject) return v;
    if (v instanceof Opaque) throw new Abort('reflection on a value known only symbolically');
    if (v === undefined || v === null) throw this.typeError('Cannot convert undefined or null to object');
    return this.box(v);
  }

  /** `Object(primitive)`. */
  private box(v: JsValue): JsObject {
    const proto = typeof v === 'string' ? this.stringProto : typeof v === 'number' ? this.numberProto : typeof v === 'boolean' ? this.booleanProto : this.objectProto;
    const o = this.vm.heap.alloc(proto === this.objectProto ? 'object' : 'boxed', proto);
    o.primitive = v;
    if (typeof v === 'string') o.props.set('length', v.length);
    return o;
  }

  private bufferFrom(v: JsValue, enc: JsValue): JsObject {
    const vm = this.vm;
    let bytes: Buffer;
    if (v instanceof JsObject && v.elements !== null) bytes = Buffer.from(v.elements.map((x) => vm.toNumber(x) & 0xff));
    else if (v instanceof JsObject && v.bytes !== null) bytes = Buffer.from(v.bytes);
    else {
      const text = vm.toString(v);
      const e = enc === undefined ? 'utf8' : vm.toString(enc).toLowerCase();
      if (!Buffer.isEncoding(e)) throw this.typeError(`unknown encoding: ${e.slice(0, 20)}`);
      bytes = Buffer.from(text, e);
    }
    if (bytes.length > MAX_STRING) throw new Abort('buffer too long');
    const b = vm.heap.alloc('bytes', this.bufferProto);
    b.bytes = bytes;
    b.props.set('length', bytes.length);
    return b;
  }

  /** True when `key` names a method of the prototype values of `kind` have (`[]['flat']`). */
  methodOf(kind: 'array' | 'string', key: string): JsObject | undefined {
    const proto = kind === 'array' ? this.arrayProto : this.stringProto;
    const v = arrayIndex(key) === -1 ? this.vm.heap.lookup(proto, key) : undefined;
    return v instanceof JsObject && v.callable ? v : undefined;
  }
}
