import { VISITOR_KEYS } from '@babel/types';
import type { Node } from '@babel/types';
import { SUPER_BINDING, unwrapExpression } from './evaluate.js';
import { loadTimeSites, newContexts } from './load-time.js';
import { Scope, type Binding, type BindingSource, type PathSegment, type Value } from './scope.js';

/** A place to evaluate after the walk: a chain top (identifier or member expression) or a call. */
export const SITE_REF = 0;
export const SITE_CALL = 1;
/** A chain top passed as a call argument: `arr.map(eval)` hands a call-only global to other code. */
export const SITE_ARG = 2;
/** A chain top that is the callee of a call or `new`. */
export const SITE_CALLEE = 3;
/** A name destructured out of a value (`const { env } = process`): the pattern itself reads a member. */
export const SITE_PATTERN = 4;

/** A static `import`/`export … from`/`import x = require()` of a module specifier. */
export interface StaticImport {
  node: Node;
  spec: string;
}

/** An assignment (any operator) or a `delete`: a place where code writes a name or a property. */
export interface WriteSite {
  node: Node;
  scope: Scope;
}

/** What one pass over a file's AST yields: every site to evaluate, with the scope it stands in. */
export interface WalkResult {
  siteNodes: Node[];
  siteScopes: Scope[];
  siteKinds: number[];
  staticImports: StaticImport[];
  /** Writes, for the tamper check (tamper.ts). */
  writes: WriteSite[];
  /** Calls a class extends (`class A extends mixin(Base)`): class factories, handed base classes. */
  heritageCalls: Set<Node>;
  /** Per site: 1 when it runs while the module is evaluated (see `loadTimeSites`), 0 when only once a function is called. */
  siteLoad: Uint8Array;
}

/** True for a node that is a function literal (its body runs only when called, unless inline). */
function isFunctionLiteral(node: Node | null | undefined): boolean {
  return node?.type === 'FunctionExpression' || node?.type === 'ArrowFunctionExpression';
}

/** Strips TypeScript/Flow wrappers and parentheses: `(fn as any)` is still `fn`. */
function unwrap(node: Node): Node {
  let n = node as AnyNode;
  while (TRANSPARENT.has(n.type)) n = n.expression as AnyNode;
  return n;
}

/** The node is the object of a member expression: not a chain top. */
const F_INNER = 1;
/** The node is the operand of `typeof`: a feature probe, not a use. */
const F_TYPEOF = 2;
/** The block is a function (or catch) body: it shares the scope already made. */
const F_BODY = 4;
/** The node is an argument of a call. */
const F_ARG = 8;
/** The node is the callee of a call or `new`. */
const F_CALLEE = 16;

function refKind(flag: number): number {
  return flag & F_CALLEE ? SITE_CALLEE : flag & F_ARG ? SITE_ARG : SITE_REF;
}

/** Keys that only hold types (TypeScript, Flow): never walked, their identifiers are not references. */
const TYPE_KEYS = new Set([
  'typeAnnotation',
  'returnType',
  'typeParameters',
  'superTypeParameters',
  'typeArguments',
  'implements',
  'predicate',
]);

/** Node types that hold no runtime code. */
const SKIP_TYPES = new Set([
  'TSInterfaceDeclaration',
  'TSTypeAliasDeclaration',
  'TSDeclareFunction',
  'TSDeclareMethod',
  'TSNamespaceExportDeclaration',
  'TSIndexSignature',
  'TypeAlias',
  'OpaqueType',
  'InterfaceDeclaration',
  'DeclareClass',
  'DeclareFunction',
  'DeclareVariable',
  'DeclareModule',
  'DeclareModuleExports',
  'DeclareTypeAlias',
  'DeclareOpaqueType',
  'DeclareInterface',
  'DeclareExportDeclaration',
  'DeclareExportAllDeclaration',
  'MetaProperty',
  'PrivateName',
  'BreakStatement',
  'ContinueStatement',
  'ThisExpression',
  'Super',
  'StringLiteral',
  'NumericLiteral',
  'BooleanLiteral',
  'NullLiteral',
  'RegExpLiteral',
  'BigIntLiteral',
  'TemplateElement',
  'Directive',
  'InterpreterDirective',
  'JSXText',
  'JSXIdentifier',
  'EmptyStatement',
  'DebuggerStatement',
]);

/** Expression wrappers that are transparent for chain-top and typeof purposes. */
const TRANSPARENT = new Set([
  'TSAsExpression',
  'TSSatisfiesExpression',
  'TSNonNullExpression',
  'TSTypeAssertion',
  'TSInstantiationExpression',
  'TypeCastExpression',
  'ParenthesizedExpression',
]);

type AnyNode = Node & Record<string, unknown>;

/** The empty destructuring path, shared: a 20 MB bundle declares millions of plain names. */
const NO_PATH: readonly PathSegment[] = Object.freeze([]);

/** True when a non-empty specifier list names only types (`{ type A, typeof B }`). */
function onlyTypes(specifiers: readonly AnyNode[] | undefined, kindKey: 'importKind' | 'exportKind'): boolean {
  if (!specifiers || specifiers.length === 0) return false;
  return specifiers.every((s) => s[kindKey] === 'type' || s[kindKey] === 'typeof');
}

interface IifeArgs {
  args: Node[];
  scope: Scope;
}

/** A statement that declares a block-scoped name (`let`, `const`, `using`, `class`, `function`). */
function declaresLexically(statement: Node | null | undefined): boolean {
  if (!statement) return false;
  if (statement.type === 'VariableDeclaration') return statement.kind !== 'var';
  return statement.type === 'ClassDeclaration' || statement.type === 'FunctionDeclaration';
}

/** `this.x = …` inside a function (most writes of a class-heavy bundle): never a global, so not recorded. */
function writesThisInFunction(left: Node, scope: Scope): boolean {
  return left.type === 'MemberExpression' && left.object.type === 'ThisExpression' && scope.varScope.parent !== null;
}

/** Clears `loc` on every node (iteratively): findings are located from `start` offsets. */
export function dropLocations(root: Node): void {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as AnyNode;
    node.loc = null;
    const keys = VISITOR_KEYS[node.type];
    if (keys === undefined) continue;
    for (const key of keys) {
      const child = node[key] as Node | Node[] | null | undefined;
      if (Array.isArray(child)) {
        for (const c of child) if (c) stack.push(c);
      } else if (child) stack.push(child);
    }
  }
}

/**
 * Walks a program once, iteratively (no recursion: hostile nesting cannot overflow the stack here),
 * declaring every binding in a lean scope model (hoisting, blocks, params, catch, imports, shadowing)
 * and recording the sites to evaluate once all declarations are known.
 * @param moduleValue turns a specifier into the value an import binding holds.
 */
export function walkProgram(program: Node, moduleValue: (spec: string) => Value): WalkResult {
  const siteNodes: Node[] = [];
  const siteScopes: Scope[] = [];
  const siteKinds: number[] = [];
  const staticImports: StaticImport[] = [];
  const writes: WriteSite[] = [];
  const pendingAssignments: { name: string; scope: Scope; source: BindingSource }[] = [];
  const iife = new Map<Node, IifeArgs>();
  const ctx = newContexts();
  /** Function literals invoked through `.apply` (`.call` ones are in `iife`): they run where they stand. */
  const applied = new Set<Node>();
  /** Function literals that initialise a variable (`const run = () => {}`), with its binding. */
  const boundFunctions = new Map<Node, Binding>();
  const openContext = (inner: Scope, outer: Scope, inline: boolean): number => ctx.open(inner, outer, inline);
  const heritageCalls = new Set<Node>();

  const nodes: Node[] = [];
  const scopes: Scope[] = [];
  const flags: number[] = [];
  const push = (n: Node | null | undefined, s: Scope, f = 0): void => {
    if (n === null || n === undefined) return;
    nodes.push(n);
    scopes.push(s);
    flags.push(f);
  };
  const pushAll = (list: readonly (Node | null | undefined)[] | null | undefined, s: Scope): void => {
    if (!list) return;
    for (let i = list.length - 1; i >= 0; i--) push(list[i], s);
  };
  const site = (n: Node, s: Scope, kind: number): void => {
    siteNodes.push(n);
    siteScopes.push(s);
    siteKinds.push(kind);
  };

  /**
   * Declares the identifiers of a binding pattern. `source` is where the whole pattern's value comes
   * from; each identifier gets the destructuring path to its part. Default values and computed keys are
   * walked as expressions. With `assign`, identifiers are assignment targets instead of declarations.
   */
  const declarePattern = (
    pattern: Node,
    target: Scope,
    kind: string,
    source: BindingSource | null,
    exprScope: Scope,
    assign = false,
  ): void => {
    const stack: { node: Node; path: readonly PathSegment[] | null }[] = [{ node: pattern, path: NO_PATH }];
    while (stack.length > 0) {
      const { node, path } = stack.pop()!;
      switch (node.type) {
        case 'Identifier': {
          const src: BindingSource | null =
            source === null ? null : path === NO_PATH ? source : { node: source.node, scope: source.scope, path, indirect: source.indirect ?? false };
          if (assign) {
            if (src) pendingAssignments.push({ name: node.name, scope: exprScope, source: { ...src, indirect: true } });
          } else {
            const binding = target.declare(node.name, kind);
            if (src) {
              binding.addSource(src);
              if (path !== null && path.length > 0) site(node, target, SITE_PATTERN);
            }
          }
          break;
        }
        case 'ObjectPattern':
          for (const prop of node.properties) {
            if (prop.type === 'RestElement') {
              stack.push({ node: prop.argument, path });
              continue;
            }
            let key: PathSegment | null = null;
            if (!prop.computed) {
              if (prop.key.type === 'Identifier') key = prop.key.name;
              else if (prop.key.type === 'StringLiteral') key = prop.key.value;
              else if (prop.key.type === 'NumericLiteral') key = String(prop.key.value);
            } else {
              // `const { ['ex' + 'ec']: run } = cp`: the key is folded when the binding is evaluated.
              key = { key: prop.key, scope: exprScope };
              push(prop.key, exprScope);
            }
            stack.push({ node: prop.value, path: path && key !== null ? [...path, key] : null });
          }
          break;
        case 'ArrayPattern':
          for (const el of node.elements) if (el) stack.push({ node: el, path: null });
          break;
        case 'AssignmentPattern':
          stack.push({ node: node.left, path });
          push(node.right, exprScope);
          if (!assign && node.left.type === 'Identifier') {
            // `function f(cp = require('child_process'))`: the default is a value the name can hold.
            target.declare(node.left.name, kind).addSource({ node: node.right, scope: exprScope, path: NO_PATH });
          }
          break;
        case 'RestElement':
          stack.push({ node: node.argument, path: null });
          break;
        case 'TSParameterProperty':
          stack.push({ node: node.parameter, path });
          break;
        default:
          // `[obj.prop] = value`, `({ a: this.x } = y)`: member targets are ordinary expressions.
          push(node, exprScope);
      }
    }
  };

  /** `inline`: the function runs where it stands (an argument or the callee of a call). */
  const walkFunction = (fn: AnyNode, scope: Scope, inline = false): void => {
    const fnScope = new Scope(scope, true);
    const node = fn as unknown as {
      type: string;
      id?: Node | null;
      key?: Node;
      computed?: boolean;
      params: Node[];
      body: Node;
      decorators?: Node[] | null;
    };
    if (node.type === 'FunctionExpression' && node.id?.type === 'Identifier') fnScope.declare(node.id.name, 'function');
    if (node.key && node.computed) push(node.key, scope);
    pushAll(node.decorators, scope);
    const call = iife.get(fn);
    const id = openContext(fnScope, scope, inline || call !== undefined || (applied.size > 0 && applied.has(fn)));
    const bound = boundFunctions.size > 0 ? boundFunctions.get(fn) : undefined;
    if (bound) ctx.ofBinding.set(bound, id);
    node.params.forEach((param, i) => {
      const arg = call?.args[i];
      const source: BindingSource | null =
        call && arg && arg.type !== 'SpreadElement' ? { node: arg, scope: call.scope, path: NO_PATH, indirect: true } : null;
      if (call && arg?.type === 'SpreadElement') return declarePattern(param, fnScope, 'param', null, fnScope);
      declarePattern(param, fnScope, 'param', source, fnScope);
    });
    if (node.body.type === 'BlockStatement') push(node.body, fnScope, F_BODY);
    else push(node.body, fnScope);
  };

  const walkClass = (cls: AnyNode, scope: Scope): void => {
    const node = cls as unknown as { type: string; id?: Node | null; superClass?: Node | null; body: { body: Node[] }; decorators?: Node[] | null };
    const classScope = new Scope(scope, false);
    const self: BindingSource = { node: cls, scope, path: NO_PATH };
    if (node.type === 'ClassExpression' && node.id?.type === 'Identifier') classScope.declare(node.id.name, 'class').addSource(self);
    if (node.superClass) {
      // `super(…)` in the body constructs what the class extends (see Evaluator.classValue).
      classScope.declare(SUPER_BINDING, 'super').addSource(self);
      const base = unwrapExpression(node.superClass);
      if (base.type === 'CallExpression' || base.type === 'NewExpression') heritageCalls.add(base);
    }
    push(node.superClass, scope);
    pushAll(node.decorators, scope);
    for (const member of node.body.body) push(member, classScope);
  };

  push(program, new Scope(null, true));
  while (nodes.length > 0) {
    const node = nodes.pop() as AnyNode;
    const scope = scopes.pop()!;
    const flag = flags.pop()!;
    const type = node.type;
    // Three objects per node (SourceLocation, two Positions) are about half of Babel's AST; findings
    // are located from `start` offsets instead, so they are dropped as the walk passes and the memory
    // is reused for the scope model (a 20 MB bundle would otherwise peak ~600 MB higher).
    node.loc = null;
    if (SKIP_TYPES.has(type)) continue;
    switch (type) {
      case 'Identifier':
        if ((flag & (F_INNER | F_TYPEOF)) === 0) site(node, scope, refKind(flag));
        continue;
      case 'MemberExpression':
      case 'OptionalMemberExpression': {
        const m = node as unknown as { object: Node; property: Node; computed: boolean };
        if ((flag & (F_INNER | F_TYPEOF)) === 0) site(node, scope, refKind(flag));
        if (m.computed) push(m.property, scope);
        push(m.object, scope, F_INNER);
        continue;
      }
      case 'CallExpression':
      case 'OptionalCallExpression':
      case 'NewExpression': {
        const c = node as unknown as { callee: AnyNode; arguments: Node[] };
        site(node, scope, SITE_CALL);
        const callee = c.callee;
        if (callee.type === 'FunctionExpression' || callee.type === 'ArrowFunctionExpression') {
          iife.set(callee, { args: c.arguments, scope });
        } else if (
          callee.type === 'MemberExpression' &&
          !callee.computed &&
          (callee.property as Node).type === 'Identifier' &&
          (callee.property as { name: string }).name === 'call' &&
          ((callee.object as Node).type === 'FunctionExpression' || (callee.object as Node).type === 'ArrowFunctionExpression')
        ) {
          iife.set(callee.object as Node, { args: c.arguments.slice(1), scope });
        }
        if (type !== 'NewExpression') noteCall(callee, scope);
        for (let i = c.arguments.length - 1; i >= 0; i--) push(c.arguments[i], scope, F_ARG);
        if (callee.type !== 'Import') push(callee, scope, F_CALLEE);
        continue;
      }
      case 'ImportExpression':
        site(node, scope, SITE_CALL);
        push(node.source as Node, scope);
        push(node.options as Node | null, scope);
        continue;
      case 'UnaryExpression':
        if (node.operator === 'delete') writes.push({ node, scope });
        push(node.argument as Node, scope, node.operator === 'typeof' ? F_TYPEOF : 0);
        continue;
      case 'AssignmentExpression': {
        const left = node.left as Node;
        const right = node.right as Node;
        if (left.type !== 'ObjectPattern' && left.type !== 'ArrayPattern' && !writesThisInFunction(left, scope)) writes.push({ node, scope });
        if (node.operator === '=') {
          if (left.type === 'Identifier') {
            pendingAssignments.push({ name: left.name, scope, source: { node: right, scope, path: NO_PATH, indirect: true } });
          } else if (left.type === 'ObjectPattern' || left.type === 'ArrayPattern') {
            declarePattern(left, scope, 'assign', { node: right, scope, path: NO_PATH }, scope, true);
          } else {
            push(left, scope);
          }
        } else if (left.type !== 'Identifier') {
          push(left, scope);
        }
        push(right, scope);
        continue;
      }
      case 'ObjectProperty':
        push(node.value as Node | null, scope);
        if (node.computed) push(node.key as Node, scope);
        continue;
      case 'ClassProperty':
      case 'ClassPrivateProperty':
      case 'ClassAccessorProperty': {
        // A static field is initialised when the class is defined; an instance field each time the class
        // is constructed, so its initializer stands in a context of its own, like a method body.
        let valueScope = scope;
        if (!node.static && node.value) {
          valueScope = new Scope(scope, true);
          openContext(valueScope, scope, false);
        }
        push(node.value as Node | null, valueScope);
        if (node.computed) push(node.key as Node, scope);
        pushAll(node.decorators as Node[] | null, scope);
        continue;
      }
      case 'Program':
        pushAll(node.body as Node[], scope);
        continue;
      case 'BlockStatement': {
        // Block-scoped declarations are always direct statements of their block: a block without one
        // needs no scope of its own (most blocks of a bundle), which saves memory and lookup steps.
        const body = node.body as Node[];
        pushAll(body, flag & F_BODY || !body.some(declaresLexically) ? scope : new Scope(scope, false));
        continue;
      }
      case 'StaticBlock': {
        // Runs when the class is defined: inline in the code around the class.
        const block = new Scope(scope, true);
        openContext(block, scope, true);
        pushAll(node.body as Node[], block);
        continue;
      }
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement':
      case 'SwitchStatement': {
        const head = (type === 'ForStatement' ? node.init : type === 'SwitchStatement' ? null : node.left) as Node | null;
        const needsScope =
          type === 'SwitchStatement'
            ? (node.cases as { consequent: Node[] }[]).some((c) => c.consequent.some(declaresLexically))
            : declaresLexically(head);
        const inner = needsScope ? new Scope(scope, false) : scope;
        if (type === 'SwitchStatement') {
          pushAll(node.cases as Node[], inner);
          push(node.discriminant as Node, scope);
        } else {
          for (const key of VISITOR_KEYS[type] ?? []) push(node[key] as Node | null, inner);
        }
        continue;
      }
      case 'CatchClause': {
        const catchScope = new Scope(scope, false);
        if (node.param) declarePattern(node.param as Node, catchScope, 'catch', null, catchScope);
        push(node.body as Node, catchScope, F_BODY);
        continue;
      }
      case 'FunctionDeclaration': {
        const id = node.id as Node | null;
        walkFunction(node, scope);
        if (id?.type === 'Identifier') {
          const opened = ctx.parent.length - 1;
          // The function is the name's value (decoders and interop helpers are called through it).
          const self: BindingSource = { node, scope, path: NO_PATH };
          const binding = scope.declare(id.name, 'function');
          binding.addSource(self);
          ctx.ofBinding.set(binding, opened);
          // Annex B: a function declared in a block is also visible in the enclosing function.
          if (scope.varScope !== scope) {
            const outer = scope.varScope.declare(id.name, 'function');
            outer.addSource(self);
            ctx.ofBinding.set(outer, opened);
          }
        }
        continue;
      }
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        // A function handed to a call (`fs.readFile(p, cb)`) or called where it stands (an IIFE) runs then.
        walkFunction(node, scope, (flag & (F_ARG | F_CALLEE)) !== 0);
        continue;
      case 'ObjectMethod':
      case 'ClassMethod':
      case 'ClassPrivateMethod':
        walkFunction(node, scope);
        continue;
      case 'ClassDeclaration':
        if ((node.id as Node | null)?.type === 'Identifier') {
          scope.declare((node.id as { name: string }).name, 'class').addSource({ node, scope, path: NO_PATH });
        }
        if (node.declare) continue;
        walkClass(node, scope);
        continue;
      case 'ClassExpression':
        walkClass(node, scope);
        continue;
      case 'VariableDeclaration': {
        if (node.declare) continue;
        const target = node.kind === 'var' ? scope.varScope : scope;
        for (const decl of node.declarations as { id: Node; init: Node | null }[]) {
          declarePattern(decl.id, target, node.kind as string, decl.init ? { node: decl.init, scope, path: NO_PATH } : null, scope);
          if (decl.id.type === 'Identifier' && decl.init) {
            const init = unwrap(decl.init);
            if (isFunctionLiteral(init)) boundFunctions.set(init, target.declare(decl.id.name, node.kind as string));
          }
          push(decl.init, scope);
        }
        continue;
      }
      case 'ImportDeclaration': {
        if (node.importKind === 'type' || node.importKind === 'typeof') continue;
        // `import { type A, type B } from 'x'` is erased by TypeScript like `import type`.
        if (onlyTypes(node.specifiers as AnyNode[], 'importKind')) continue;
        const spec = (node.source as { value: string }).value;
        staticImports.push({ node, spec });
        const root = scope.root();
        for (const s of node.specifiers as AnyNode[]) {
          if (s.importKind === 'type' || s.importKind === 'typeof') continue;
          const local = (s.local as { name: string }).name;
          let value = moduleValue(spec);
          if (s.type === 'ImportSpecifier') {
            const imported = s.imported as { type: string; name?: string; value?: string };
            const name = imported.type === 'Identifier' ? imported.name! : imported.value!;
            if (name !== 'default' && value.k === 'mod') value = { ...value, path: [...value.path, name] };
          }
          root.declare(local, 'import').addSource({ node: null, scope: root, path: NO_PATH, value });
        }
        continue;
      }
      case 'ExportNamedDeclaration':
      case 'ExportAllDeclaration':
        if (node.exportKind === 'type' || onlyTypes(node.specifiers as AnyNode[] | undefined, 'exportKind')) continue;
        if (node.source) staticImports.push({ node, spec: (node.source as { value: string }).value });
        push(node.declaration as Node | null, scope);
        continue;
      case 'TSImportEqualsDeclaration': {
        if (node.importKind === 'type') continue;
        const ref = node.moduleReference as AnyNode;
        const id = node.id as { name: string };
        if (ref.type === 'TSExternalModuleReference') {
          const spec = (ref.expression as { value: string }).value;
          staticImports.push({ node, spec });
          scope.declare(id.name, 'import').addSource({ node: null, scope, path: NO_PATH, value: moduleValue(spec) });
        } else {
          scope.declare(id.name, 'import');
        }
        continue;
      }
      case 'TSEnumDeclaration':
        scope.declare((node.id as { name: string }).name, 'enum');
        continue;
      case 'TSModuleDeclaration': {
        if (node.declare) continue;
        const id = node.id as Node;
        if (id.type === 'Identifier') scope.declare(id.name, 'namespace');
        const body = node.body as AnyNode | null;
        if (body?.type === 'TSModuleBlock') {
          // A namespace body runs where the namespace is declared.
          const block = new Scope(scope, true);
          openContext(block, scope, true);
          pushAll(body.body as Node[], block);
        } else push(body, scope);
        continue;
      }
      case 'LabeledStatement':
        push(node.body as Node, scope);
        continue;
      case 'ExportSpecifier':
      case 'ImportSpecifier':
        continue;
      default:
        if (TRANSPARENT.has(type)) {
          push(node.expression as Node, scope, flag & (F_INNER | F_TYPEOF | F_ARG | F_CALLEE));
          continue;
        }
    }
    const keys = VISITOR_KEYS[type];
    if (keys === undefined) continue;
    for (let k = keys.length - 1; k >= 0; k--) {
      const key = keys[k]!;
      if (TYPE_KEYS.has(key)) continue;
      const child = node[key] as Node | Node[] | null | undefined;
      if (Array.isArray(child)) pushAll(child, scope);
      else push(child, scope);
    }
  }

  for (const a of pendingAssignments) {
    const binding = a.scope.lookup(a.name) ?? a.scope.root().declare(a.name, 'implicit');
    binding.addSource(a.source);
  }
  const siteLoad = loadTimeSites(ctx, siteScopes);
  return { siteNodes, siteScopes, siteKinds, staticImports, siteLoad, writes, heritageCalls };

  /**
   * Records a call of a plain name (`main()`, `main.call(this)`, `main.apply(this, a)`), resolved once all
   * declarations are known, and marks a function literal invoked through `.apply` as running here.
   */
  function noteCall(callee: AnyNode, scope: Scope): void {
    let target: AnyNode = callee;
    if (
      (target.type === 'MemberExpression' || target.type === 'OptionalMemberExpression') &&
      !target.computed &&
      (target.property as Node).type === 'Identifier' &&
      INVOKERS.has((target.property as { name: string }).name)
    ) {
      target = unwrap(target.object as Node) as AnyNode;
      if (isFunctionLiteral(target)) applied.add(target);
    }
    if (target.type === 'Identifier') {
      ctx.callNames.push(target.name as string);
      ctx.callScopes.push(scope);
    }
  }
}

/** Function.prototype methods that invoke the function at once (`bind` does not). */
const INVOKERS = new Set(['call', 'apply']);
