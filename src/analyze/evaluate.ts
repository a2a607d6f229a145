import type { Node } from '@babel/types';
import type { CatalogIndex } from './catalog-index.js';
import { SYMBOL, UNKNOWN, type Binding, type Scope, type Value } from './scope.js';
import { applyStringMethod, decode } from './constant-fold.js';
import { callLocal, isLocalFunction, mayHandBack, returns, type LocalCalls } from './local-calls.js';
import { reflect } from './reflect.js';
import { isMethod, PartialEvaluator } from './partial-eval.js';

/** Recursion bound for nested evaluation (binding chains, nested calls): past it, a value is unknown. */
const MAX_DEPTH = 128;
/** Longest path tracked below a module or global; longer paths add nothing to an API name. */
const MAX_PATH = 6;
/** Longest folded string: folding is for specifiers and payload names, not for megabyte blobs. */
export const MAX_FOLDED_STRING = 1 << 20;

type AnyNode = Node & Record<string, unknown>;

/** The function value of classes: its `.constructor` is the Function constructor. */
const FN: Value = Object.freeze({ k: 'fn' });

/** Function.prototype methods through which a function is invoked with another receiver. */
const INVOKERS = new Set(['call', 'apply', 'bind']);

/** Operators whose result is a boolean: it names nothing on its own. */
const COMPARISONS = new Set(['==', '!=', '===', '!==', '<', '<=', '>', '>=', 'in', 'instanceof']);

/** A property key that is a symbol: it names no module member and no global. */
export const SYMBOL_KEY: unique symbol = Symbol('symbol key');

/** A folded property key: a name, a symbol, or `null` when it could not be resolved. */
export type Key = string | typeof SYMBOL_KEY | null;

/** The name of the pseudo-binding a class body declares for `super` (a reserved word: no real binding has it). */
export const SUPER_BINDING = 'super';

function str(v: string, m: boolean): Value {
  return v.length > MAX_FOLDED_STRING ? UNKNOWN : { k: 'str', v, m };
}

/**
 * Abstract interpretation of expressions over the scope model: which module, global, or string an
 * expression stands for. Everything it cannot follow is UNKNOWN, never a guess.
 */
export class Evaluator implements LocalCalls {
  readonly index: CatalogIndex;
  /** The canonical require path (first of the runtime model's), as segments. */
  private readonly requirePath: readonly string[];
  /** Values of call expressions already evaluated. */
  private readonly calls = new Map<Node, Value>();
  /** The values of function nodes. */
  private readonly functions = new Map<Node, Value>();
  /** Results of the partial evaluator's folds, by node (a node is always evaluated where it stands). */
  private readonly folds = new Map<Node, Value>();
  /** Bounded partial evaluation of the file's own functions and coercions (once `attach`ed to a program). */
  partial: PartialEvaluator | null = null;
  /**
   * How many evaluations under way need a name (a module specifier, a key of a module or global): only
   * then are the file's own functions run by the partial evaluator, so ordinary call chains cost nothing.
   */
  private demand = 0;
  /** Calls of the file's functions left unevaluated for lack of demand: their UNKNOWN is not final. */
  private deferred = 0;
  /** Bindings and calls whose memoised UNKNOWN came from such a deferral: evaluated again where a name is needed. */
  private readonly provisional = new Set<Binding | Node>();
  /** Nesting of symbolic calls (local-calls.ts): values then depend on the arguments, so nothing is memoised. */
  substituting = 0;

  constructor(index: CatalogIndex) {
    this.index = index;
    this.requirePath = [...index.requirePaths][0]!.split('.');
  }

  /** Enables partial evaluation over `program` (whose text is `source`). */
  attach(program: Node, source: string): void {
    this.partial = new PartialEvaluator(this, this.index, program, source);
  }

  /**
   * Whether a memoised value stands: always, but for an UNKNOWN left by a deferral, which is evaluated
   * again where a name is needed (and elsewhere keeps the deferral going, so what is built on it is
   * provisional too).
   */
  private final(memo: Value, key: Binding | Node): boolean {
    if (memo.k !== 'unknown' || !this.provisional.has(key)) return true;
    if (this.demand === 0) {
      this.deferred++;
      return true;
    }
    this.provisional.delete(key);
    return false;
  }

  /** Evaluates a node whose value is used as a name: the file's own decoders may be run for it. */
  evaluateName(node: Node, scope: Scope, depth = 0): Value {
    this.demand++;
    try {
      return this.evaluate(node, scope, depth);
    } finally {
      this.demand--;
    }
  }

  /** The value an import of `spec` yields; UNKNOWN for relative and absolute specifiers. */
  moduleValue(spec: string, m = false, promise = false): Value {
    const bare = spec.startsWith(this.index.builtinPrefix) ? spec.slice(this.index.builtinPrefix.length) : spec;
    if (bare === '' || bare.startsWith('.') || bare.startsWith('/') || /^[a-z]:/i.test(bare)) return UNKNOWN;
    const parts = bare.split('/');
    const rootLength = bare.startsWith('@') ? 2 : 1;
    const name = parts.slice(0, rootLength).join('/');
    const path = parts.slice(rootLength).filter((p) => p !== '');
    return { k: 'mod', name, path, m, promise };
  }

  /** True when the global path names a require function. */
  isRequire(path: readonly string[]): boolean {
    return this.index.requirePaths.has(path.join('.'));
  }

  /** Evaluates `node` as it stands in `scope`. */
  evaluate(node: Node, scope: Scope, depth = 0): Value {
    if (depth > MAX_DEPTH) return UNKNOWN;
    const n = node as AnyNode;
    switch (node.type) {
      case 'StringLiteral':
        return str(node.value, false);
      case 'NumericLiteral':
        return { k: 'num', v: node.value };
      case 'TemplateLiteral': {
        if (node.expressions.length === 0) return str(node.quasis[0]?.value.cooked ?? '', false);
        let out = '';
        for (let i = 0; i < node.quasis.length; i++) {
          out += node.quasis[i]!.value.cooked ?? '';
          const expr = node.expressions[i];
          if (expr) {
            const v = this.evaluate(expr, scope, depth + 1);
            if (v.k === 'str' || v.k === 'num') out += String(v.v);
            else return UNKNOWN;
            if (out.length > MAX_FOLDED_STRING) return UNKNOWN;
          }
        }
        return str(out, true);
      }
      case 'BinaryExpression': {
        if (COMPARISONS.has(node.operator)) return UNKNOWN;
        const v = node.operator === '+' ? this.concatenation(node, scope, depth) : UNKNOWN;
        return v.k === 'unknown' ? this.fold(node, scope) : v;
      }
      case 'UnaryExpression': {
        // A boolean or undefined names nothing on its own (a larger coercion around it is folded whole).
        if (node.operator === 'void' || node.operator === 'typeof' || node.operator === 'delete' || node.operator === '!') return UNKNOWN;
        if (node.operator === '-' || node.operator === '+') {
          const v = this.evaluate(node.argument, scope, depth + 1);
          if (v.k === 'num') return { k: 'num', v: node.operator === '-' ? -v.v : v.v };
        }
        return this.fold(node, scope);
      }
      case 'Identifier':
        return this.identifier(node.name, scope, depth);
      case 'MemberExpression':
      case 'OptionalMemberExpression':
        return this.memberChain(node, scope, depth);
      case 'CallExpression':
      case 'OptionalCallExpression': {
        // Memoised: a node is always evaluated in the scope it stands in, and a call evaluates its callee's
        // object more than once (string methods, then require detection): without this, a chain like
        // `set.addRange(…).addRange(…)…` (regenerate-unicode-properties) costs 2^depth.
        const memo = this.substituting === 0 ? this.calls.get(node) : undefined;
        if (memo !== undefined && this.final(memo, node)) return memo;
        const deferred = this.deferred;
        const value = this.call(node, scope, depth);
        if (this.substituting === 0) {
          this.calls.set(node, value);
          if (value.k === 'unknown' && deferred !== this.deferred) this.provisional.add(node);
        }
        return value;
      }
      case 'NewExpression':
        return this.instanceOf(this.evaluate(node.callee, scope, depth + 1), depth);
      case 'ImportExpression': {
        const spec = this.evaluate(node.source, scope, depth + 1);
        return spec.k === 'str' ? this.moduleValue(spec.v, spec.m, true) : UNKNOWN;
      }
      case 'AwaitExpression': {
        const v = this.evaluate(node.argument, scope, depth + 1);
        return v.k === 'mod' && v.promise ? { ...v, promise: false } : v;
      }
      case 'SequenceExpression': {
        const last = node.expressions[node.expressions.length - 1];
        return last ? this.evaluate(last, scope, depth + 1) : UNKNOWN;
      }
      case 'AssignmentExpression':
        return node.operator === '=' ? this.evaluate(node.right, scope, depth + 1) : UNKNOWN;
      case 'LogicalExpression': {
        if (node.operator === '&&') {
          // `a && b` is `b` unless `a` is falsy, and a falsy value names nothing: `Symbol.for && Symbol.for(k)`.
          const v = this.evaluate(node.right, scope, depth + 1);
          return v.k !== 'unknown' ? v : this.evaluate(node.left, scope, depth + 1);
        }
        return this.alternatives(node.left, node.right, scope, depth);
      }
      case 'ConditionalExpression':
        return this.alternatives(node.consequent, node.alternate, scope, depth);
      case 'ArrayExpression': {
        if (node.elements.length > 65_536) return UNKNOWN;
        const items: Value[] = [];
        for (const el of node.elements) {
          items.push(el === null || el.type === 'SpreadElement' ? UNKNOWN : this.evaluate(el, scope, depth + 1));
        }
        return { k: 'arr', items, m: true };
      }
      case 'ObjectExpression':
        return { k: 'obj', node, scope };
      case 'ThisExpression':
        // At the top of a browser script (and in UMD wrappers handed `this`) it is the global object.
        // In a CommonJS module it is `module.exports`, hence medium confidence.
        return scope.varScope.parent === null ? { k: 'glob', path: [], m: true } : UNKNOWN;
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
      case 'FunctionDeclaration': {
        // One value per function node (it is always evaluated where it stands), but in a symbolic call.
        if (this.substituting > 0) return { k: 'fn', node, scope };
        let v = this.functions.get(node);
        if (v === undefined) this.functions.set(node, (v = { k: 'fn', node, scope }));
        return v;
      }
      case 'ClassExpression':
      case 'ClassDeclaration':
        return this.classValue(node, scope, depth);
      case 'Super': {
        const binding = scope.lookup(SUPER_BINDING);
        return binding === undefined ? UNKNOWN : this.bindingValue(binding, depth + 1);
      }
      case 'TSAsExpression':
      case 'TSSatisfiesExpression':
      case 'TSNonNullExpression':
      case 'TSTypeAssertion':
      case 'TSInstantiationExpression':
      case 'TypeCastExpression':
      case 'ParenthesizedExpression':
        return this.evaluate(n.expression as Node, scope, depth);
      default:
        return UNKNOWN;
    }
  }

  /** What `new C()` gives: an instance reads what the class's prototype has (`new Module()._compile`). */
  instanceOf(callee: Value, depth: number): Value {
    const named = callee.k === 'mod' ? !callee.promise : callee.k === 'glob' && callee.path.length > 0;
    if (!named || (callee.k !== 'mod' && callee.k !== 'glob') || callee.path.includes('*')) return UNKNOWN;
    const proto = this.member(callee, 'prototype', false, depth + 1);
    return proto.k === 'mod' || proto.k === 'glob' ? { ...proto, inst: true } : UNKNOWN;
  }

  /**
   * One of two values (`a || b`, `c ? a : b`). Either may be the one that runs, so the one that names more
   * is kept: a loader, module, binding or catalog global over a function written here, that over any other
   * global (`cond ? __non_webpack_require__ : require` is require), and a known value over an unknown one;
   * between equals, the first. A symbol counts only when both are symbols: `c ? Symbol('k') : name` may be
   * any name.
   */
  private alternatives(a: Node, b: Node, scope: Scope, depth: number): Value {
    const v = this.evaluate(a, scope, depth + 1);
    // Nothing outranks a loader, module or catalog global: the other side need not be looked at.
    if (v.k !== 'sym' && this.weight(v) === 3) return v;
    const w = this.evaluate(b, scope, depth + 1);
    if (v.k === 'sym' || w.k === 'sym') return v.k === 'sym' && w.k === 'sym' ? SYMBOL : v.k === 'sym' ? w : w.k === 'sym' && v.k === 'unknown' ? UNKNOWN : v;
    return this.weight(w) > this.weight(v) ? w : v;
  }

  /** How much a value names, for choosing between alternatives. */
  private weight(v: Value): number {
    switch (v.k) {
      case 'unknown':
        return 0;
      case 'mod':
      case 'bind':
      case 'members':
        return 3;
      case 'glob':
        return this.isRequire(v.path) || this.isCallOnly(v) || this.namesCatalogGlobal(v.path) ? 3 : 1;
      default:
        return 2;
    }
  }

  /**
   * True when `path` leads to or through a global the catalog or the runtime model names: the global
   * object, `process` (process.env is below it), `fetch`, `globalThis.fetch.bind`.
   */
  private namesCatalogGlobal(path: readonly string[]): boolean {
    if (path.length === 0) return true;
    if ((this.prefixes ??= this.catalogPrefixes()).has(path.join('.'))) return true;
    let key = '';
    for (let i = 0; i < path.length && i < this.index.maxGlobalLength; i++) {
      key = i === 0 ? path[0]! : `${key}.${path[i]}`;
      if (this.index.globals.has(key) || this.index.bindingLoaders.has(key)) return true;
    }
    return false;
  }

  private prefixes: Set<string> | undefined;

  /** Every leading part of a catalog global, binding loader or require path (`process` of `process.env`). */
  private catalogPrefixes(): Set<string> {
    const out = new Set<string>();
    for (const path of [...this.index.globals.keys(), ...this.index.bindingLoaders, ...this.index.requirePaths]) {
      const parts = path.split('.');
      for (let i = 1; i <= parts.length; i++) out.add(parts.slice(0, i).join('.'));
    }
    return out;
  }

  /** The partial evaluator's value of an expression the static rules cannot compute (memoised by node). */
  private fold(node: Node, scope: Scope): Value {
    if (this.partial === null) return UNKNOWN;
    if (this.substituting === 0) {
      const memo = this.folds.get(node);
      if (memo !== undefined) return memo;
    }
    this.folds.set(node, UNKNOWN);
    const v = this.partial.fold(node, scope);
    if (this.substituting === 0) this.folds.set(node, v);
    else this.folds.delete(node);
    return v;
  }

  /**
   * A class: a function value, except that a subclass of a call-only global (`class F extends Function`,
   * `class F extends mixin(Function)`) constructs like that global: `new F(code)` and `super(code)` compile code.
   */
  private classValue(node: Node, scope: Scope, depth: number): Value {
    const base = (node as AnyNode).superClass as Node | null | undefined;
    if (base) {
      const v = this.heritage(base, scope, depth + 1);
      if (this.isCallOnly(v)) return medium(v);
    }
    return FN;
  }

  /**
   * What a class extends. A call there is a class factory (a mixin): its result extends the base
   * classes it is given, so a call-only global among its arguments is the base.
   */
  private heritage(node: Node, scope: Scope, depth: number): Value {
    if (depth > MAX_DEPTH) return UNKNOWN;
    const v = this.evaluate(node, scope, depth);
    if (v.k !== 'unknown') return v;
    const call = unwrapExpression(node);
    if (call.type !== 'CallExpression' && call.type !== 'NewExpression') return UNKNOWN;
    for (const arg of call.arguments) {
      if (arg.type === 'SpreadElement' || arg.type === 'ArgumentPlaceholder') continue;
      const a = this.heritage(arg, scope, depth + 1);
      if (this.isCallOnly(a)) return a;
    }
    return UNKNOWN;
  }

  /** True for a global the catalog counts only when called (`eval`, `Function`). */
  isCallOnly(v: Value): v is Value & { k: 'glob' } {
    return v.k === 'glob' && v.path.length > 0 && this.index.callOnlyGlobals.has(v.path.join('.'));
  }

  /** `a + b + c …` folded left to right without recursing down the (possibly 20,000-term) left spine. */
  private concatenation(node: Node, scope: Scope, depth: number): Value {
    const rights: Node[] = [];
    let left: Node = node;
    while (left.type === 'BinaryExpression' && left.operator === '+') {
      rights.push(left.right as Node);
      left = left.left as Node;
    }
    const first = this.evaluate(left, scope, depth + 1);
    if (first.k !== 'str' && first.k !== 'num') return UNKNOWN;
    let out = String(first.v);
    let sawString = first.k === 'str';
    for (let i = rights.length - 1; i >= 0; i--) {
      const v = this.evaluate(rights[i]!, scope, depth + 1);
      if (v.k === 'str') sawString = true;
      else if (v.k !== 'num') return UNKNOWN;
      out += String(v.v);
      if (out.length > MAX_FOLDED_STRING) return UNKNOWN;
    }
    return sawString ? str(out, true) : UNKNOWN;
  }

  /** The value of a name: its binding's, or a global path when nothing declares it. */
  identifier(name: string, scope: Scope, depth: number): Value {
    const binding = scope.lookup(name);
    if (binding === undefined) {
      return this.index.globalObjects.has(name) ? { k: 'glob', path: [], m: false } : { k: 'glob', path: [name], m: false };
    }
    return this.bindingValue(binding, depth);
  }

  /** What a destructuring pattern read into `name` (declared in `scope`), without the aliasing mark of later uses. */
  patternValue(name: string, scope: Scope): Value {
    const binding = scope.lookup(name);
    if (binding === undefined) return UNKNOWN;
    this.bindingValue(binding, 0);
    return binding.direct ?? UNKNOWN;
  }

  /** A binding's value from its sources (memoised; cycles are unknown). */
  bindingValue(binding: Binding, depth: number): Value {
    const memo = binding.value;
    if (memo === null) return UNKNOWN;
    if (memo !== undefined && this.final(memo, binding)) return memo;
    binding.value = null;
    const deferred = this.deferred;
    let value: Value = UNKNOWN;
    const sources = binding.sources;
    if (sources) {
      // A name is a symbol only when every value it can hold is one: `let k = Symbol(); k = name` is not.
      let symbols = 0;
      for (const src of sources) {
        let v = src.value ?? (src.node ? this.evaluate(src.node, src.scope, depth + 1) : UNKNOWN);
        if (src.path === null) v = UNKNOWN;
        else {
          for (const seg of src.path) {
            v = typeof seg === 'string' ? this.member(v, seg, false, depth + 1) : this.member(v, this.propertyKey(seg.key, seg.scope, depth + 1), true, depth + 1);
          }
        }
        if (v.k === 'unknown') continue;
        if (v.k === 'sym') {
          symbols++;
          continue;
        }
        value = src.indirect || sources.length > 1 ? medium(v) : v;
        break;
      }
      if (value.k === 'unknown' && symbols === sources.length) value = SYMBOL;
    } else if (binding.kind === 'param' && this.requirePath.length === 1 && binding.name === this.requirePath[0]) {
      // Module wrappers (`function (require, module, exports)`) pass the real require along.
      value = { k: 'glob', path: this.requirePath, m: true };
    }
    // Unknown only because the file's decoders were not run (no name was needed yet): not final.
    if (value.k === 'unknown' && deferred !== this.deferred) this.provisional.add(binding);
    binding.direct = value;
    // A global reached through a variable (`const g = globalThis`, `const r = require`) is aliasing.
    if (value.k === 'glob') value = medium(value);
    binding.value = value;
    return value;
  }

  /** Evaluates `a.b[c].d` iteratively from its root, so a 30,000-link member chain costs no stack. */
  private memberChain(node: Node, scope: Scope, depth: number): Value {
    const chain: AnyNode[] = [];
    let cur = node as AnyNode;
    while (cur.type === 'MemberExpression' || cur.type === 'OptionalMemberExpression') {
      chain.push(cur);
      cur = cur.object as AnyNode;
    }
    let value = this.evaluate(cur, scope, depth + 1);
    let previousKey: Key = null;
    for (let i = chain.length - 1; i >= 0; i--) {
      const m = chain[i]!;
      const property = m.property as Node;
      let key: Key = null;
      let computed = false;
      if (!m.computed) {
        key = property.type === 'Identifier' ? property.name : null;
      } else {
        computed = true;
        // A key of a module, a global or a literal may name an API (or `constructor`): worth running
        // the file's decoders for. A key of anything else is not.
        const named = value.k === 'mod' || value.k === 'glob' || value.k === 'bind' || value.k === 'arr' || value.k === 'str' || value.k === 'fn';
        key = named ? this.propertyKey(property, scope, depth + 1) : this.plainKey(property, scope, depth + 1);
      }
      if (key === 'constructor' && (previousKey === 'constructor' || value.k === 'fn')) {
        // `x.constructor.constructor` and `(() => {}).constructor` are the Function constructor.
        value = { k: 'glob', path: [this.index.constructorOfConstructor], m: true };
      } else {
        value = this.member(value, key, computed, depth + 1);
      }
      previousKey = key;
      if (value.k === 'unknown' && i > 0 && key !== 'constructor') {
        // Nothing below an unknown value can become known again, except through `.constructor`.
        let rest = false;
        for (let j = i - 1; j >= 0; j--) {
          const p = chain[j]!;
          if (!p.computed && (p.property as Node).type === 'Identifier' && (p.property as { name: string }).name === 'constructor') rest = true;
        }
        if (!rest) return UNKNOWN;
      }
    }
    return value;
  }

  /** The name a computed key folds to (the file's decoders run for it), SYMBOL_KEY for a symbol, or null. */
  propertyKey(node: Node, scope: Scope, depth: number): Key {
    const k = this.evaluateName(node, scope, depth);
    return k.k === 'str' ? k.v : k.k === 'num' ? String(k.v) : k.k === 'sym' ? SYMBOL_KEY : null;
  }

  /** The name a computed key folds to without running the file's functions. */
  plainKey(node: Node, scope: Scope, depth: number): Key {
    const k = this.evaluate(node, scope, depth);
    return k.k === 'str' ? k.v : k.k === 'num' ? String(k.v) : k.k === 'sym' ? SYMBOL_KEY : null;
  }

  /**
   * `value[key]`; `key === null` is a computed key that could not be resolved. `depth` is the caller's
   * evaluation depth: a property's value is evaluated below it, so `const o = { a: o.a }` and longer
   * cycles through object literals end at MAX_DEPTH instead of overflowing the stack.
   */
  member(value: Value, key: Key, computed: boolean, depth = 0): Value {
    if ((value.k === 'mod' || value.k === 'bind') && key !== null && typeof key === 'string' && INVOKERS.has(key) && value.path.length > 0) {
      // `cp.exec.call`, `cp[name].bind` invoke the member itself: its use, reached another way.
      return value;
    }
    if (key === SYMBOL_KEY) {
      // A symbol-keyed slot of the global object or of a module (`globalThis[kDispatcher]`) is nothing the
      // catalog names; deeper down it reads its base like any other unknown key (`process.env[k]` is env).
      if ((value.k === 'glob' || value.k === 'mod' || value.k === 'bind') && value.path.length === 0) return UNKNOWN;
      return this.member(value, null, true, depth);
    }
    switch (value.k) {
      case 'glob': {
        // `globalThis.window.self` is still the global object.
        if (value.path.length === 0 && key !== null && this.index.globalObjects.has(key)) return { k: 'glob', path: [], m: value.m || computed };
        if (value.path.length >= MAX_PATH || value.path.includes('*')) return UNKNOWN;
        // `Symbol.iterator`: a well-known symbol.
        if (value.path.length === 1 && key !== null && this.index.symbols.get(value.path[0]!)?.has(key)) return SYMBOL;
        const path = [...value.path, key ?? '*'];
        return value.inst ? { k: 'glob', path, m: value.m || computed, inst: true } : { k: 'glob', path, m: value.m || computed };
      }
      case 'bind':
        if (value.path.length >= MAX_PATH || value.path.includes('*')) return UNKNOWN;
        return { ...value, path: [...value.path, key ?? '*'], m: value.m || computed };
      case 'mod': {
        if (value.promise || value.path.length >= MAX_PATH || value.path.includes('*')) return UNKNOWN;
        // A namespace's `default` (`(await import('x')).default`, `import * as x` then `x.default`) is the
        // module itself, as `import x from 'x'` already is.
        if (key === 'default' && value.path.length === 0) return computed && !value.m ? { ...value, m: true } : value;
        const path = [...value.path, key ?? '*'];
        const m = value.m || computed;
        return value.inst ? { k: 'mod', name: value.name, path, m, promise: false, inst: true } : { k: 'mod', name: value.name, path, m, promise: false };
      }
      case 'members':
        // Any member of some member of `cp` (`Object.entries(cp).find(…)[1]`) is still some member of it;
        // an array method of the enumeration (`.find`) gives one when called.
        if (value.method) return UNKNOWN;
        return typeof key === 'string' && isMethod('array', key) ? { k: 'members', of: value.of, method: true } : value;
      case 'desc': {
        if (value.key === undefined) return key === null ? UNKNOWN : { k: 'desc', base: value.base, key };
        // A descriptor's `value` (and, called, its getter) is the property.
        if (key !== 'value' && key !== 'get') return UNKNOWN;
        const v = this.member(value.base, value.key, true, depth + 1);
        return v.k === 'glob' || v.k === 'mod' || v.k === 'bind' ? { ...v, m: true } : v;
      }
      case 'str': {
        if (key === 'length') return { k: 'num', v: value.v.length };
        const i = key === null ? NaN : Number(key);
        if (Number.isInteger(i) && i >= 0 && typeof key === 'string' && String(i) === key) return i < value.v.length ? { k: 'str', v: value.v[i]!, m: true } : UNKNOWN;
        return key !== null && typeof key === 'string' && isMethod('string', key) ? { k: 'fn', name: key } : UNKNOWN;
      }
      case 'obj':
        return key === null ? UNKNOWN : this.objectProperty(value.node, value.scope, key, depth);
      case 'arr': {
        // `[eval][0]`, `[require][0]('fs')`
        if (key === 'length') return { k: 'num', v: value.items.length };
        const i = key === null ? NaN : Number(key);
        if (Number.isInteger(i) && i >= 0) return medium(value.items[i] ?? UNKNOWN);
        // `[]['flat']`: a method, whose `.constructor` is the Function constructor.
        return key !== null && typeof key === 'string' && isMethod('array', key) ? { k: 'fn', name: key } : UNKNOWN;
      }
      default:
        return UNKNOWN;
    }
  }

  private objectProperty(node: Node, scope: Scope, key: string, depth: number): Value {
    if (node.type !== 'ObjectExpression') return UNKNOWN;
    for (let i = node.properties.length - 1; i >= 0; i--) {
      const p = node.properties[i]!;
      if (p.type === 'SpreadElement' || p.computed) continue;
      const k = p.key;
      const name = k.type === 'Identifier' ? k.name : k.type === 'StringLiteral' ? k.value : k.type === 'NumericLiteral' ? String(k.value) : null;
      if (name !== key) continue;
      if (p.type === 'ObjectMethod') return { k: 'fn', node: p, scope };
      return this.evaluate(p.value as Node, scope, depth + 1);
    }
    return UNKNOWN;
  }

  /** `_interopRequireDefault(x)`, `tslib.__importStar(x)`: compiler helpers that hand the module back. */
  private isInteropHelper(callee: Node): boolean {
    if (callee.type === 'Identifier') return this.index.interopHelpers.has(callee.name);
    if ((callee.type === 'MemberExpression' || callee.type === 'OptionalMemberExpression') && !callee.computed && callee.property.type === 'Identifier') {
      return this.index.interopHelpers.has(callee.property.name);
    }
    return false;
  }

  /**
   * What a call invokes and with which arguments, seeing through `.call(thisArg, …)`, `.apply(thisArg,
   * [ … ])` and `Reflect.apply(f, thisArg, [ … ])` / `Reflect.construct(F, [ … ])`. `target` is the node
   * whose value `fn` is (the callee, or what it invokes); `loader` when it loads a module by name (require
   * and its aliases, `require('module')._load`), `aliased` when that loader was not the plain `require`.
   */
  resolveCall(
    node: Node,
    scope: Scope,
    depth = 0,
  ): { fn: Value; args: readonly Node[]; target: Node; via: 'callee' | 'invoker' | 'reflect' | 'construct'; loader: boolean; bindingLoader: string | null; aliased: boolean } {
    const c = node as AnyNode;
    let args = c.arguments as Node[];
    const callee = unwrapExpression(c.callee as Node) as AnyNode;
    let target: Node = callee;
    let fn: Value | null = null;
    let invoked = false;
    let via: 'callee' | 'invoker' | 'reflect' | 'construct' = 'callee';
    if ((callee.type === 'MemberExpression' || callee.type === 'OptionalMemberExpression') && !callee.computed) {
      const name = (callee.property as { name?: string }).name;
      if (name === 'call' || name === 'apply') {
        const base = this.evaluate(callee.object as Node, scope, depth + 1);
        // `f.call(…)` invokes f; `Reflect.apply(…)` is a method of its own.
        const own = base.k === 'glob' && this.index.reflection.has([...base.path, name].join('.'));
        // `Function.bind.apply(C, args)` calls Function.prototype.bind with C: it binds C, compiles nothing.
        const invoker = (base.k === 'glob' || base.k === 'mod' || base.k === 'bind') && INVOKERS.has(base.path[base.path.length - 1] ?? '');
        if ((base.k === 'glob' || base.k === 'mod' || base.k === 'bind') && base.path.length > 0 && !own && !invoker) {
          fn = base;
          target = unwrapExpression(callee.object as Node);
          invoked = true;
          via = 'invoker';
          args = name === 'call' ? args.slice(1) : arrayElements(args[1]);
        }
      }
    }
    fn ??= this.evaluate(callee, scope, depth + 1);
    if (fn.k === 'glob' && fn.path.length === 2) {
      const op = this.index.reflection.get(fn.path.join('.'));
      if ((op === 'apply' || op === 'construct') && args[0] && args[0].type !== 'SpreadElement') {
        target = unwrapExpression(args[0]);
        fn = this.evaluate(args[0], scope, depth + 1);
        args = arrayElements(args[op === 'apply' ? 2 : 1]);
        invoked = true;
        via = op === 'apply' ? 'reflect' : 'construct';
        if (fn.k === 'glob' || fn.k === 'mod') fn = { ...fn, m: true };
      }
    }
    const loader = this.isLoaderValue(fn);
    const bindingLoader = loader ? null : this.bindingLoaderOf(fn);
    let aliased = false;
    if (loader) aliased = invoked || fn.k === 'mod' || (fn.k === 'glob' && (fn.m || fn.path.length > 1));
    else if (bindingLoader !== null) aliased = invoked || ((fn.k === 'glob' || fn.k === 'mod') && fn.m);
    return { fn, args, target, via, loader, bindingLoader, aliased };
  }

  /** How an internal-binding loader is named in an API (`process.binding`), or null when `fn` is none. */
  private bindingLoaderOf(fn: Value): string | null {
    if (fn.k === 'mod') {
      if (fn.path.length !== 1 || !this.index.bindingLoaderModules.get(fn.name)?.has(fn.path[0]!)) return null;
      return `${fn.name}.${fn.path[0]!}`;
    }
    if (fn.k !== 'glob' || fn.path.length === 0) return null;
    const path = fn.path.join('.');
    return this.index.bindingLoaders.has(path) ? path : null;
  }

  /** A require function, or a module member that loads modules by name. */
  private isLoaderValue(fn: Value): boolean {
    if (fn.k === 'glob') return this.isRequire(fn.path);
    return fn.k === 'mod' && fn.path.length === 1 && (this.index.moduleLoaders.get(fn.name)?.has(fn.path[0]!) ?? false);
  }

  /** What a call returns, where it is a module (require), a require function, or a folded string. */
  call(node: Node, scope: Scope, depth: number): Value {
    const c = node as AnyNode;
    const callee = unwrapExpression(c.callee as Node);
    const args = c.arguments as Node[];
    if (callee.type === 'Import') {
      const spec = args[0] ? this.evaluateName(args[0], scope, depth + 1) : UNKNOWN;
      return spec.k === 'str' ? this.moduleValue(spec.v, spec.m, true) : UNKNOWN;
    }
    if (callee.type === 'MemberExpression' || callee.type === 'OptionalMemberExpression') {
      const receiver = this.evaluate(callee.object, scope, depth + 1);
      const method = !callee.computed ? (callee.property.type === 'Identifier' ? callee.property.name : null) : this.plainKey(callee.property, scope, depth + 1);
      if (receiver.k === 'str' || receiver.k === 'arr' || receiver.k === 'bytes' || receiver.k === 'num') {
        // String and array methods over constants, then whatever else the partial evaluator can run.
        const argValues = args.map((a) => (a.type === 'SpreadElement' ? UNKNOWN : this.evaluate(a, scope, depth + 1)));
        const v = typeof method === 'string' && receiver.k !== 'num' ? applyStringMethod(receiver, method, argValues) : UNKNOWN;
        return v.k === 'unknown' ? this.fold(node, scope) : v;
      }
      if (method === 'bind' && (receiver.k === 'glob' || receiver.k === 'mod' || receiver.k === 'bind') && receiver.path.length > 0 && !INVOKERS.has(receiver.path[receiver.path.length - 1]!)) {
        // `module.require.bind(module)`, `eval.bind(null)`: the same function. (`Function.call.bind(f)` is
        // Function.prototype.call bound to f: it calls f.)
        return medium(receiver);
      }
    }
    if (this.isInteropHelper(callee)) {
      return args[0] && args[0].type !== 'SpreadElement' ? this.evaluate(args[0], scope, depth + 1) : UNKNOWN;
    }
    const resolved = this.resolveCall(node, scope, depth);
    const fn = resolved.fn;
    if (resolved.via === 'construct') return this.instanceOf(fn, depth);
    if (resolved.loader) {
      const first = resolved.args[0];
      const spec = first && first.type !== 'SpreadElement' ? this.evaluateName(first, scope, depth + 1) : UNKNOWN;
      return spec.k === 'str' ? this.moduleValue(spec.v, spec.m || resolved.aliased) : UNKNOWN;
    }
    if (resolved.bindingLoader !== null) {
      const first = resolved.args[0];
      const name = first && first.type !== 'SpreadElement' ? this.evaluateName(first, scope, depth + 1) : UNKNOWN;
      if (name.k !== 'str') return UNKNOWN;
      return { k: 'bind', loader: resolved.bindingLoader, name: name.v, path: [], m: name.m || resolved.aliased };
    }
    if (fn.k === 'glob') {
      const path = fn.path.join('.');
      const decoder = this.index.decoders.get(path);
      if (decoder !== undefined) {
        const argValues = resolved.args.map((a) => (a.type === 'SpreadElement' ? UNKNOWN : this.evaluate(a, scope, depth + 1)));
        const v = decode(decoder, argValues);
        return v.k === 'unknown' && resolved.target === callee ? this.fold(node, scope) : v;
      }
      const op = this.index.reflection.get(path);
      if (op !== undefined) return reflect(this, op, resolved.args, scope, depth);
      if (this.index.symbolFactories.has(path)) return SYMBOL;
      // A pure builtin over constants (`parseInt('0x1f')`), if the partial evaluator has it.
      return resolved.via === 'callee' ? this.fold(node, scope) : UNKNOWN;
    }
    if (fn.k === 'mod' && fn.path.length === 1 && this.index.requireFactories.get(fn.name)?.has(fn.path[0]!)) {
      return { k: 'glob', path: this.requirePath, m: true };
    }
    if (isLocalFunction(fn)) return this.localCall(fn, resolved.args, callee, scope, depth);
    if (fn.k === 'members' && fn.method) return { k: 'members', of: fn.of };
    return UNKNOWN;
  }

  /** Whether an expression is a constant that is truthy (`true`, `!0`, `1`), false when it is a falsy one, null when not constant. */
  truthyConstant(node: Node, scope: Scope): boolean | null {
    if (node.type === 'BooleanLiteral') return node.value;
    const v = this.evaluate(node, scope);
    if (v.k === 'str') return v.v.length > 0;
    if (v.k === 'num') return v.v !== 0 && !Number.isNaN(v.v);
    return this.partial?.truthiness(node, scope) ?? null;
  }

  /**
   * A call of a function written in the file: what it hands back of its arguments (interop helpers,
   * function factories) by reading its returns, and — only where a name is needed and every argument is
   * a constant — what the partial evaluator computes running it (a string-array decoder).
   */
  private localCall(fn: Value & { k: 'fn'; node: Node; scope: Scope }, argNodes: readonly Node[], callee: Node, scope: Scope, depth: number): Value {
    // A function that returns nothing (most called for their effects) hands nothing back.
    const list = returns(fn.node);
    if (list !== null && list.length === 0) return UNKNOWN;
    const iife = callee.type === 'FunctionExpression' || callee.type === 'ArrowFunctionExpression';
    if (this.demand === 0 && !iife && (!mayHandBack(fn.node) || !argNodes.some(mayBeNamed))) {
      // Only the partial evaluator could say more, and only where a name is needed.
      if (this.partial !== null && argNodes.length > 0 && argNodes.every(constantShaped)) this.deferred++;
      return UNKNOWN;
    }
    const args = argNodes.map((a) => (a.type === 'SpreadElement' ? UNKNOWN : this.evaluate(a, scope, depth + 1)));
    if (iife || args.some((a) => a.k === 'mod' || a.k === 'bind' || (a.k === 'glob' && this.weight(a) === 3))) {
      const v = callLocal(this, fn, args, depth + 1);
      if (v.k !== 'unknown') return v;
    }
    if (this.partial === null || argNodes.length === 0 || !args.every((a) => a.k === 'str' || a.k === 'num')) return UNKNOWN;
    if (this.demand === 0) {
      this.deferred++;
      return UNKNOWN;
    }
    return this.partial.call({ node: fn.node, scope: fn.scope }, args);
  }
}

/** An argument that may hold a module or a global (a literal, a function or an operation never does). */
function mayBeNamed(node: Node): boolean {
  switch (node.type) {
    case 'Identifier':
    case 'MemberExpression':
    case 'OptionalMemberExpression':
    case 'CallExpression':
    case 'OptionalCallExpression':
    case 'NewExpression':
    case 'ConditionalExpression':
    case 'LogicalExpression':
    case 'SequenceExpression':
    case 'AssignmentExpression':
    case 'AwaitExpression':
    case 'ParenthesizedExpression':
    case 'TSAsExpression':
    case 'TSNonNullExpression':
    case 'ThisExpression':
      return true;
    default:
      return false;
  }
}

/** An argument that may be a constant: a literal, a negated one, or a name (decoder calls: `_0x1f(0x1a, 'k#')`). */
function constantShaped(node: Node): boolean {
  return node.type === 'NumericLiteral' || node.type === 'StringLiteral' || node.type === 'Identifier' || node.type === 'TemplateLiteral' || (node.type === 'UnaryExpression' && node.argument.type === 'NumericLiteral');
}

/** The elements of an array literal argument (`.apply(t, [a, b])`), or none. */
function arrayElements(list: Node | undefined): Node[] {
  return list?.type === 'ArrayExpression' ? (list.elements.filter((e) => e !== null) as Node[]) : [];
}

function medium(v: Value): Value {
  if ((v.k === 'glob' || v.k === 'mod' || v.k === 'bind' || v.k === 'str') && !v.m) return { ...v, m: true };
  return v;
}

/** Strips TypeScript/Flow wrappers and parentheses: `(fn as any)` is still `fn`. */
export function unwrapExpression(node: Node): Node {
  let n = node as AnyNode;
  while (
    n.type === 'ParenthesizedExpression' ||
    n.type === 'TSAsExpression' ||
    n.type === 'TSSatisfiesExpression' ||
    n.type === 'TSNonNullExpression' ||
    n.type === 'TSTypeAssertion' ||
    n.type === 'TSInstantiationExpression' ||
    n.type === 'TypeCastExpression'
  ) {
    n = n.expression as AnyNode;
  }
  return n;
}
