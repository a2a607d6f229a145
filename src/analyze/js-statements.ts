import type { Node } from '@babel/types';
import { writesOf } from './js-hoisting.js';
import type { Interpreter } from './js-interpreter.js';
import { Abort, Env, JsObject, JsThrow, Opaque, Poison, strictEquals, truthy, usable, type JsValue } from './js-values.js';

type AnyNode = Node & Record<string, unknown>;

/** Completion types of a statement. */
export const NORMAL = 0;
export const RETURN = 1;
export const BREAK = 2;
export const CONTINUE = 3;

/**
 * The statements of the interpreter (js-interpreter.ts): blocks, loops, `switch`, `try`, labels, and the
 * bodies of functions and of the program, which exploration runs statement by statement.
 */

/**
 * Runs a function or program body. While exploring (outside loops), a statement that cannot run is
 * skipped: its writes are undone, what it overwrote and every name it assigns are poisoned, and the
 * body is reported tainted. Otherwise the first such statement stops the body.
 */
export function runBody(vm: Interpreter, body: readonly Node[], env: Env, program = false): boolean {
  let tainted = false;
  for (const stmt of body) {
    if (!vm.exploring || vm.loops > 0) {
      const t = execute(vm, stmt, env);
      if (t !== NORMAL) {
        vm.completionType = t;
        return tainted;
      }
      continue;
    }
    vm.heap.begin();
    let t: number;
    try {
      t = execute(vm, stmt, env);
      vm.heap.commit();
    } catch (err) {
      // An exception nobody catches ends a program; exploring, it is one more statement that did not run.
      // A statement that overflows the stack is one more that cannot run (the budget is not spent).
      const skip = err instanceof Abort || err instanceof RangeError ? !vm.heap.exhausted : program && err instanceof JsThrow;
      if (!skip) {
        vm.heap.commit();
        throw err;
      }
      vm.heap.rollback();
      poisonWrites(vm, stmt, env);
      tainted = true;
      continue;
    }
    if (t !== NORMAL) {
      vm.completionType = t;
      return tainted;
    }
  }
  vm.completionType = NORMAL;
  return tainted;
}

/** Poisons the names a skipped statement assigns and the objects it calls methods on or writes to. */
function poisonWrites(vm: Interpreter, stmt: Node, env: Env): void {
  const w = writesOf(stmt);
  for (const name of w.names) {
    const holder = env.find(name) ?? env.root();
    holder.vars.set(name, Poison.one);
  }
  for (const name of w.roots) {
    const holder = env.find(name);
    if (holder === null) continue;
    const v = holder.vars.get(name);
    if (v instanceof JsObject) vm.heap.poison(v);
  }
}

/** Runs a statement; returns its completion type (the value and label are in fields). */
export function execute(vm: Interpreter, node: Node, env: Env): number {
  vm.heap.tick();
  const n = node as AnyNode;
  switch (node.type) {
    case 'ExpressionStatement':
      vm.evaluate(n.expression as Node, env);
      return NORMAL;
    case 'VariableDeclaration':
      for (const d of n.declarations as { id: Node; init: Node | null }[]) {
        if (d.init === null) {
          if (n.kind !== 'var') vm.bind(d.id, undefined, declaringEnv(vm, env, d.id), true);
          continue;
        }
        const value = vm.evaluate(d.init, env);
        if (n.kind === 'var') vm.bind(d.id, value, env, false);
        else vm.bind(d.id, value, declaringEnv(vm, env, d.id), true);
      }
      return NORMAL;
    case 'FunctionDeclaration':
    case 'EmptyStatement':
    case 'DebuggerStatement':
      return NORMAL;
    case 'ReturnStatement':
      vm.completionValue = n.argument ? vm.evaluate(n.argument as Node, env) : undefined;
      return RETURN;
    case 'IfStatement':
      if (truthy(vm.evaluate(n.test as Node, env))) return execute(vm, n.consequent as Node, env);
      return n.alternate ? execute(vm, n.alternate as Node, env) : NORMAL;
    case 'BlockStatement':
      return runBlock(vm, n.body as Node[], env, node);
    case 'ThrowStatement':
      throw new JsThrow(vm.evaluate(n.argument as Node, env));
    case 'TryStatement':
      return tryStatement(vm, n, env);
    case 'BreakStatement':
      vm.completionLabel = (n.label as { name: string } | null)?.name ?? null;
      return BREAK;
    case 'ContinueStatement':
      vm.completionLabel = (n.label as { name: string } | null)?.name ?? null;
      return CONTINUE;
    case 'LabeledStatement': {
      const label = (n.label as { name: string }).name;
      vm.label = label;
      const t = execute(vm, n.body as Node, env);
      vm.label = null;
      if (t === BREAK && vm.completionLabel === label) return NORMAL;
      return t;
    }
    case 'WhileStatement':
    case 'DoWhileStatement':
    case 'ForStatement':
    case 'ForInStatement':
    case 'ForOfStatement': {
      const label = vm.label;
      vm.label = null;
      vm.loops++;
      try {
        return loop(vm, n, env, label);
      } finally {
        vm.loops--;
      }
    }
    case 'SwitchStatement':
      vm.loops++;
      try {
        return switchStatement(vm, n, env);
      } finally {
        vm.loops--;
      }
    default:
      throw new Abort(`statement ${node.type}`);
  }
}

/** The environment a `let`/`const` declaration writes to: where it was hoisted (TDZ). */
function declaringEnv(vm: Interpreter, env: Env, id: Node): Env {
  if (id.type === 'Identifier') return env.find(id.name) ?? env;
  return env;
}

/** A block: its own environment for what it declares. */
function runBlock(vm: Interpreter, body: readonly Node[], env: Env, node: Node): number {
  const inner = vm.heap.env(env);
  vm.hoist(body, inner, false, node);
  vm.record(node, inner);
  for (const stmt of body) {
    const t = execute(vm, stmt, inner);
    if (t !== NORMAL) return t;
  }
  return NORMAL;
}

/** `try`/`catch`/`finally`: only the interpreted code's exceptions are caught, never an Abort. */
function tryStatement(vm: Interpreter, n: AnyNode, env: Env): number {
  let t = NORMAL;
  let pending: unknown = null;
  const block = n.block as AnyNode;
  try {
    t = runBlock(vm, block.body as Node[], env, block);
  } catch (err) {
    if (!(err instanceof JsThrow) || !n.handler) pending = err;
    else {
      const handler = n.handler as AnyNode;
      const catchEnv = vm.heap.env(env);
      if (handler.param) vm.bind(handler.param as Node, err.value, catchEnv, true);
      try {
        const body = handler.body as AnyNode;
        t = runBlock(vm, body.body as Node[], catchEnv, body);
      } catch (inner) {
        pending = inner;
      }
    }
  }
  if (n.finalizer) {
    if (pending instanceof Abort) throw pending;
    const value = vm.completionValue;
    const label = vm.completionLabel;
    const f = n.finalizer as AnyNode;
    const ft = runBlock(vm, f.body as Node[], env, f);
    if (ft !== NORMAL) return ft;
    vm.completionValue = value;
    vm.completionLabel = label;
  }
  if (pending !== null) throw pending;
  return t;
}

/** Runs a loop body once; returns -1 to go on, or the completion that leaves the loop. */
function loopBody(vm: Interpreter, body: Node, env: Env, labels: string | null): number {
  const t = execute(vm, body, env);
  if (t === BREAK) return vm.completionLabel === null || vm.completionLabel === labels ? NORMAL : BREAK;
  if (t === CONTINUE) return vm.completionLabel === null || vm.completionLabel === labels ? -1 : CONTINUE;
  if (t === RETURN) return RETURN;
  return -1;
}

/** `while`, `do`, `for`, `for…in`, `for…of` (of arrays, strings and `arguments`). */
function loop(vm: Interpreter, n: AnyNode, env: Env, label: string | null): number {
  const body = n.body as Node;
  switch (n.type) {
    case 'WhileStatement':
      while (truthy(vm.evaluate(n.test as Node, env))) {
        const t = loopBody(vm, body, env, label);
        if (t !== -1) return t;
      }
      return NORMAL;
    case 'DoWhileStatement':
      do {
        const t = loopBody(vm, body, env, label);
        if (t !== -1) return t;
      } while (truthy(vm.evaluate(n.test as Node, env)));
      return NORMAL;
    case 'ForStatement': {
      let loopEnv = env;
      const init = n.init as AnyNode | null;
      const lexical = init?.type === 'VariableDeclaration' && init.kind !== 'var';
      if (lexical) {
        loopEnv = vm.heap.env(env);
        vm.hoist([init], loopEnv, false, n);
      }
      if (init) {
        if (init.type === 'VariableDeclaration') execute(vm, init, loopEnv);
        else vm.evaluate(init, loopEnv);
      }
      for (;;) {
        if (n.test && !truthy(vm.evaluate(n.test as Node, loopEnv))) return NORMAL;
        const t = loopBody(vm, body, loopEnv, label);
        if (t !== -1) return t;
        if (lexical) {
          // Each iteration has its own copy of the loop's `let` bindings (closures keep theirs).
          const next = vm.heap.env(env);
          for (const [k, v] of loopEnv.vars) next.vars.set(k, v);
          loopEnv = next;
        }
        if (n.update) vm.evaluate(n.update as Node, loopEnv);
      }
    }
    default: {
      const right = vm.evaluate(n.right as Node, env);
      let keys: JsValue[];
      if (n.type === 'ForOfStatement') {
        if (n.await) throw new Abort('for await');
        keys = vm.iterate(right);
      } else keys = enumerate(vm, right);
      const left = n.left as AnyNode;
      for (const key of keys) {
        const iterEnv = vm.heap.env(env);
        if (left.type === 'VariableDeclaration') {
          const id = (left.declarations as { id: Node }[])[0]!.id;
          if (left.kind === 'var') vm.bind(id, key, env, false);
          else vm.bind(id, key, iterEnv, true);
        } else vm.bind(left, key, env, false);
        const t = loopBody(vm, body, iterEnv, label);
        if (t !== -1) return t;
      }
      return NORMAL;
    }
  }
}

/** The enumerable string keys `for…in` visits. */
export function enumerate(vm: Interpreter, v: JsValue): JsValue[] {
  v = usable(v);
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [...v].map((_, i) => String(i));
  if (!(v instanceof JsObject)) {
    if (v instanceof Opaque) throw new Abort('enumeration of a value known only symbolically');
    return [];
  }
  const out: JsValue[] = [];
  const seen = new Set<string>();
  for (let p: JsObject | null = v; p !== null; p = p.proto) {
    if (p.poisoned) throw new Abort('a half-written object');
    if (p.builtin) continue;
    if (p.lazy) vm.materializeFunction(p);
    if (p.elements !== null) {
      for (let i = 0; i < p.elements.length; i++) if (!seen.has(String(i))) (seen.add(String(i)), out.push(String(i)));
    }
    for (const k of p.props.keys()) {
      if (seen.has(k) || (p.closure !== null && (k === 'prototype' || k === 'length' || k === 'name'))) continue;
      if (p.kind === 'object' && k === 'constructor' && p.proto === vm.realm.objectProto && p.props.get(k) instanceof JsObject) continue;
      seen.add(k);
      out.push(k);
    }
  }
  return out;
}

/** `switch`, with fall-through. */
function switchStatement(vm: Interpreter, n: AnyNode, env: Env): number {
  const d = vm.evaluate(n.discriminant as Node, env);
  const inner = vm.heap.env(env);
  const cases = n.cases as { test: Node | null; consequent: Node[] }[];
  vm.hoist(cases.flatMap((c) => c.consequent), inner, false, n);
  let start = -1;
  for (let i = 0; i < cases.length && start === -1; i++) {
    const test = cases[i]!.test;
    if (test !== null && strictEquals(usable(d), usable(vm.evaluate(test, inner)))) start = i;
  }
  if (start === -1) start = cases.findIndex((c) => c.test === null);
  if (start === -1) return NORMAL;
  for (let i = start; i < cases.length; i++) {
    for (const stmt of cases[i]!.consequent) {
      const t = execute(vm, stmt, inner);
      if (t === BREAK && vm.completionLabel === null) return NORMAL;
      if (t !== NORMAL) return t;
    }
  }
  return NORMAL;
}
