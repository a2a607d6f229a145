import { VISITOR_KEYS } from '@babel/types';
import type { Node } from '@babel/types';
import { PARTIAL_EVALUATION_STEPS } from '../limits.js';
import type { CatalogIndex } from './catalog-index.js';
import type { Evaluator } from './evaluate.js';
import { Realm } from './js-builtins.js';
import { hoisting, patternNames } from './js-hoisting.js';
import { Interpreter } from './js-interpreter.js';
import { Abort, Env, JsObject, JsThrow, Opaque, Poison, truthy, type JsValue } from './js-values.js';
import { UNKNOWN, type Scope, type Value } from './scope.js';

type AnyNode = Node & Record<string, unknown>;

/** Longest array handed back to the engine's value model. */
const MAX_ITEMS = 65_536;
/** Nodes looked at before folding; a longer expression (a JSFuck payload) is simply tried. */
const FOLD_LOOK = 2_000;

let methods: { array: ReadonlySet<string>; string: ReadonlySet<string> } | undefined;

/** True when values of `kind` have a method `key` (`[]['flat']`, `''['big']`): its `.constructor` is Function. */
export function isMethod(kind: 'array' | 'string', key: string): boolean {
  if (methods === undefined) {
    const vm = new Interpreter({ member: () => undefined, call: () => undefined }, '', 1 << 20);
    const realm = new Realm(vm, [], UNKNOWN);
    vm.realm = realm;
    const names = (proto: JsObject): string[] => [...proto.props].filter(([, v]) => v instanceof JsObject && v.callable).map(([k]) => k);
    const inherited = names(realm.objectProto);
    methods = { array: new Set([...names(realm.arrayProto), ...inherited]), string: new Set([...names(realm.stringProto), ...inherited]) };
  }
  return methods[kind].has(key);
}

/** A function of the file, as the engine's value model holds it: its node and the scope it stands in. */
export interface LocalFunction {
  node: Node;
  scope: Scope;
}

function isFunctionNode(node: Node): boolean {
  return (
    node.type === 'FunctionDeclaration' ||
    node.type === 'FunctionExpression' ||
    node.type === 'ArrowFunctionExpression' ||
    node.type === 'ObjectMethod' ||
    node.type === 'ClassMethod'
  );
}

/**
 * Bounded partial evaluation of one file: what its own small pure functions (decoders, string-array
 * rotations) and its JavaScript coercions compute, by interpreting its AST (js-interpreter.ts) under a
 * fixed step budget for the whole file (PARTIAL_EVALUATION_STEPS). Package code is never executed: the
 * interpreter has no I/O, no clock, no randomness, and stops at anything the runtime model does not list
 * as a pure builtin. What it cannot compute (including anything after the budget is spent) is UNKNOWN, so
 * the site is reported as unresolved, never dropped.
 *
 * Two ways in: `fold` evaluates an expression from the engine's static values alone (coercions,
 * builtins over literals); `call` runs a function of the file, which first needs the state the file's top
 * level builds (a string array rotated in place), so the top level is explored once: every statement
 * run in order, a statement that cannot run skipped with its writes undone and poisoned.
 */
export class PartialEvaluator {
  private vm: Interpreter | null = null;
  private programEnv: Env | null = null;
  private explored = false;
  /** The budget ran out or the interpreter failed: nothing more is computed for this file. */
  private broken = false;
  /** `this` at the top of the file: `module.exports` in CommonJS, undefined in an ES module; not known here. */
  private readonly topThis: Value = UNKNOWN;
  /** Read-only interpreter copies of static arrays, for folds. */
  private readonly arrays = new WeakMap<Value, JsObject>();

  constructor(
    private readonly evaluator: Evaluator,
    private readonly index: CatalogIndex,
    private readonly program: Node,
    private readonly source: string,
  ) {}

  /** The file's interpreter, made on first need; null once evaluation is over for the file. */
  private machine(): Interpreter | null {
    if (this.broken) return null;
    if (this.vm === null) {
      const vm = new Interpreter(
        {
          member: (value, key) => this.fromStatic(this.evaluator.member(value, key, true), false),
          call: (fn, args) => this.hostCall(fn, args),
        },
        this.source,
        PARTIAL_EVALUATION_STEPS,
      );
      vm.realm = new Realm(vm, this.index.builtins, { k: 'glob', path: [this.index.constructorOfConstructor], m: true });
      this.vm = vm;
    }
    return this.vm;
  }

  /** A loader called with a name loads that module; any other host call is not evaluated. */
  private hostCall(fn: Value, args: readonly JsValue[]): JsValue {
    if (fn.k === 'glob' && this.evaluator.isRequire(fn.path) && typeof args[0] === 'string') {
      return new Opaque(this.evaluator.moduleValue(args[0], true));
    }
    throw new Abort('a call of the host');
  }

  /** Runs `body` on the interpreter; any failure is UNKNOWN, and a spent budget ends evaluation for the file. */
  private guard(body: (vm: Interpreter) => Value): Value {
    const vm = this.machine();
    if (vm === null) return UNKNOWN;
    const exploring = vm.exploring;
    vm.exploring = false;
    vm.heap.begin();
    try {
      const v = body(vm);
      vm.heap.commit();
      return v;
    } catch (err) {
      vm.heap.rollback(false);
      if (vm.heap.exhausted || !(err instanceof Abort || err instanceof JsThrow || err instanceof RangeError)) this.broken = true;
      return UNKNOWN;
    } finally {
      vm.exploring = exploring;
    }
  }

  /**
   * The value of `node` (standing in `scope`) from the engine's static values alone: JSFuck-style
   * coercions, builtins over literals, closures written inside the expression. Never explores.
   */
  fold(node: Node, scope: Scope): Value {
    if (!this.foldable(node, scope)) return UNKNOWN;
    return this.guard((vm) => {
      const env = vm.heap.env(null, (name) => this.staticName(vm, name, scope));
      env.hasThis = true;
      env.thisValue = new Opaque(this.topThis);
      return this.toStatic(vm.evaluate(node, env), 0);
    });
  }

  /**
   * A cheap look before folding (most expressions the engine meets do not fold): every name the
   * expression reads, outside functions written in it, must be a pure builtin or a name whose value the
   * engine knows as a constant.
   */
  private foldable(node: Node, scope: Scope): boolean {
    const stack: Node[] = [node];
    let seen = 0;
    while (stack.length > 0) {
      const n = stack.pop() as AnyNode;
      if (++seen > FOLD_LOOK) return true;
      switch (n.type) {
        case 'Identifier': {
          const name = n.name as string;
          if (scope.lookup(name) === undefined) {
            if (!this.builtinNames.has(name)) return false;
            continue;
          }
          const v = this.evaluator.identifier(name, scope, 0);
          if (v.k !== 'str' && v.k !== 'num' && v.k !== 'arr' && v.k !== 'bytes') return false;
          continue;
        }
        case 'FunctionExpression':
        case 'ArrowFunctionExpression':
          continue;
        case 'ThisExpression':
          return false;
        case 'MemberExpression':
        case 'OptionalMemberExpression':
          stack.push(n.object as Node);
          if (n.computed) stack.push(n.property as Node);
          continue;
        case 'ObjectProperty':
          stack.push(n.value as Node);
          if (n.computed) stack.push(n.key as Node);
          continue;
        default:
          for (const key of VISITOR_KEYS[n.type] ?? []) {
            const child = n[key] as Node | Node[] | null | undefined;
            if (Array.isArray(child)) for (const c of child) c && stack.push(c);
            else if (child && typeof child === 'object') stack.push(child);
          }
      }
    }
    return true;
  }

  private builtinNamesCache: ReadonlySet<string> | undefined;

  /** The global names the runtime model's builtins start with (`String` of `String.fromCharCode`). */
  private get builtinNames(): ReadonlySet<string> {
    return (this.builtinNamesCache ??= new Set(this.index.builtins.map((b) => b.path.split('.')[0]!)));
  }

  /** Whether `node` folds to a truthy (true) or falsy (false) constant; null when it does not fold. */
  truthiness(node: Node, scope: Scope): boolean | null {
    let out: boolean | null = null;
    this.guard((vm) => {
      const env = vm.heap.env(null, (name) => this.staticName(vm, name, scope));
      out = truthy(vm.evaluate(node, env));
      return UNKNOWN;
    });
    return out;
  }

  /** A name the expression does not declare: a builtin, or what the engine knows of it (a value, never a guess). */
  private staticName(vm: Interpreter, name: string, scope: Scope): JsValue {
    if (scope.lookup(name) === undefined && vm.realm.globals.has(name)) return vm.realm.globals.get(name);
    const v = this.evaluator.identifier(name, scope, 0);
    return this.fromStatic(v, false);
  }

  /** What calling a function of the file with these arguments returns (the top level explored first). */
  call(fn: LocalFunction, args: readonly Value[]): Value {
    if (!this.explore()) return UNKNOWN;
    return this.guard((vm) => {
      const f = this.closure(vm, fn.node);
      const jsArgs = args.map((a) => this.fromStatic(a, true));
      return this.toStatic(vm.call(f, undefined, jsArgs), 0);
    });
  }

  /** A function object for a function node, in the environment it stands in. */
  private closure(vm: Interpreter, node: Node): JsObject {
    const env = this.environmentOf(vm, node);
    return vm.makeFunction(node, env, node.type === 'ArrowFunctionExpression' ? new Opaque(this.topThis) : undefined);
  }

  /** Runs the program's top level once. @returns false when evaluation is over for this file. */
  private explore(): boolean {
    if (this.explored) return !this.broken;
    this.explored = true;
    const vm = this.machine();
    if (vm === null) return false;
    const env = vm.heap.env(null, (name) => this.global(vm, name));
    env.hasThis = true;
    env.thisValue = new Opaque(this.topThis);
    this.programEnv = env;
    vm.exploring = true;
    try {
      const body = (this.program as AnyNode).body as Node[];
      vm.hoist(body, env, true, this.program);
      vm.recorded.set(this.program, { env, count: 1 });
      vm.runBody(body, env, true);
    } catch {
      // Only a spent budget (or a defect of the interpreter) gets here: the state is not to be trusted.
      this.broken = true;
    } finally {
      vm.exploring = false;
    }
    return !this.broken;
  }

  /** A global name during exploration: a pure builtin, or a value known only symbolically. */
  private global(vm: Interpreter, name: string): JsValue {
    if (vm.realm.globals.has(name)) return vm.realm.globals.get(name);
    return new Opaque(this.index.globalObjects.has(name) ? { k: 'glob', path: [], m: false } : { k: 'glob', path: [name], m: false });
  }

  /**
   * The environment `node` stands in after exploration: the environments exploration recorded for the
   * functions and blocks around it where each ran exactly once, and for the others (never run, or run
   * several times) their own names poisoned, so nothing is read from the wrong activation.
   */
  private environmentOf(vm: Interpreter, node: Node): Env {
    let env = this.programEnv!;
    for (const scopeNode of this.enclosing(node)) {
      const rec = vm.recorded.get(scopeNode);
      if (rec && rec.count === 1 && rec.env.parent === env) {
        env = rec.env;
        continue;
      }
      const names: string[] = [];
      const n = scopeNode as AnyNode;
      if (isFunctionNode(scopeNode)) {
        for (const p of n.params as Node[]) patternNames(p, names);
        const body = n.body as AnyNode;
        if (body.type === 'BlockStatement') {
          const h = hoisting(scopeNode, body.body as Node[], true);
          names.push(...h.vars, ...h.lexical, ...h.functions.map((f) => ((f as AnyNode).id as { name: string }).name));
        }
        if (scopeNode.type === 'FunctionExpression' && n.id) names.push((n.id as { name: string }).name);
        names.push('arguments');
      } else if (scopeNode.type === 'BlockStatement') {
        const h = hoisting(scopeNode, n.body as Node[], false);
        names.push(...h.lexical, ...h.functions.map((f) => ((f as AnyNode).id as { name: string }).name));
      } else if (scopeNode.type === 'CatchClause') {
        if (n.param) patternNames(n.param as Node, names);
      } else {
        const init = (n.init ?? n.left) as AnyNode | null | undefined;
        if (init?.type === 'VariableDeclaration') for (const d of init.declarations as { id: Node }[]) patternNames(d.id, names);
      }
      const synthetic = vm.heap.env(env);
      for (const name of names) synthetic.vars.set(name, Poison.one);
      env = synthetic;
    }
    return env;
  }

  /** The nodes opening a scope around `target` (outermost first, the program excluded), found by position. */
  private enclosing(target: Node): Node[] {
    const start = target.start ?? 0;
    const end = target.end ?? 0;
    const out: Node[] = [];
    let node = this.program as AnyNode;
    for (;;) {
      let next: AnyNode | null = null;
      for (const key of VISITOR_KEYS[node.type] ?? []) {
        const child = node[key] as AnyNode | AnyNode[] | null | undefined;
        const list = Array.isArray(child) ? child : child ? [child] : [];
        for (const c of list) {
          if (c && typeof c.start === 'number' && c.start <= start && (c.end as number) >= end && c !== target) {
            next = c;
            break;
          }
        }
        if (next) break;
      }
      if (next === null) return out;
      const isBody = (node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression' || node.type === 'ObjectMethod' || node.type === 'ClassMethod') && node.body === next;
      if (isFunctionNode(next) || (next.type === 'BlockStatement' && !isBody) || next.type === 'CatchClause' || next.type === 'ForStatement' || next.type === 'ForInStatement' || next.type === 'ForOfStatement' || next.type === 'SwitchStatement') {
        out.push(next);
      }
      node = next;
    }
  }

  /** An interpreter value back in the engine's value model. */
  private toStatic(v: JsValue, depth: number): Value {
    if (typeof v === 'string') return { k: 'str', v, m: true };
    if (typeof v === 'number') return { k: 'num', v };
    if (v instanceof Opaque) return v.value;
    if (!(v instanceof JsObject) || v.poisoned || depth > 4) return UNKNOWN;
    if (v.staticValue !== null) return v.staticValue;
    if (v.bytes !== null) return { k: 'bytes', v: v.bytes, m: true };
    if (v.kind === 'array' && v.elements !== null && v.elements.length <= MAX_ITEMS) {
      return { k: 'arr', items: v.elements.map((x) => this.toStatic(x, depth + 1)), m: true };
    }
    if (v.native !== null) return { k: 'fn', name: v.nativeName };
    if (v.closure !== null) return { k: 'fn' };
    return UNKNOWN;
  }

  /**
   * A value of the engine's model for the interpreter. `explored`: functions become closures in the
   * explored program; otherwise (folding) only values that need no program state are accepted.
   * @throws Abort for an unknown value: the interpreter never guesses.
   */
  private fromStatic(v: Value, explored: boolean): JsValue {
    switch (v.k) {
      case 'str':
      case 'num':
        return v.v;
      case 'unknown':
        throw new Abort('an unknown value');
      case 'arr': {
        const vm = this.vm!;
        if (explored) return vm.realm.array(v.items.map((x) => (x.k === 'unknown' ? new Opaque(x) : this.fromStatic(x, explored))));
        // Folds share one read-only copy of each static array (a lookup table may be read a thousand times).
        let a = this.arrays.get(v);
        if (a === undefined) {
          a = vm.realm.array(v.items.map((x) => (x.k === 'unknown' ? new Opaque(x) : this.fromStatic(x, explored))));
          a.frozen = true;
          this.arrays.set(v, a);
        }
        return a;
      }
      case 'bytes': {
        const vm = this.vm!;
        const b = vm.heap.alloc('bytes', vm.realm.bufferProto);
        b.bytes = v.v;
        b.props.set('length', v.v.length);
        return b;
      }
      case 'fn':
        if (explored && v.node) return this.closure(this.vm!, v.node);
        if (v.name !== undefined && !v.node) {
          const method = this.vm!.realm.methodOf('array', v.name) ?? this.vm!.realm.methodOf('string', v.name);
          if (method) return method;
        }
        throw new Abort('a function the fold cannot run');
      default:
        return new Opaque(v);
    }
  }
}
