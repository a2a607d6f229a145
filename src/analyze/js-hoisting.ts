import { VISITOR_KEYS } from '@babel/types';
import type { Node } from '@babel/types';

type AnyNode = Node & Record<string, unknown>;

/** What a body declares before it runs. */
export interface Hoisted {
  /** `var` names (function scopes only), including those of nested blocks and loops. */
  vars: string[];
  /** `let`, `const` and `class` names of the body itself: in the temporal dead zone until declared. */
  lexical: string[];
  /** Function declarations of the body itself, made on entry. */
  functions: Node[];
}

const hoisted = new WeakMap<Node, Hoisted>();

function isFunction(node: Node): boolean {
  return (
    node.type === 'FunctionDeclaration' ||
    node.type === 'FunctionExpression' ||
    node.type === 'ArrowFunctionExpression' ||
    node.type === 'ObjectMethod' ||
    node.type === 'ClassMethod' ||
    node.type === 'ClassPrivateMethod'
  );
}

/** The identifiers a binding pattern declares. */
export function patternNames(pattern: Node, out: string[]): void {
  const stack: Node[] = [pattern];
  while (stack.length > 0) {
    const p = stack.pop() as AnyNode;
    switch (p.type) {
      case 'Identifier':
        out.push(p.name as string);
        break;
      case 'ObjectPattern':
        for (const prop of p.properties as AnyNode[]) stack.push((prop.type === 'RestElement' ? prop.argument : prop.value) as Node);
        break;
      case 'ArrayPattern':
        for (const el of p.elements as (Node | null)[]) if (el) stack.push(el);
        break;
      case 'AssignmentPattern':
        stack.push(p.left as Node);
        break;
      case 'RestElement':
        stack.push(p.argument as Node);
        break;
      default:
        break;
    }
  }
}

/**
 * The declarations of a function, program or block body (`owner` keys the cache). `var` names are
 * collected down through blocks and loops but not into nested functions; in a block, function
 * declarations are the block's (and, as Annex B has it, also a `var` of the function).
 */
export function hoisting(owner: Node, body: readonly Node[], functionScope: boolean): Hoisted {
  const cached = hoisted.get(owner);
  if (cached) return cached;
  const h: Hoisted = { vars: [], lexical: [], functions: [] };
  for (const stmt of body) {
    if (stmt.type === 'FunctionDeclaration') h.functions.push(stmt);
    else if (stmt.type === 'ClassDeclaration' && stmt.id) h.lexical.push(stmt.id.name);
    else if (stmt.type === 'VariableDeclaration' && stmt.kind !== 'var') for (const d of stmt.declarations) patternNames(d.id, h.lexical);
  }
  if (functionScope) {
    const stack: Node[] = [...body];
    while (stack.length > 0) {
      const n = stack.pop() as AnyNode;
      if (isFunction(n) || n.type === 'ClassDeclaration' || n.type === 'ClassExpression') {
        if (n.type === 'FunctionDeclaration' && !body.includes(n) && n.id) h.vars.push((n.id as { name: string }).name);
        continue;
      }
      if (n.type === 'VariableDeclaration' && n.kind === 'var') for (const d of n.declarations as { id: Node }[]) patternNames(d.id, h.vars);
      for (const key of VISITOR_KEYS[n.type] ?? []) {
        const child = n[key] as Node | Node[] | null | undefined;
        if (Array.isArray(child)) for (const c of child) c && stack.push(c);
        else if (child && typeof child === 'object' && 'type' in child) stack.push(child);
      }
    }
  }
  hoisted.set(owner, h);
  return h;
}

/** What a statement writes: names it assigns or declares, and names of objects it changes or calls methods on. */
export interface Writes {
  names: string[];
  roots: string[];
}

const writes = new WeakMap<Node, Writes>();

/** The root identifier of a member chain (`a` in `a.b[c].d`), or null. */
function rootOf(node: Node): string | null {
  let n = node as AnyNode;
  while (n.type === 'MemberExpression' || n.type === 'OptionalMemberExpression') n = n.object as AnyNode;
  return n.type === 'Identifier' ? (n.name as string) : null;
}

/**
 * The names a statement may write, read from its syntax (including inside the functions it contains,
 * which it may call): a statement that could not run to its end may have changed any of them.
 */
export function writesOf(stmt: Node): Writes {
  const cached = writes.get(stmt);
  if (cached) return cached;
  const w: Writes = { names: [], roots: [] };
  const stack: Node[] = [stmt];
  while (stack.length > 0) {
    const n = stack.pop() as AnyNode;
    switch (n.type) {
      case 'AssignmentExpression': {
        const left = n.left as Node;
        if (left.type === 'Identifier') w.names.push(left.name);
        else if (left.type === 'MemberExpression') {
          const r = rootOf(left);
          if (r) w.roots.push(r);
        } else patternNames(left, w.names);
        break;
      }
      case 'UpdateExpression':
      case 'UnaryExpression': {
        if (n.type === 'UnaryExpression' && n.operator !== 'delete') break;
        const arg = n.argument as Node;
        if (arg.type === 'Identifier') w.names.push(arg.name);
        else {
          const r = rootOf(arg);
          if (r) w.roots.push(r);
        }
        break;
      }
      case 'VariableDeclarator':
        patternNames(n.id as Node, w.names);
        break;
      case 'CallExpression':
      case 'OptionalCallExpression': {
        const callee = n.callee as Node;
        if (callee.type === 'MemberExpression' || callee.type === 'OptionalMemberExpression') {
          const r = rootOf(callee.object as Node);
          if (r) w.roots.push(r);
        }
        // Arguments handed to a call may be changed by it.
        for (const a of n.arguments as Node[]) if (a.type === 'Identifier') w.roots.push(a.name);
        break;
      }
      default:
        break;
    }
    for (const key of VISITOR_KEYS[n.type] ?? []) {
      const child = n[key] as Node | Node[] | null | undefined;
      if (Array.isArray(child)) for (const c of child) c && stack.push(c);
      else if (child && typeof child === 'object' && 'type' in child) stack.push(child);
    }
  }
  writes.set(stmt, w);
  return w;
}
