import { VISITOR_KEYS, type Node } from '@babel/types';
import type { PropertyWriter } from '../../capabilities/define.js';
import type { Confidence } from '../contract/index.js';
import type { CatalogIndex } from './catalog-index.js';
import type { Evaluator } from './evaluate.js';
import type { FindingCollector } from './match.js';
import type { Scope } from './scope.js';
import { SITE_CALL, type WalkResult } from './walk.js';

type AnyNode = Node & Record<string, unknown>;

/** The catalog's tamper matchers compiled for lookups. */
interface TamperIndex {
  /** Exact target path → capability. */
  exact: Map<string, string>;
  /** `a.b` of a target `a.b.*` → capability. */
  members: Map<string, string>;
  /** Writer by dotted callee path. */
  callees: Map<string, { capability: string; writer: PropertyWriter }[]>;
  /** Writer by method name. */
  methods: Map<string, { capability: string; writer: PropertyWriter }[]>;
  /** Last segments of writer callees and method names: calls whose callee ends otherwise are skipped unevaluated. */
  names: Set<string>;
  /** Last segments of exact targets (`fetch`, `send`, `prototype`): a write of another name can only hit a `.*` target. */
  lastNames: Set<string>;
  /** Last segments of the prefixes of `.*` targets (`prototype`, `ethereum`). */
  prefixLastNames: Set<string>;
}

const compiled = new WeakMap<CatalogIndex, TamperIndex | null>();

function tamperIndex(index: CatalogIndex): TamperIndex | null {
  const known = compiled.get(index);
  if (known !== undefined) return known;
  const t: TamperIndex = { exact: new Map(), members: new Map(), callees: new Map(), methods: new Map(), names: new Set(), lastNames: new Set(), prefixLastNames: new Set() };
  const last = (path: string): string => path.slice(path.lastIndexOf('.') + 1);
  let any = false;
  for (const cap of index.capabilities) {
    if (!cap.tamper) continue;
    any = true;
    for (const target of cap.tamper.targets) {
      if (target.endsWith('.*')) {
        t.members.set(target.slice(0, -2), cap.id);
        t.prefixLastNames.add(last(target.slice(0, -2)));
      } else {
        t.exact.set(target, cap.id);
        t.lastNames.add(last(target));
      }
    }
    for (const writer of cap.tamper.writers) {
      const entry = { capability: cap.id, writer };
      if (writer.method !== undefined) {
        t.methods.set(writer.method, [...(t.methods.get(writer.method) ?? []), entry]);
        t.names.add(writer.method);
      } else if (writer.callee !== undefined) {
        t.callees.set(writer.callee, [...(t.callees.get(writer.callee) ?? []), entry]);
        t.names.add(last(writer.callee));
      }
    }
  }
  const result = any ? t : null;
  compiled.set(index, result);
  return result;
}

/** A global path written to; `*` is a key that did not fold. */
interface Written {
  path: readonly string[];
  /** Reached through an alias or a computed key. */
  m: boolean;
}

/** The capability a written path falls under, with the confidence of the match, or null. */
function targetOf(t: TamperIndex, w: Written): { capability: string; confidence: Confidence } | null {
  const path = w.path;
  if (path.length === 0 || path.slice(0, -1).includes('*')) return null;
  const last = path[path.length - 1]!;
  const confidence: Confidence = last === '*' ? 'low' : w.m ? 'medium' : 'high';
  const exact = last === '*' ? undefined : t.exact.get(path.join('.'));
  const capability = exact ?? (path.length > 1 ? t.members.get(path.slice(0, -1).join('.')) : undefined);
  return capability === undefined ? null : { capability, confidence };
}

function render(path: readonly string[]): string {
  let out = path[0]!;
  for (const seg of path.slice(1)) out += seg === '*' ? '[…]' : `.${seg}`;
  return out;
}

/** Bound on the nesting of guard conditions examined (`a && (b || (c && …))`). */
const MAX_GUARD_DEPTH = 32;

/**
 * Finds writes that replace a catalog global (`globalThis.fetch = …`, `XMLHttpRequest.prototype.send = …`,
 * `Object.defineProperty(window, 'ethereum', …)`, `delete globalThis.fetch`) and reports them. A write that
 * only installs the global when it is absent (a polyfill) is not reported: see `isGuarded`.
 */
export function findTampering(program: Node, walk: WalkResult, evaluator: Evaluator, index: CatalogIndex, out: FindingCollector): void {
  const t = tamperIndex(index);
  if (t === null) return;
  const check = new TamperCheck(program, t, evaluator, index);
  for (const w of walk.writes) {
    const hit = check.write(w.node, w.scope);
    if (hit) out.add(hit.capability, hit.api, hit.at, hit.confidence);
  }
  const { siteNodes, siteScopes, siteKinds } = walk;
  for (let i = 0; i < siteNodes.length; i++) {
    if (siteKinds[i] !== SITE_CALL) continue;
    const hit = check.writerCall(siteNodes[i]!, siteScopes[i]!);
    if (hit) out.add(hit.capability, hit.api, hit.at, hit.confidence);
  }
}

interface Hit {
  capability: string;
  api: string;
  at: Node;
  confidence: Confidence;
}

class TamperCheck {
  constructor(
    private readonly program: Node,
    private readonly t: TamperIndex,
    private readonly evaluator: Evaluator,
    private readonly index: CatalogIndex,
  ) {}

  /** An assignment or a `delete`. */
  write(node: Node, scope: Scope): Hit | null {
    const n = node as AnyNode;
    const deleting = node.type === 'UnaryExpression';
    const target = (deleting ? n.argument : n.left) as Node;
    if (!this.mayName(target)) return null;
    // `fn.constructor = …` sets a property of that object; the evaluator reads `fn.constructor` as the
    // Function global, which is right for a call and wrong for a write.
    if (this.writesConstructor(target, scope)) return null;
    const written = this.writtenPath(target, scope);
    if (written === null) return null;
    const match = targetOf(this.t, written);
    if (match === null) return null;
    if (!deleting && (this.installsIfAbsent(node, scope, written) || this.isGuarded(node, scope, written))) return null;
    return { ...match, api: deleting ? `delete ${render(written.path)}` : render(written.path), at: target };
  }

  /** A call of a property writer (`Object.defineProperty(globalThis, 'fetch', …)`). */
  writerCall(node: Node, scope: Scope): Hit | null {
    if (node.type !== 'CallExpression' && node.type !== 'OptionalCallExpression') return null;
    const callee = node.callee as AnyNode;
    const args = node.arguments as Node[];
    let name: string | null = null;
    if ((callee.type === 'MemberExpression' || callee.type === 'OptionalMemberExpression') && !callee.computed) {
      name = (callee.property as Node).type === 'Identifier' ? (callee.property as { name: string }).name : null;
      if (name === null || !this.t.names.has(name)) return null;
    } else if (callee.type === 'Identifier') {
      // A plain call is a writer only through an alias (`const dp = Object.defineProperty`), called on an
      // object and a key: the shape is checked before the (costlier) lookup of every plain callee.
      const first = args[0];
      if (args.length < 2 || !first || !(first.type === 'Identifier' || first.type === 'MemberExpression' || first.type === 'ThisExpression')) return null;
      if (scope.lookup(callee.name as string) === undefined) return null;
    } else if (callee.type !== 'MemberExpression' && callee.type !== 'OptionalMemberExpression') {
      return null;
    }
    const candidates: { capability: string; writer: PropertyWriter; object: Written | null; label: string }[] = [];
    const fn = this.evaluator.evaluate(callee, scope);
    if (fn.k === 'glob' && fn.path.length > 0) {
      const label = fn.path.join('.');
      for (const e of this.t.callees.get(label) ?? []) {
        const objectArg = e.writer.object === undefined ? undefined : args[e.writer.object];
        candidates.push({ ...e, object: objectArg ? this.writtenPath(objectArg, scope, true) : null, label });
      }
    }
    if (name !== null && callee.type !== 'Identifier') {
      for (const e of this.t.methods.get(name) ?? []) {
        candidates.push({ ...e, object: this.writtenPath(callee.object as Node, scope, true), label: name });
      }
    }
    for (const c of candidates) {
      if (c.object === null) continue;
      for (const key of this.writtenKeys(c.writer, args, scope)) {
        const written: Written = { path: [...c.object.path, key], m: c.object.m || fn.k !== 'glob' || fn.m };
        const match = targetOf(this.t, written);
        if (match === null || this.isGuarded(node, scope, written)) continue;
        return { ...match, api: `${c.label}(${render(written.path)})`, at: node };
      }
    }
    return null;
  }

  /**
   * Cheap syntactic filter before evaluating a written expression (most writes of a bundle are
   * `exports.x = …`, `a.b.c = …` or locals): a plain name must be a target's, and `o.name` must end like an
   * exact target or stand on an object that can be the prefix of a `.*` target.
   */
  private mayName(target: Node): boolean {
    if (target.type === 'Identifier') return this.t.lastNames.has(target.name) || this.t.prefixLastNames.has(target.name);
    if (target.type !== 'MemberExpression' || target.computed) return true;
    if (target.property.type !== 'Identifier') return false;
    if (this.t.lastNames.has(target.property.name)) return true;
    const object = target.object;
    if (object.type === 'MemberExpression' && !object.computed) return object.property.type === 'Identifier' && this.t.prefixLastNames.has(object.property.name);
    return true;
  }

  private writesConstructor(target: Node, scope: Scope): boolean {
    if (target.type !== 'MemberExpression') return false;
    if (!target.computed) return target.property.type === 'Identifier' && target.property.name === 'constructor';
    const key = this.evaluator.evaluate(target.property, scope);
    return key.k === 'str' && key.v === 'constructor';
  }

  /** The global path an expression names; `allowRoot` accepts the global object itself (a writer's object). */
  private writtenPath(target: Node, scope: Scope, allowRoot = false): Written | null {
    if (target.type === 'Identifier') {
      // Only an undeclared name is a global; the walk declares assigned undeclared names as `implicit`.
      const binding = scope.lookup(target.name);
      if (binding !== undefined && binding.kind !== 'implicit') {
        const v = this.evaluator.evaluate(target, scope);
        return allowRoot && v.k === 'glob' ? { path: v.path, m: true } : null;
      }
      if (this.index.globalObjects.has(target.name)) return allowRoot ? { path: [], m: false } : null;
      return { path: [target.name], m: false };
    }
    const v = this.evaluator.evaluate(target, scope);
    if (v.k !== 'glob' || (v.path.length === 0 && !allowRoot)) return null;
    return { path: v.path, m: v.m };
  }

  /** The property names a writer call writes: its key argument folded, or the keys of its properties literal. */
  private writtenKeys(writer: PropertyWriter, args: readonly Node[], scope: Scope): string[] {
    if (writer.key !== undefined) {
      const arg = args[writer.key];
      if (!arg || arg.type === 'SpreadElement') return ['*'];
      const k = this.evaluator.evaluate(arg, scope);
      return [k.k === 'str' ? k.v : k.k === 'num' ? String(k.v) : '*'];
    }
    if (writer.properties === undefined) return [];
    const arg = args[writer.properties];
    if (!arg || arg.type !== 'ObjectExpression') return ['*'];
    const keys: string[] = [];
    for (const p of arg.properties) {
      if (p.type === 'SpreadElement') {
        keys.push('*');
        continue;
      }
      const k = p.key;
      if (!p.computed && k.type === 'Identifier') keys.push(k.name);
      else if (k.type === 'StringLiteral') keys.push(k.value);
      else {
        const v = this.evaluator.evaluate(k, scope);
        keys.push(v.k === 'str' ? v.v : '*');
      }
    }
    return keys;
  }

  /** `x ||= v`, `x ??= v`, `x = x || v`, `x = x ?? v`, `x = x ? x : v`: the old value wins when there is one. */
  private installsIfAbsent(node: Node, scope: Scope, w: Written): boolean {
    if (node.type !== 'AssignmentExpression') return false;
    if (node.operator === '||=' || node.operator === '??=') return true;
    if (node.operator !== '=') return false;
    const right = node.right;
    if (right.type === 'LogicalExpression' && right.operator !== '&&') return this.isTargetRef(right.left, scope, w);
    if (right.type === 'ConditionalExpression') {
      return (this.present(right.test, scope, w, 0) && this.isTargetRef(right.consequent, scope, w)) || (this.absent(right.test, scope, w, 0) && this.isTargetRef(right.alternate, scope, w));
    }
    return false;
  }

  /**
   * True when the write runs only while the global it writes is absent: inside `if (!g.fetch)`,
   * `typeof fetch === 'undefined' ? … : …`, `!g.fetch && …`, `g.fetch || …`, or after an early
   * `if (g.fetch) return;` in an enclosing block. Only the absence of the very path written counts:
   * `if (!window.solana) window.fetch = …` runs in every browser without that wallet. Conditions are
   * evaluated in the write's scope: a name shadowed between the two is misread (rare, and only ever
   * towards reporting the write).
   */
  private isGuarded(node: Node, scope: Scope, w: Written): boolean {
    const chain = this.ancestors(node);
    for (let i = chain.length - 2; i >= 0; i--) {
      const parent = chain[i] as AnyNode;
      const child = chain[i + 1]!;
      switch (parent.type) {
        case 'IfStatement':
        case 'ConditionalExpression':
          if (child === parent.consequent && this.absent(parent.test as Node, scope, w, 0)) return true;
          if (child === parent.alternate && this.present(parent.test as Node, scope, w, 0)) return true;
          break;
        case 'LogicalExpression':
          if (child !== parent.right) break;
          if (parent.operator === '&&' ? this.absent(parent.left as Node, scope, w, 0) : this.present(parent.left as Node, scope, w, 0)) return true;
          break;
        case 'BlockStatement':
        case 'Program':
        case 'SwitchCase': {
          const body = (parent.type === 'SwitchCase' ? parent.consequent : parent.body) as Node[];
          for (const statement of body) {
            if (statement === child) break;
            if (statement.type === 'IfStatement' && !statement.alternate && exits(statement.consequent) && this.present(statement.test, scope, w, 0)) return true;
          }
          break;
        }
        default:
      }
    }
    return false;
  }

  /** A reference to the written global (`g.fetch` for `globalThis.fetch`), in any form the evaluator resolves. */
  private isTargetRef(node: Node, scope: Scope, w: Written): boolean {
    if (node.type !== 'Identifier' && node.type !== 'MemberExpression' && node.type !== 'OptionalMemberExpression') return false;
    const ref = this.writtenPath(node, scope);
    return ref !== null && samePath(ref.path, w.path);
  }

  /** The condition holds only when a target exists. */
  private present(test: Node, scope: Scope, w: Written, depth: number): boolean {
    if (depth > MAX_GUARD_DEPTH) return false;
    const n = test as AnyNode;
    switch (test.type) {
      case 'Identifier':
      case 'MemberExpression':
      case 'OptionalMemberExpression':
        return this.isTargetRef(test, scope, w);
      case 'UnaryExpression':
        return test.operator === '!' && this.absent(test.argument, scope, w, depth + 1);
      case 'LogicalExpression':
        if (test.operator === '&&') return this.present(test.left, scope, w, depth + 1) || this.present(test.right, scope, w, depth + 1);
        if (test.operator === '||') return this.present(test.left, scope, w, depth + 1) && this.present(test.right, scope, w, depth + 1);
        return false;
      case 'BinaryExpression': {
        if (test.operator === 'in') {
          const key = this.evaluator.evaluate(test.left as Node, scope);
          const object = this.writtenPath(test.right, scope, true);
          return key.k === 'str' && object !== null && samePath([...object.path, key.v], w.path);
        }
        const cmp = this.comparison(test, scope, w);
        if (cmp === null) return false;
        if (cmp.typeofValue !== null) return cmp.negated ? cmp.typeofValue === 'undefined' : cmp.typeofValue === 'function';
        return cmp.negated && cmp.nullish;
      }
      default:
        return n.type === 'ParenthesizedExpression' ? this.present(n.expression as Node, scope, w, depth + 1) : false;
    }
  }

  /** The condition holds only when a target is missing. */
  private absent(test: Node, scope: Scope, w: Written, depth: number): boolean {
    if (depth > MAX_GUARD_DEPTH) return false;
    switch (test.type) {
      case 'UnaryExpression':
        return test.operator === '!' && this.present(test.argument, scope, w, depth + 1);
      case 'LogicalExpression':
        if (test.operator === '&&') return this.absent(test.left, scope, w, depth + 1) || this.absent(test.right, scope, w, depth + 1);
        if (test.operator === '||') return this.absent(test.left, scope, w, depth + 1) && this.absent(test.right, scope, w, depth + 1);
        return false;
      case 'BinaryExpression': {
        const cmp = this.comparison(test, scope, w);
        if (cmp === null) return false;
        if (cmp.typeofValue !== null) return cmp.negated ? cmp.typeofValue === 'function' : cmp.typeofValue === 'undefined';
        return !cmp.negated && cmp.nullish;
      }
      default:
        return false;
    }
  }

  /**
   * `typeof T === 'undefined'`, `T == null`, `T !== undefined` and their mirror images, where T is a
   * target: the string compared with `typeof` (or null for a nullish comparison) and whether the operator
   * is a negation. Strict `=== null` is not nullish: `undefined` passes it.
   */
  private comparison(test: Node & { type: 'BinaryExpression' }, scope: Scope, w: Written): { typeofValue: string | null; nullish: boolean; negated: boolean } | null {
    const op = test.operator;
    if (op !== '===' && op !== '==' && op !== '!==' && op !== '!=') return null;
    const negated = op === '!==' || op === '!=';
    for (const [a, b] of [
      [test.left, test.right],
      [test.right, test.left],
    ] as [Node, Node][]) {
      if (a.type === 'UnaryExpression' && a.operator === 'typeof' && b.type === 'StringLiteral' && this.isTargetRef(a.argument, scope, w)) {
        return { typeofValue: b.value, nullish: false, negated };
      }
      if (this.isTargetRef(a, scope, w)) {
        const isUndefined = (b.type === 'Identifier' && b.name === 'undefined') || (b.type === 'UnaryExpression' && b.operator === 'void');
        const isNull = b.type === 'NullLiteral';
        if (isUndefined || (isNull && (op === '==' || op === '!='))) return { typeofValue: null, nullish: true, negated };
      }
    }
    return null;
  }

  /**
   * The path from the program down to `node`, found by source offsets (the walk keeps no parent links;
   * this runs only for the rare write that names a target).
   */
  private ancestors(node: Node): Node[] {
    const chain: Node[] = [this.program];
    const start = node.start ?? -1;
    const end = node.end ?? -1;
    let cur: Node = this.program;
    // Sibling ranges never overlap: the first child that contains the node's range is on the path.
    descend: while (cur !== node) {
      for (const key of VISITOR_KEYS[cur.type] ?? []) {
        const child = (cur as AnyNode)[key] as Node | Node[] | null | undefined;
        for (const c of Array.isArray(child) ? child : [child]) {
          if (c && typeof c.type === 'string' && (c.start ?? Infinity) <= start && end <= (c.end ?? -1)) {
            chain.push(c);
            cur = c;
            continue descend;
          }
        }
      }
      break;
    }
    return chain;
  }
}

/** Equal paths with every key resolved. */
function samePath(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((seg, i) => seg !== '*' && seg === b[i]);
}

/** The statement always leaves the block: `return`, `throw`, or a block ending in one. */
function exits(statement: Node): boolean {
  if (statement.type === 'ReturnStatement' || statement.type === 'ThrowStatement') return true;
  if (statement.type === 'BlockStatement') {
    const last = statement.body[statement.body.length - 1];
    return last !== undefined && exits(last);
  }
  return false;
}
