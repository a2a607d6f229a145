import type { Node } from '@babel/types';
import type { Value } from './scope.js';
import { Heap } from './js-heap.js';
import { hoisting } from './js-hoisting.js';
import { binary, looseEquals, toKey, toNumber, toPrimitive, toString } from './js-operators.js';
import { enumerate, execute, NORMAL, RETURN, runBody } from './js-statements.js';
import type { Realm } from './js-builtins.js';
import { Abort, arrayIndex, Env, JsObject, JsThrow, Opaque, Poison, strictEquals, TDZ, truthy, typeOf, usable, type JsValue } from './js-values.js';

type AnyNode = Node & Record<string, unknown>;

/** What the interpreter asks the engine about values it knows only symbolically (modules, globals). */
export interface Host {
  /** `value[key]` in the engine's value model; `null` for a key that is not a string. */
  member(value: Value, key: string | null): JsValue;
  /** Calls a symbolic value (a loader called with a name gives a module). @throws Abort otherwise. */
  call(fn: Value, args: readonly JsValue[]): JsValue;
}

/**
 * A tree-walking interpreter for the subset of JavaScript that decoders, string-array rotations, interop
 * helpers and coercion tricks are written in. It evaluates the package's AST on a heap of its own under a
 * step budget; it never hands package text to V8 (`Function`, `eval` and anything that would stop, as does
 * every host object but the pure builtins of the runtime model).
 */
export class Interpreter {
  readonly heap: Heap;
  realm!: Realm;
  /** Exploration: statements that cannot run are skipped (their writes undone and poisoned), not fatal. */
  exploring = false;
  /** Nesting of loops being run: inside one, a statement that cannot run stops the whole loop. */
  loops = 0;
  /** Environments by the node that opened them, with how many times it did (exploration only). */
  readonly recorded = new Map<Node, { env: Env; count: number }>();
  completionValue: JsValue = undefined;
  completionLabel: string | null = null;
  /** The label of the statement about to run (a labelled loop's `continue label`). */
  label: string | null = null;

  constructor(
    readonly host: Host,
    readonly source: string,
    budget: number,
  ) {
    this.heap = new Heap(budget);
    this.heap.materialize = (o) => this.materializeFunction(o);
  }

  // ---- values -------------------------------------------------------------------------------------

  /** The prototype a primitive's members come from. */
  private protoOf(v: JsValue): JsObject {
    switch (typeof v) {
      case 'string':
        return this.realm.stringProto;
      case 'number':
        return this.realm.numberProto;
      case 'boolean':
        return this.realm.booleanProto;
      default:
        throw this.realm.typeError('cannot read properties of a non-object');
    }
  }

  /** `v[key]`. */
  get(v: JsValue, key: string): JsValue {
    if (v instanceof JsObject) return this.heap.lookup(v, key);
    if (typeof v === 'string') {
      if (key === 'length') return v.length;
      const i = arrayIndex(key);
      if (i !== -1) return i < v.length ? v[i] : undefined;
      return this.heap.lookup(this.realm.stringProto, key);
    }
    if (v instanceof Opaque) return this.host.member(v.value, key);
    if (v instanceof Poison) throw new Abort('a skipped value');
    if (v === undefined || v === null) throw this.realm.typeError(`cannot read properties of ${String(v)} (reading '${key.slice(0, 40)}')`);
    return this.heap.lookup(this.protoOf(v), key);
  }

  /** `v[key] = value`. */
  set(v: JsValue, key: string, value: JsValue): void {
    if (v instanceof JsObject) {
      this.heap.write(v, key, value);
      return;
    }
    if (v === undefined || v === null) throw this.realm.typeError(`cannot set properties of ${String(v)}`);
    if (v instanceof Opaque || v instanceof Poison) throw new Abort('a write to a value known only symbolically');
    // Writes to primitives are lost (sloppy mode).
  }

  /** Calls `fn` with `self` as `this`. */
  call(fn: JsValue, self: JsValue, args: readonly JsValue[]): JsValue {
    if (fn instanceof JsObject) {
      if (fn.poisoned) throw new Abort('a half-written function');
      if (fn.closure !== null) return this.callClosure(fn, self, args, null);
      if (fn.native !== null) {
        this.heap.tick();
        return this.charged(fn.native(self, args, false));
      }
    }
    if (fn instanceof Opaque) return this.host.call(fn.value, args);
    if (fn instanceof Poison) throw new Abort('a skipped value');
    throw this.realm.typeError('not a function');
  }

  /**
   * Charges what a builtin made to the step budget, by its size (a step per 16 characters, per 4
   * elements): a loop of `split('')` or `new Array(n)` costs what it allocates, not one step a call.
   */
  private charged(v: JsValue): JsValue {
    if (typeof v === 'string') this.heap.tick(v.length >> 4);
    else if (v instanceof JsObject) {
      if (v.elements !== null) this.heap.tick(v.elements.length >> 2);
      else if (v.bytes !== null) this.heap.tick(v.bytes.length >> 4);
    }
    return v;
  }

  /** `new fn(...args)`. */
  construct(fn: JsValue, args: readonly JsValue[]): JsValue {
    if (fn instanceof JsObject && fn.closure !== null && !fn.closure.arrow) {
      const protoValue = this.heap.lookup(fn, 'prototype');
      const self = this.heap.alloc('object', protoValue instanceof JsObject ? protoValue : this.realm.objectProto);
      const result = this.callClosure(fn, self, args, self);
      return result instanceof JsObject ? result : self;
    }
    if (fn instanceof JsObject && fn.native !== null) {
      this.heap.tick();
      return this.charged(fn.native(undefined, args, true));
    }
    throw new Abort('construction of something the interpreter does not model');
  }

  /** ToPrimitive: `valueOf`/`toString` as the code defines them. */
  toPrimitive(v: JsValue, hint: 'string' | 'number' | 'default'): JsValue {
    return toPrimitive(this, v, hint);
  }

  /** ToString. */
  toString(v: JsValue): string {
    return toString(this, v);
  }

  /** ToNumber. */
  toNumber(v: JsValue): number {
    return toNumber(this, v);
  }

  /** ToPropertyKey (symbols are not modelled). */
  toKey(v: JsValue): string {
    return toKey(this, v);
  }

  /** `a == b`. */
  looseEquals(a: JsValue, b: JsValue): boolean {
    return looseEquals(this, a, b);
  }

  /** Runs a statement; returns its completion type (the value and label are in the completion fields). */
  execute(node: Node, env: Env): number {
    return execute(this, node, env);
  }

  /** Runs a function or program body (js-statements.ts). */
  runBody(body: readonly Node[], env: Env, program = false): boolean {
    return runBody(this, body, env, program);
  }

  /** The enumerable string keys `for…in` visits. */
  enumerate(v: JsValue): JsValue[] {
    return enumerate(this, v);
  }

  // ---- environments -------------------------------------------------------------------------------

  /** The value of `name`. */
  private read(env: Env, name: string): JsValue {
    let e: Env | null = env;
    let last: Env = env;
    while (e !== null) {
      const v = e.vars.get(name);
      if (v !== undefined || e.vars.has(name)) {
        if (v === TDZ) throw this.realm.referenceError(name);
        if (v instanceof Poison) throw new Abort(`${name} was not computed`);
        return v as JsValue;
      }
      last = e;
      e = e.parent;
    }
    if (name === 'arguments') return this.argumentsOf(env);
    const fallback = last.fallback;
    if (fallback === null) throw this.realm.referenceError(name);
    return fallback(name);
  }

  /** `name = value`. */
  private assign(env: Env, name: string, value: JsValue): void {
    let holder = env.find(name);
    if (holder === null) {
      // An undeclared name written in sloppy mode: a global the program made.
      holder = env.root();
    }
    this.heap.writeVar(holder, name, value);
  }

  /** The `this` of the nearest function activation. */
  private thisOf(env: Env): JsValue {
    for (let e: Env | null = env; e !== null; e = e.parent) if (e.hasThis) return e.thisValue;
    return undefined;
  }

  /** Declares what a body hoists: `var` names, function declarations (made now), lexical names (TDZ). */
  hoist(body: readonly Node[], env: Env, functionScope: boolean, owner: Node): void {
    const h = hoisting(owner, body, functionScope);
    for (const name of h.vars) if (!env.vars.has(name)) this.heap.writeVar(env, name, undefined);
    for (const name of h.lexical) this.heap.writeVar(env, name, TDZ);
    for (const fn of h.functions) {
      const id = (fn as AnyNode).id as { name: string } | null;
      if (id) this.heap.writeVar(env, id.name, this.makeFunction(fn, env, undefined));
    }
  }

  /** Remembers the environment a node opened (exploration), for sites evaluated later. */
  record(node: Node, env: Env): void {
    if (!this.exploring) return;
    const r = this.recorded.get(node);
    if (r) {
      r.env = env;
      r.count++;
    } else this.recorded.set(node, { env, count: 1 });
  }

  /** A function object for a function node closing over `env`. */
  makeFunction(node: Node, env: Env, lexicalThis: JsValue): JsObject {
    const arrow = node.type === 'ArrowFunctionExpression';
    const fn = this.heap.alloc('function', this.realm.functionProto);
    fn.closure = { node, env, arrow, lexicalThis };
    fn.lazy = true;
    return fn;
  }

  /** Makes a function's `prototype`, `length` and `name` (on first use of any of its properties). */
  materializeFunction(fn: JsObject): void {
    fn.lazy = false;
    const node = fn.closure!.node as AnyNode;
    if (node.type !== 'ArrowFunctionExpression' && node.type !== 'ObjectMethod' && node.type !== 'ClassMethod') {
      const proto = this.heap.alloc('object', this.realm.objectProto);
      proto.props.set('constructor', fn);
      fn.props.set('prototype', proto);
    }
    const params = node.params as Node[];
    fn.props.set('length', params.filter((p) => p.type === 'Identifier').length);
    const id = node.id as { name: string } | null | undefined;
    fn.props.set('name', id?.name ?? '');
  }

  /** The source text of an interpreted function (`String(fn)`), as V8 gives it. */
  functionText(fn: JsObject): string {
    const node = fn.closure!.node;
    return this.source.slice(node.start ?? 0, node.end ?? 0);
  }

  private callClosure(fn: JsObject, self: JsValue, args: readonly JsValue[], newTarget: JsObject | null): JsValue {
    const c = fn.closure!;
    const node = c.node as AnyNode;
    if (node.async || node.generator) throw new Abort('async or generator function');
    this.heap.enter();
    try {
      this.heap.tick();
      const env = this.heap.env(c.env);
      if (!c.arrow) {
        env.hasThis = true;
        env.thisValue = newTarget ?? self;
        env.args = args;
        const id = node.id as { name: string } | null | undefined;
        if (node.type === 'FunctionExpression' && id) this.heap.writeVar(env, id.name, fn);
      }
      const params = node.params as Node[];
      for (let i = 0; i < params.length; i++) {
        const p = params[i]!;
        if (p.type === 'RestElement') this.bind(p.argument, this.heap.array(args.slice(i) as JsValue[], this.realm.arrayProto), env, true);
        else this.bind(p, args[i], env, true);
      }
      const body = node.body as AnyNode;
      if (body.type !== 'BlockStatement') return this.evaluate(body, env);
      this.hoist(body.body as Node[], env, true, node);
      this.record(node, env);
      const tainted = runBody(this, body.body as Node[], env);
      const returned = this.completionType === RETURN ? this.completionValue : undefined;
      this.completionType = NORMAL;
      this.completionValue = undefined;
      // A body that skipped a statement returns a value nobody can vouch for.
      return tainted ? Poison.one : returned;
    } finally {
      this.heap.leave();
    }
  }

  completionType = NORMAL;

  /** Binds a pattern to a value: a declaration (`declare`) or an assignment target. */
  bind(pattern: Node, value: JsValue, env: Env, declare: boolean): void {
    const p = pattern as AnyNode;
    switch (pattern.type) {
      case 'Identifier':
        if (declare) this.heap.writeVar(env, pattern.name, value);
        else this.assign(env, pattern.name, value);
        return;
      case 'AssignmentPattern':
        this.bind(p.left as Node, value === undefined ? this.evaluate(p.right as Node, env) : value, env, declare);
        return;
      case 'MemberExpression':
        this.set(this.evaluate(p.object as Node, env), this.memberKey(p, env), value);
        return;
      case 'ArrayPattern': {
        const items = this.iterate(value);
        const elements = p.elements as (Node | null)[];
        for (let i = 0; i < elements.length; i++) {
          const el = elements[i];
          if (!el) continue;
          if (el.type === 'RestElement') this.bind(el.argument, this.heap.array(items.slice(i), this.realm.arrayProto), env, declare);
          else this.bind(el, items[i], env, declare);
        }
        return;
      }
      case 'ObjectPattern': {
        const source = usable(value);
        if (source === undefined || source === null) throw this.realm.typeError('cannot destructure');
        const used = new Set<string>();
        for (const prop of p.properties as AnyNode[]) {
          if (prop.type === 'RestElement') {
            if (!(source instanceof JsObject)) throw new Abort('rest of a non-object');
            if (source.lazy) this.materializeFunction(source);
            const rest = this.heap.alloc('object', this.realm.objectProto);
            for (const [k, v] of source.props) if (!used.has(k)) rest.props.set(k, v);
            this.bind(prop.argument as Node, rest, env, declare);
            continue;
          }
          const key = prop.computed ? toKey(this, this.evaluate(prop.key as Node, env)) : this.staticKey(prop.key as Node);
          used.add(key);
          this.bind(prop.value as Node, this.get(source, key), env, declare);
        }
        return;
      }
      default:
        throw new Abort(`binding pattern ${pattern.type}`);
    }
  }

  /** The elements an iterable gives (arrays, strings, `arguments`). */
  iterate(v: JsValue): JsValue[] {
    v = usable(v);
    if (typeof v === 'string') {
      this.heap.tick(v.length >> 6);
      return [...v];
    }
    if (v instanceof JsObject && v.elements !== null) {
      if (v.proto !== this.realm.arrayProto && v.kind !== 'arguments') throw new Abort('a custom iterable');
      this.heap.tick(v.elements.length >> 4);
      return v.elements.slice();
    }
    throw new Abort('iteration of something other than an array or a string');
  }

  private staticKey(key: Node): string {
    if (key.type === 'Identifier') return key.name;
    if (key.type === 'StringLiteral') return key.value;
    if (key.type === 'NumericLiteral') return String(key.value);
    throw new Abort(`property key ${key.type}`);
  }

  memberKey(node: AnyNode, env: Env): string {
    const property = node.property as Node;
    if (!node.computed) {
      if (property.type !== 'Identifier') throw new Abort('a private name');
      return property.name;
    }
    return toKey(this, this.evaluate(property, env));
  }

  // ---- statements ---------------------------------------------------------------------------------

  // ---- expressions --------------------------------------------------------------------------------

  /** Evaluates an expression. */
  evaluate(node: Node, env: Env): JsValue {
    this.heap.tick();
    const n = node as AnyNode;
    // The most frequent first: a switch over node types compares them in order.
    switch (node.type) {
      case 'Identifier':
        return this.read(env, node.name);
      case 'NumericLiteral':
        return node.value;
      case 'MemberExpression': {
        const object = this.evaluate(n.object as Node, env);
        return this.get(object, this.memberKey(n, env));
      }
      case 'BinaryExpression':
        return binary(this, n.operator as string, this.evaluate(n.left as Node, env), this.evaluate(n.right as Node, env));
      case 'CallExpression':
        return this.callExpression(n, env);
      case 'AssignmentExpression':
        return this.assignment(n, env);
      default:
        return this.evaluateOther(node, n, env);
    }
  }

  private evaluateOther(node: Node, n: AnyNode, env: Env): JsValue {
    switch (node.type) {
      case 'StringLiteral':
        return node.value;
      case 'NumericLiteral':
        return node.value;
      case 'BooleanLiteral':
        return node.value;
      case 'NullLiteral':
        return null;
      case 'RegExpLiteral':
        return this.realm.regExp(node.pattern, node.flags);
      case 'TemplateLiteral': {
        let out = '';
        const quasis = n.quasis as { value: { cooked?: string | null } }[];
        const exprs = n.expressions as Node[];
        for (let i = 0; i < quasis.length; i++) {
          out += quasis[i]!.value.cooked ?? '';
          if (i < exprs.length) out += toString(this, this.evaluate(exprs[i]!, env));
        }
        return out;
      }
      case 'Identifier':
        return this.read(env, node.name);
      case 'ThisExpression':
        return this.thisOf(env);
      case 'ArrayExpression': {
        const items: JsValue[] = [];
        for (const el of n.elements as (Node | null)[]) {
          if (el === null) items.push(undefined);
          else if (el.type === 'SpreadElement') items.push(...this.iterate(this.evaluate(el.argument, env)));
          else items.push(this.evaluate(el, env));
        }
        this.heap.tick(items.length >> 4);
        return this.heap.array(items, this.realm.arrayProto);
      }
      case 'ObjectExpression':
        return this.object(n, env);
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        return this.makeFunction(node, env, node.type === 'ArrowFunctionExpression' ? this.thisOf(env) : undefined);
      case 'UnaryExpression':
        return this.unary(n, env);
      case 'UpdateExpression': {
        const arg = n.argument as AnyNode;
        const old = toNumber(this, this.evaluate(arg, env));
        const next = n.operator === '++' ? old + 1 : old - 1;
        this.store(arg, next, env);
        return n.prefix ? next : old;
      }
      case 'BinaryExpression':
        return binary(this, n.operator as string, this.evaluate(n.left as Node, env), this.evaluate(n.right as Node, env));
      case 'LogicalExpression': {
        const left = this.evaluate(n.left as Node, env);
        switch (n.operator) {
          case '&&':
            return truthy(left) ? this.evaluate(n.right as Node, env) : left;
          case '||':
            return truthy(left) ? left : this.evaluate(n.right as Node, env);
          default:
            return usable(left) === undefined || left === null ? this.evaluate(n.right as Node, env) : left;
        }
      }
      case 'ConditionalExpression':
        return truthy(this.evaluate(n.test as Node, env)) ? this.evaluate(n.consequent as Node, env) : this.evaluate(n.alternate as Node, env);
      case 'AssignmentExpression':
        return this.assignment(n, env);
      case 'SequenceExpression': {
        let v: JsValue;
        for (const e of n.expressions as Node[]) v = this.evaluate(e, env);
        return v!;
      }
      case 'MemberExpression':
      case 'OptionalMemberExpression': {
        const object = this.evaluate(n.object as Node, env);
        if (n.optional && (object === undefined || object === null)) return undefined;
        return this.get(object, this.memberKey(n, env));
      }
      case 'CallExpression':
      case 'OptionalCallExpression':
        return this.callExpression(n, env);
      case 'NewExpression': {
        const fn = this.evaluate(n.callee as Node, env);
        return this.construct(fn, this.arguments(n.arguments as Node[], env));
      }
      case 'ParenthesizedExpression':
      case 'TSAsExpression':
      case 'TSNonNullExpression':
      case 'TSSatisfiesExpression':
      case 'TypeCastExpression':
        return this.evaluate(n.expression as Node, env);
      default:
        throw new Abort(`expression ${node.type}`);
    }
  }

  private object(n: AnyNode, env: Env): JsObject {
    const o = this.heap.alloc('object', this.realm.objectProto);
    for (const p of n.properties as AnyNode[]) {
      if (p.type === 'SpreadElement') {
        const src = usable(this.evaluate(p.argument as Node, env));
        if (src instanceof JsObject) for (const k of enumerate(this, src)) o.props.set(k as string, this.get(src, k as string));
        else if (src instanceof Opaque) throw new Abort('spread of a value known only symbolically');
        continue;
      }
      const key = p.computed ? toKey(this, this.evaluate(p.key as Node, env)) : this.staticKey(p.key as Node);
      if (p.type === 'ObjectMethod') {
        if (p.kind !== 'method') throw new Abort('an accessor property');
        o.props.set(key, this.makeFunction(p as Node, env, undefined));
        continue;
      }
      const value = this.evaluate(p.value as Node, env);
      if (key === '__proto__' && !p.computed) {
        if (value === null) o.proto = null;
        else if (value instanceof JsObject) o.proto = value;
        continue;
      }
      o.props.set(key, value);
    }
    return o;
  }

  private unary(n: AnyNode, env: Env): JsValue {
    const arg = n.argument as AnyNode;
    switch (n.operator) {
      case 'typeof':
        if (arg.type === 'Identifier' && env.find(arg.name as string) === null) {
          const fallback = env.root().fallback;
          if (fallback === null) return 'undefined';
          return typeOf(fallback(arg.name as string));
        }
        return typeOf(this.evaluate(arg, env));
      case 'delete': {
        if (arg.type !== 'MemberExpression') return true;
        const o = this.evaluate(arg.object as Node, env);
        if (!(o instanceof JsObject)) throw new Abort('delete on a non-object');
        this.heap.remove(o, this.memberKey(arg, env));
        return true;
      }
      case 'void':
        this.evaluate(arg, env);
        return undefined;
      case '!':
        return !truthy(this.evaluate(arg, env));
      case '-':
        return -toNumber(this, this.evaluate(arg, env));
      case '+':
        return toNumber(this, this.evaluate(arg, env));
      case '~':
        return ~toNumber(this, this.evaluate(arg, env));
      default:
        throw new Abort(`operator ${String(n.operator)}`);
    }
  }

  /** Writes to an assignment target (identifier or member). */
  private store(target: AnyNode, value: JsValue, env: Env): void {
    if (target.type === 'Identifier') this.assign(env, target.name as string, value);
    else if (target.type === 'MemberExpression') this.set(this.evaluate(target.object as Node, env), this.memberKey(target, env), value);
    else this.bind(target as Node, value, env, false);
  }

  private assignment(n: AnyNode, env: Env): JsValue {
    const left = n.left as AnyNode;
    const op = n.operator as string;
    if (op === '=') {
      if (left.type === 'MemberExpression') {
        const object = this.evaluate(left.object as Node, env);
        const key = this.memberKey(left, env);
        const value = this.evaluate(n.right as Node, env);
        this.set(object, key, value);
        return value;
      }
      const value = this.evaluate(n.right as Node, env);
      this.store(left, value, env);
      return value;
    }
    let object: JsValue;
    let key = '';
    let current: JsValue;
    if (left.type === 'MemberExpression') {
      object = this.evaluate(left.object as Node, env);
      key = this.memberKey(left, env);
      current = this.get(object, key);
    } else if (left.type === 'Identifier') current = this.read(env, left.name as string);
    else throw new Abort('compound assignment to a pattern');
    let value: JsValue;
    if (op === '&&=' || op === '||=' || op === '??=') {
      const keep = op === '&&=' ? !truthy(current) : op === '||=' ? truthy(current) : usable(current) !== undefined && current !== null;
      if (keep) return current;
      value = this.evaluate(n.right as Node, env);
    } else value = binary(this, op.slice(0, -1), current, this.evaluate(n.right as Node, env));
    if (left.type === 'MemberExpression') this.set(object, key, value);
    else this.assign(env, left.name as string, value);
    return value;
  }

  private arguments(args: readonly Node[], env: Env): JsValue[] {
    const out: JsValue[] = [];
    for (const a of args) {
      if (a.type === 'SpreadElement') out.push(...this.iterate(this.evaluate(a.argument, env)));
      else out.push(this.evaluate(a, env));
    }
    return out;
  }

  private callExpression(n: AnyNode, env: Env): JsValue {
    const callee = n.callee as AnyNode;
    let fn: JsValue;
    let self: JsValue = undefined;
    if (callee.type === 'MemberExpression' || callee.type === 'OptionalMemberExpression') {
      self = this.evaluate(callee.object as Node, env);
      if (callee.optional && (self === undefined || self === null)) return undefined;
      fn = this.get(self, this.memberKey(callee, env));
    } else {
      if (callee.type === 'Import' || callee.type === 'Super') throw new Abort(`call of ${callee.type}`);
      fn = this.evaluate(callee, env);
    }
    if (n.optional && (fn === undefined || fn === null)) return undefined;
    return this.call(fn, self, this.arguments(n.arguments as Node[], env));
  }

  /** The interpreted `arguments` object of the nearest function activation. */
  argumentsOf(env: Env): JsObject {
    for (let e: Env | null = env; e !== null; e = e.parent) {
      if (!e.hasThis) continue;
      if (e.argumentsObject === null) {
        const a = this.heap.alloc('arguments', this.realm.objectProto);
        a.elements = (e.args ?? []).slice();
        e.argumentsObject = a;
      }
      return e.argumentsObject;
    }
    throw new Abort('arguments outside a function');
  }
}
