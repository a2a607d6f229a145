import type { Node } from '@babel/types';
import type { CatalogIndex } from './catalog-index.js';
import { hoisting, patternNames } from './js-hoisting.js';
import { Scope, UNKNOWN, type Value } from './scope.js';

type AnyNode = Node & Record<string, unknown>;

/** Most `return` statements read from one function: helpers have a handful. */
const MAX_RETURNS = 16;
/** Deepest nesting of symbolic calls (a helper calling a helper). */
const MAX_NESTING = 8;

/** What a symbolic call needs of the evaluator. */
export interface LocalCalls {
  readonly index: CatalogIndex;
  substituting: number;
  evaluate(node: Node, scope: Scope, depth?: number): Value;
}

/** A function written in the file, with where it stands. */
export function isLocalFunction(v: Value): v is Value & { k: 'fn'; node: Node; scope: Scope } {
  return v.k === 'fn' && v.node !== undefined && v.scope !== undefined;
}

const returnsOf = new WeakMap<Node, Node[] | null>();

/** Function and class nodes: their bodies are their own. */
const NESTED = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression', 'ObjectMethod', 'ClassMethod', 'ClassPrivateMethod', 'ClassDeclaration', 'ClassExpression']);

/** The expressions a function returns (not those of functions nested in it); null when there are too many. */
export function returns(fn: Node): Node[] | null {
  const cached = returnsOf.get(fn);
  if (cached !== undefined) return cached;
  const body = (fn as AnyNode).body as AnyNode;
  let out: Node[] | null = [];
  if (body.type !== 'BlockStatement') out.push(body);
  else {
    const stack: AnyNode[] = [...(body.body as AnyNode[])];
    while (stack.length > 0 && out !== null) {
      const n = stack.pop()!;
      if (n.type === 'ReturnStatement') {
        if (n.argument) out.push(n.argument as Node);
        if (out.length > MAX_RETURNS) out = null;
        continue;
      }
      // Statements only: expressions hold no `return` outside nested functions.
      for (const key of ['body', 'consequent', 'alternate', 'block', 'handler', 'finalizer', 'cases']) {
        const child = n[key] as AnyNode | AnyNode[] | null | undefined;
        if (Array.isArray(child)) stack.push(...child);
        else if (child && typeof child === 'object' && typeof child.type === 'string' && !NESTED.has(child.type)) stack.push(child);
      }
    }
  }
  returnsOf.set(fn, out);
  return out;
}

const handsBack = new WeakMap<Node, boolean>();

/** Whether a returned expression can be (or wrap) one of `params`: `p`, `c ? p : { default: p }`, `h(p)`. */
function handsBackShape(expr: Node, params: ReadonlySet<string>): boolean {
  const stack: Node[] = [expr];
  while (stack.length > 0) {
    const n = stack.pop() as AnyNode;
    switch (n.type) {
      case 'Identifier':
        if (params.has(n.name as string)) return true;
        break;
      case 'CallExpression':
      case 'NewExpression':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        // A helper called with the argument, or a function made here (a factory): it may.
        return true;
      case 'ConditionalExpression':
        stack.push(n.consequent as Node, n.alternate as Node);
        break;
      case 'LogicalExpression':
        stack.push(n.left as Node, n.right as Node);
        break;
      case 'SequenceExpression': {
        const list = n.expressions as Node[];
        stack.push(list[list.length - 1]!);
        break;
      }
      case 'AssignmentExpression':
        stack.push(n.right as Node);
        break;
      case 'ObjectExpression':
        for (const p of n.properties as AnyNode[]) if (p.type === 'ObjectProperty') stack.push(p.value as Node);
        break;
      case 'ParenthesizedExpression':
      case 'TSAsExpression':
      case 'TSNonNullExpression':
      case 'TSSatisfiesExpression':
      case 'TypeCastExpression':
        stack.push(n.expression as Node);
        break;
      default:
        break;
    }
  }
  return false;
}

/**
 * Whether a function may hand back one of its arguments, read from the shape of its returns (a
 * parameter, an object or a conditional holding one, a call that may): cheap to ask before evaluating
 * any argument, and false for most functions (`return a + b`, `return x.y`).
 */
export function mayHandBack(fn: Node): boolean {
  const cached = handsBack.get(fn);
  if (cached !== undefined) return cached;
  const list = returns(fn);
  let out = list === null;
  if (!out) {
    const names: string[] = [];
    for (const p of (fn as AnyNode).params as Node[]) patternNames(p, names);
    const params = new Set(names);
    out = (list as Node[]).some((r) => handsBackShape(r, params));
  }
  handsBack.set(fn, out);
  return out;
}

/** The `var`/`let`/`const` initialisers of a function body, by name (nested functions excluded). */
function locals(fn: Node): Map<string, Node | null> {
  const out = new Map<string, Node | null>();
  const body = (fn as AnyNode).body as AnyNode;
  if (body.type !== 'BlockStatement') return out;
  const h = hoisting(fn, body.body as Node[], true);
  for (const name of [...h.vars, ...h.lexical]) out.set(name, null);
  for (const f of h.functions) out.set(((f as AnyNode).id as { name: string }).name, f);
  const stack: AnyNode[] = [...(body.body as AnyNode[])];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (NESTED.has(n.type)) continue;
    if (n.type === 'VariableDeclarator' && (n.id as Node).type === 'Identifier' && n.init) out.set((n.id as { name: string }).name, n.init as Node);
    for (const key of ['body', 'declarations', 'consequent', 'alternate', 'block', 'init', 'cases']) {
      const child = n[key] as AnyNode | AnyNode[] | null | undefined;
      if (Array.isArray(child)) stack.push(...child.filter(Boolean));
      else if (child && typeof child === 'object' && typeof child.type === 'string') stack.push(child);
    }
  }
  return out;
}

/**
 * What a call of a function written in the file hands back, read from its `return`s with its parameters
 * bound to the call's arguments (no code runs): one of its arguments (an identity or an interop helper:
 * `e && e.__esModule ? e : { default: e }`), an object wrapping one (`{ default: e }` is the module as a
 * namespace), or a function it makes (`(function () { …; return function (mod) {…} })()`). Anything else
 * is UNKNOWN. A module passes before a function, a function before anything else.
 */
export function callLocal(ev: LocalCalls, fn: Value & { k: 'fn'; node: Node; scope: Scope }, args: readonly Value[], depth: number): Value {
  if (ev.substituting >= MAX_NESTING) return UNKNOWN;
  const list = returns(fn.node);
  if (list === null || list.length === 0) return UNKNOWN;
  const scope = new Scope(fn.scope, true);
  const params = (fn.node as AnyNode).params as Node[];
  const declared = new Set<string>();
  params.forEach((p, i) => {
    const target = p.type === 'AssignmentPattern' ? p.left : p;
    if (target.type === 'Identifier') {
      scope.declare(target.name, 'param').addSource({ node: null, scope, path: [], value: args[i] ?? UNKNOWN });
      declared.add(target.name);
    } else {
      const names: string[] = [];
      patternNames(p, names);
      for (const name of names) (scope.declare(name, 'param'), declared.add(name));
    }
  });
  // The function's own names shadow outer ones; their initialisers are read in the call's scope.
  for (const [name, init] of locals(fn.node)) {
    if (declared.has(name)) continue;
    const b = scope.declare(name, 'local');
    if (init) b.addSource({ node: init, scope, path: [] });
  }
  ev.substituting++;
  try {
    let made: Value = UNKNOWN;
    for (const r of list) {
      const v = ev.evaluate(r, scope, depth + 1);
      if (v.k === 'mod' || v.k === 'bind' || v.k === 'members') return v;
      if (v.k === 'glob' && v.path.length > 0) return v;
      if (v.k === 'obj') {
        const wrapped = wrappedModule(ev, v, depth);
        if (wrapped.k !== 'unknown') return wrapped;
      }
      if (v.k === 'fn' && made.k === 'unknown') made = v;
    }
    return made;
  } finally {
    ev.substituting--;
  }
}

/** A module an object literal wraps as one of its properties (`{ default: m }`), or UNKNOWN. */
function wrappedModule(ev: LocalCalls, obj: Value & { k: 'obj' }, depth: number): Value {
  const node = obj.node as AnyNode;
  for (const p of node.properties as AnyNode[]) {
    if (p.type !== 'ObjectProperty' || p.computed) continue;
    const v = ev.evaluate(p.value as Node, obj.scope, depth + 1);
    if (v.k === 'mod' || v.k === 'bind') return v;
  }
  return UNKNOWN;
}
