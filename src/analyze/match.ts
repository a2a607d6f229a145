import { isBuiltin } from 'node:module';
import type { Node } from '@babel/types';
import type { Confidence, Finding } from '../contract/index.js';
import type { CatalogIndex } from './catalog-index.js';
import { unwrapExpression, type Evaluator } from './evaluate.js';
import { excerptAt, LineIndex } from './excerpt.js';
import { ModuleFactsCollector, staticPath } from './module-facts.js';
import { UNKNOWN, type Scope, type Value } from './scope.js';
import { SITE_ARG, SITE_CALL, SITE_CALLEE, SITE_PATTERN, type WalkResult } from './walk.js';

type AnyNode = Node & Record<string, unknown>;

/** Function.prototype methods through which a function is invoked with another receiver. */
const INVOKERS = new Set(['call', 'apply', 'bind']);

/** The member through which instances reach their class's methods. */
const PROTOTYPE = 'prototype';

/** Longest chain of nested calls followed up from an argument (`a(b(c(Function)))`). */
const MAX_CALL_NESTING = 32;

/** The call an argument is passed to, and its position there. */
interface ArgumentOf {
  call: AnyNode;
  position: number;
}

/** `process.binding('fs')`: the API name of an internal binding; odd or huge folded names are not repeated. */
function bindingApi(loader: string, name: string | null): string {
  return name !== null && /^[A-Za-z0-9_]{1,64}$/.test(name) ? `${loader}('${name}')` : `${loader}(…)`;
}

/** Renders a path for an API name: unresolved keys as `[…]`. */
function renderPath(head: string, path: readonly string[]): string {
  let out = head;
  for (const seg of path) out += seg === '*' ? '[…]' : `.${seg}`;
  return out;
}

/** Collects the findings of one file, deduplicated by (capability, api, line, column). */
export class FindingCollector {
  readonly findings: Finding[] = [];
  /** Bare, non-builtin package names imported: dependency edges. */
  readonly imports = new Set<string>();
  /** What the module graph needs from this file (specifiers, dynamic loads). */
  readonly module: ModuleFactsCollector;
  /** Whether the site being matched runs at load time (set by the matcher; the lexical scan leaves it true). */
  atLoad = true;
  /** Indices of findings made while `atLoad` was false. */
  readonly callTime: number[] = [];
  private readonly seen = new Set<string>();
  private lines: LineIndex | undefined;

  constructor(
    private readonly file: string,
    private readonly source: string,
  ) {
    this.module = new ModuleFactsCollector(source);
  }

  /** Records a finding at a node. */
  add(capability: string, api: string, node: Node, confidence: Confidence): void {
    const offset = node.start;
    if (offset === null || offset === undefined) return;
    // Positions come from offsets: the walk drops Babel's `loc` objects to halve the AST's memory.
    const { line, column } = (this.lines ??= new LineIndex(this.source)).position(offset);
    this.addAt(capability, api, line, column, offset, confidence);
  }

  /** Records a finding at a 1-based position. */
  addAt(capability: string, api: string, line: number, column: number, offset: number, confidence: Confidence): void {
    const key = `${capability}\0${api}\0${line}\0${column}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (!this.atLoad) this.callTime.push(this.findings.length);
    this.findings.push({ capability, api, file: this.file, line, column, excerpt: excerptAt(this.source, offset, column - 1), confidence });
  }
}

/** Turns the sites of a walk into findings by evaluating each against the catalog. */
export class SiteMatcher {
  /** Argument → the call it is passed to; built on first need (a call-only global handed to a call). */
  private argumentOf: Map<Node, ArgumentOf> | undefined;
  private walk: WalkResult | undefined;

  constructor(
    private readonly index: CatalogIndex,
    private readonly evaluator: Evaluator,
    private readonly out: FindingCollector,
  ) {}

  /** Processes every recorded site and static import. */
  run(walk: WalkResult): void {
    this.walk = walk;
    this.argumentOf = undefined;
    // Static imports are hoisted: they load with the module.
    this.out.atLoad = true;
    for (const imp of walk.staticImports) this.moduleImport(imp.spec, imp.node, false);
    const { siteNodes, siteScopes, siteKinds, siteLoad } = walk;
    for (let i = 0; i < siteNodes.length; i++) {
      const node = siteNodes[i]!;
      const scope = siteScopes[i]!;
      const kind = siteKinds[i];
      this.out.atLoad = siteLoad[i] === 1;
      if (kind === SITE_CALL) {
        this.callSite(node, scope);
        continue;
      }
      if (kind === SITE_PATTERN) {
        // Module members destructured from a require are reported at the require and at their uses.
        const read = this.evaluator.patternValue((node as { name: string }).name, scope);
        if (read.k === 'glob') this.reportValue(read, node);
        continue;
      }
      const value = this.evaluator.evaluate(node, scope);
      // A call-only global handed to other code (`arr.map(eval)`, `Reflect.construct(Function, …)`) may be
      // called by it, unless the call only looks at it (`expect.any(Function)`, `class A extends mixin(Function)`).
      // Its `.call`/`.bind` handed over is Function.prototype.call, bound to nothing: `Function.call.bind(Function.call)`.
      if (kind === SITE_ARG && this.evaluator.isCallOnly(value) && !this.isValueArgument(node, scope)) {
        this.matchGlobal({ ...value, m: true }, node, 'call');
      }
      // A variable holding a global's value (`const env = process.env.NODE_ENV`) was reported where the
      // global was read; passing the variable around is not a new use. Calling it is (`const f = fetch; f()`).
      if ((value.k === 'glob' || value.k === 'members') && kind !== SITE_CALLEE && node.type === 'Identifier' && scope.lookup(node.name) !== undefined) continue;
      this.reportValue(value, node);
    }
  }

  /**
   * True when the argument `node` stands where a call only looks at it: a position the runtime model lists
   * (reflection, assertions, test matchers), or a class factory in a class heritage (`extends mixin(Function)`).
   */
  private isValueArgument(node: Node, scope: Scope): boolean {
    const argumentOf = (this.argumentOf ??= this.mapArguments());
    const arg = argumentOf.get(node);
    if (arg === undefined) return false;
    let up: ArgumentOf | undefined = arg;
    for (let i = 0; up !== undefined && i < MAX_CALL_NESTING; i++) {
      if (this.walk?.heritageCalls.has(up.call)) return true;
      up = argumentOf.get(up.call);
    }
    const callee = unwrapExpression(arg.call.callee as Node) as AnyNode;
    const fn = this.evaluator.evaluate(callee, scope);
    if (fn.k === 'glob' && fn.path.length > 0 && !fn.path.includes('*')) {
      const entry = this.index.valueArgumentGlobals.get(fn.path.join('.'));
      if (entry) return entry.positions === null || entry.positions.has(arg.position);
    }
    if (callee.type !== 'MemberExpression' && callee.type !== 'OptionalMemberExpression') return false;
    const property = callee.property as Node;
    let method: string | null = null;
    if (!callee.computed) method = property.type === 'Identifier' ? property.name : null;
    else {
      const key = this.evaluator.evaluate(property, scope);
      method = key.k === 'str' ? key.v : null;
    }
    const entry = method === null ? undefined : this.index.valueArgumentMethods.get(method);
    if (entry === undefined || (entry.positions !== null && !entry.positions.has(arg.position))) return false;
    // A method of an object or function written in this file is code we could see calling its argument.
    const receiver = this.evaluator.evaluate(callee.object as Node, scope);
    return receiver.k !== 'obj' && receiver.k !== 'fn';
  }

  /** Every call's arguments (wrappers stripped, as the walk records them), mapped to the call. */
  private mapArguments(): Map<Node, ArgumentOf> {
    const map = new Map<Node, ArgumentOf>();
    const walk = this.walk;
    if (walk === undefined) return map;
    for (let i = 0; i < walk.siteNodes.length; i++) {
      if (walk.siteKinds[i] !== SITE_CALL) continue;
      const call = walk.siteNodes[i] as AnyNode;
      const args = call.arguments as Node[] | undefined;
      if (!args) continue;
      args.forEach((a, position) => map.set(unwrapExpression(a), { call, position }));
    }
    return map;
  }

  /** An import of `spec` at `node`: a finding for catalog modules, an edge for packages. */
  moduleImport(spec: string, node: Node, medium: boolean): void {
    if (!isBuiltin(spec)) this.out.module.specifier(spec, this.out.atLoad);
    const value = this.evaluator.moduleValue(spec);
    if (value.k !== 'mod') return;
    const bare = spec.startsWith(this.index.builtinPrefix) ? spec.slice(this.index.builtinPrefix.length) : spec;
    const entries = this.index.modules.get(value.name);
    if (entries) {
      for (const e of entries) if (e.members === null) this.out.add(e.capability, bare, node, medium ? 'medium' : 'high');
    }
    if (!isBuiltin(spec) && !isBuiltin(value.name)) this.out.imports.add(value.name);
  }

  /** A chain top's value (`when`: or a callee's, at its call): a module member or a global path the catalog names. */
  reportValue(value: Value, node: Node, when: 'access' | 'call' = 'access'): void {
    if (value.k === 'members') {
      // Some member of a module or of the global object, not known which: an unresolved use of it.
      if (value.method) return;
      const of = value.of;
      if (of.k === 'mod' || of.k === 'bind' || of.k === 'glob') this.reportValue(this.evaluator.member(of, null, true), node);
      return;
    }
    if (value.k === 'bind') {
      // Bindings loaded as a whole were reported at the load; here, the members used.
      if (value.path.length === 0) return;
      const entries = this.index.bindings.get(value.name);
      if (!entries) return;
      const first = value.path[0]!;
      for (const e of entries) {
        if (e.members !== null && !e.members.has(first) && first !== '*') continue;
        const confidence: Confidence = e.members !== null && first === '*' ? 'low' : value.m ? 'medium' : 'high';
        this.out.add(e.capability, renderPath(bindingApi(value.loader, value.name), value.path.slice(0, 2)), node, confidence);
      }
      return;
    }
    if (value.k === 'mod') {
      if (value.path.length === 0 || value.promise) return;
      const entries = this.index.modules.get(value.name);
      if (!entries) return;
      const first = value.path[0]!;
      const dotted = value.path.length > 1 ? `${first}.${value.path[1]!}` : first;
      for (const e of entries) {
        // A member that only counts when called is reported at the call.
        if (e.when !== when) continue;
        // An instance's members count only where the catalog names them (`prototype._compile`), and a
        // member the catalog names through the prototype counts only on an instance: reading or calling
        // `Module.prototype._compile` itself is wrapping or forwarding it (source-map-support, require hooks).
        if (value.inst && (e.members === null || !e.members.has(dotted))) continue;
        if (!value.inst && first === PROTOTYPE) continue;
        if (e.members !== null && !e.members.has(first) && !e.members.has(dotted) && first !== '*') continue;
        // A member the module does not export is no use of its API (`cp.pid` on a local named `process`).
        if (e.exports !== null && first !== '*' && !e.exports.has(first)) continue;
        const confidence: Confidence = e.members !== null && first === '*' ? 'low' : value.m ? 'medium' : 'high';
        this.out.add(e.capability, renderPath(value.name, value.path.slice(0, 3)), node, confidence);
      }
      return;
    }
    if (value.k !== 'glob' || value.path.length === 0) return;
    if (value.path[0] === '*') {
      const cap = this.index.unresolved.get('global-member');
      // Named after the runtime model's first name for the global object.
      const root = this.index.globalObjects.values().next().value ?? '';
      if (cap) this.out.add(cap, renderPath(root, ['*']), node, 'low');
      return;
    }
    this.matchGlobal(value, node, 'access');
  }

  private matchGlobal(value: Value & { k: 'glob' }, node: Node, when: 'access' | 'call'): boolean {
    const path = value.path;
    // An instance's members count only where the catalog names the path through the prototype (and such a
    // path counts only on an instance: see reportValue).
    const shortest = value.inst ? path.indexOf(PROTOTYPE) + 2 : 1;
    for (let len = Math.min(path.length, this.index.maxGlobalLength); len >= shortest; len--) {
      let key = path[0]!;
      for (let i = 1; i < len; i++) key += `.${path[i]}`;
      if (key.includes('*')) continue;
      if (!value.inst && path.slice(0, len).includes(PROTOTYPE)) continue;
      const entries = this.index.globals.get(key);
      if (!entries) continue;
      // A call-only global is called when the call targets it, or its own `.call`/`.apply`/`.bind`:
      // `Function.prototype.toString(x)` calls something else.
      if (when === 'call' && len !== path.length && !(len === path.length - 1 && INVOKERS.has(path[len]!))) continue;
      let matched = false;
      for (const e of entries) {
        if (e.when !== when) continue;
        const api = when === 'call' ? key : renderPath(path[0]!, path.slice(1, len + 1));
        this.out.add(e.capability, api, node, value.m ? 'medium' : 'high');
        matched = true;
      }
      if (matched) return true;
    }
    return false;
  }

  private callSite(node: Node, scope: Scope): void {
    const n = node as AnyNode;
    const args = (n.arguments as Node[] | undefined) ?? [];
    if (node.type === 'ImportExpression' || (n.callee as Node | undefined)?.type === 'Import') {
      const source = node.type === 'ImportExpression' ? node.source : args[0];
      const spec = source ? this.evaluator.evaluateName(source, scope) : undefined;
      if (spec?.k === 'str') this.moduleImport(spec.v, node, spec.m);
      else this.unresolved('import', 'import(…)', node, source, scope);
      return;
    }
    const resolved = this.evaluator.resolveCall(node, scope);
    const callee = resolved.fn;
    const target = resolved.target;
    const chainTop = target.type === 'Identifier' || target.type === 'MemberExpression' || target.type === 'OptionalMemberExpression';
    if (resolved.bindingLoader !== null) {
      const first = resolved.args[0];
      const name = first && first.type !== 'SpreadElement' ? this.evaluator.evaluateName(first, scope) : UNKNOWN;
      this.bindingLoad(resolved.bindingLoader, name.k === 'str' ? name.v : null, node, name.k === 'str' && (name.m || resolved.aliased));
      return;
    }
    if (resolved.loader) {
      const first = resolved.args[0];
      if (!first) return;
      const spec = first.type === 'SpreadElement' ? undefined : this.evaluator.evaluateName(first, scope);
      // `module.require`, `process.mainModule.require`, `require.call(…)`: require reached another way is aliasing.
      if (spec?.k === 'str') this.moduleImport(spec.v, node, spec.m || resolved.aliased);
      else this.unresolved('require', `${callee.k === 'glob' ? callee.path.join('.') : callee.k === 'mod' ? renderPath(callee.name, callee.path) : ''}(…)`, node, first, scope);
      return;
    }
    // A callee that is no chain top of its own (`Reflect.get(cp, 'exec')(…)`, what `Reflect.apply` is
    // handed as a call result) is reported at the call.
    if (!chainTop && (callee.k === 'mod' || callee.k === 'bind' || callee.k === 'members')) this.reportValue(callee, node);
    if (callee.k === 'mod') {
      this.reportValue(callee, node, 'call');
      this.moduleCall(callee, resolved.args, node, scope);
    }
    if (callee.k === 'mod' && callee.path.length > 0 && !callee.promise) {
      const members = this.index.fileRunners.get(callee.name);
      if (members === null || members?.has(callee.path[0]!)) this.out.module.fileArguments(resolved.args, scope, this.evaluator);
    }
    if (callee.k !== 'glob' || callee.path.length === 0 || callee.path.includes('*')) return;
    const joined = callee.path.join('.');
    if (this.index.resolvers.has(joined)) {
      // `require.resolve(name)` loads nothing, but a name that does not fold is a module chosen at run time.
      const first = resolved.args[0];
      if (!first || first.type === 'SpreadElement' || this.evaluator.evaluateName(first, scope).k === 'str') return;
      // A path built on the module's directory is a known file; resolving loads nothing, so no graph fact.
      if (staticPath(first, scope, this.evaluator)?.complete) return;
      const cap = this.index.unresolved.get('require');
      if (cap) this.out.add(cap, `${joined}(…)`, node, 'low');
      return;
    }
    // What `Reflect.apply` is handed as a name was reported where it stands, as an argument.
    if ((resolved.via !== 'reflect' && resolved.via !== 'construct') || !chainTop) {
      this.matchGlobal(callee, node, 'call');
      if (!chainTop) this.matchGlobal(callee, node, 'access');
    }
    const calls = this.index.calls.get(joined);
    if (calls) {
      for (const c of calls) {
        if (c.predicate === 'firstArgIsString' && args[0] && this.isStringArgument(args[0], scope)) {
          this.out.add(c.capability, `${joined}(string)`, node, callee.m ? 'medium' : 'high');
        }
      }
    }
  }

  /** A call of a module member the catalog counts only with certain arguments (`new Worker(code, { eval: true })`). */
  private moduleCall(callee: Value & { k: 'mod' }, args: readonly Node[], node: Node, scope: Scope): void {
    if (callee.path.length === 0 || callee.promise || callee.inst) return;
    const entries = this.index.moduleCalls.get(callee.name)?.get(callee.path.join('.'));
    if (!entries) return;
    for (const e of entries) {
      if (e.predicate !== 'optionIsTrue' || e.argument === undefined || e.option === undefined) continue;
      const arg = args[e.argument];
      if (!arg || arg.type === 'SpreadElement') continue;
      const set = this.optionSet(arg, e.option, scope);
      if (set === null) continue;
      this.out.add(e.capability, e.api ?? renderPath(callee.name, callee.path), node, callee.m || set === 'medium' ? 'medium' : 'high');
    }
  }

  /** Whether an options object sets `option` to a truthy constant: `high` when written plainly, `medium` when computed. */
  private optionSet(arg: Node, option: string, scope: Scope): 'high' | 'medium' | null {
    const value = this.evaluator.evaluate(arg, scope);
    if (value.k !== 'obj' || value.node.type !== 'ObjectExpression') return null;
    let found: 'high' | 'medium' | null = null;
    for (const p of value.node.properties) {
      if (p.type !== 'ObjectProperty') continue;
      let key: string | null = null;
      if (!p.computed) key = p.key.type === 'Identifier' ? p.key.name : p.key.type === 'StringLiteral' ? p.key.value : null;
      else {
        const k = this.evaluator.evaluateName(p.key, value.scope);
        key = k.k === 'str' ? k.v : null;
      }
      if (key !== option) continue;
      const truthy = this.evaluator.truthyConstant(p.value as Node, value.scope);
      // The last write wins: `{ eval: true, eval: false }`.
      found = truthy === true ? (p.computed || p.value.type !== 'BooleanLiteral' ? 'medium' : 'high') : null;
    }
    return found;
  }

  /**
   * `process.binding(name)`: the capabilities of the binding as a whole (members are reported where they
   * are used), nothing for an inert binding, and an unresolved finding for a name the catalog does not
   * classify or that does not fold (`null`).
   */
  private bindingLoad(loader: string, name: string | null, node: Node, medium: boolean): void {
    const api = bindingApi(loader, name);
    const entries = name === null ? undefined : this.index.bindings.get(name);
    if (entries) {
      for (const e of entries) if (e.members === null) this.out.add(e.capability, api, node, medium ? 'medium' : 'high');
      return;
    }
    if (name !== null && this.index.inertBindings.has(name)) return;
    const cap = this.index.unresolved.get('binding');
    if (cap) this.out.add(cap, api, node, 'low');
  }

  private unresolved(kind: 'require' | 'import', api: string, node: Node, arg: Node | undefined, scope: Scope): void {
    // A path built on the module's directory (`path.join(__dirname, 'x')`) is a file the graph can follow:
    // a static load of a file, not an unknown one.
    const built = arg && arg.type !== 'SpreadElement' ? staticPath(arg, scope, this.evaluator) : undefined;
    if (built?.complete) {
      this.out.module.specifier(built.spec, this.out.atLoad);
      return;
    }
    const cap = this.index.unresolved.get(kind);
    if (cap) this.out.add(cap, api, node, 'low');
    this.out.module.dynamic(kind, node.start ?? 0, built?.spec, this.out.atLoad);
  }

  /** `setTimeout('code')`: a literal, a template, a concatenation with a literal, or a folded string. */
  private isStringArgument(arg: Node, scope: Scope): boolean {
    if (arg.type === 'StringLiteral' || arg.type === 'TemplateLiteral') return true;
    if (arg.type === 'BinaryExpression' && arg.operator === '+') {
      if (arg.left.type === 'StringLiteral' || arg.right.type === 'StringLiteral') return true;
    }
    return this.evaluator.evaluate(arg, scope).k === 'str';
  }
}
