import type { BuiltinOp } from '../../capabilities/runtime.js';
import type { Interpreter } from './js-interpreter.js';
import { installArray, installPrototypes, installString } from './js-prototypes.js';
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
  errorName = '';
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
    installPrototypes(this, vm);
    installString(this, vm);
    installArray(this, vm);
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

  method(target: JsObject, name: string, call: NativeCall, length = 0): void {
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

  compiled(r: JsValue): CompiledRegex {
    const c = r instanceof JsObject ? this.regexes.get(r) : undefined;
    if (!c) throw new Abort('not a RegExp');
    return c;
  }

  /** `this` as a string (String.prototype methods). */
  self(v: JsValue): string {
    if (v === undefined || v === null) throw this.typeError('String.prototype method called on null or undefined');
    if (v instanceof JsObject && v.kind === 'boxed' && typeof v.primitive === 'string') return v.primitive;
    return this.vm.toString(v);
  }

  arraySelf(v: JsValue): JsObject {
    v = usable(v);
    if (!(v instanceof JsObject) || v.elements === null) throw new Abort('an array method on a non-array');
    return v;
  }

  callback(fn: JsValue): JsObject {
    if (!(fn instanceof JsObject) || !fn.callable) throw this.typeError('callback is not a function');
    return fn;
  }

  int(v: JsValue, fallback: number): number {
    if (v === undefined) return fallback;
    const n = Math.trunc(this.vm.toNumber(v));
    return Number.isNaN(n) ? 0 : n;
  }

  /** The class name `Object.prototype.toString` gives a value. */
  tag(v: JsValue): string {
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

  numberOf(v: JsValue): number {
    if (typeof v === 'number') return v;
    if (v instanceof JsObject && typeof v.primitive === 'number') return v.primitive;
    throw this.typeError('not a number');
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
