import type { Binding, Scope } from './scope.js';

/**
 * Load time vs call time within one file. "Load time" is code that runs while the module is evaluated
 * (when it is imported, or run as a script); "call time" is code that runs only once someone calls a
 * function. The rule, precisely:
 * - the module top level is load time: statements, blocks, loops, conditionals, `try`, class heritage,
 *   computed keys, decorators, static fields and static blocks (a class runs those when defined), the
 *   bodies of TypeScript namespaces;
 * - every function (declaration, expression, arrow, method, getter/setter, constructor) and every
 *   instance field initializer opens a context of its own, and its body is call time — unless it is
 *   *inline*: an IIFE (`(function(){})()`, `!function(){}()`, `(() => {})()`, `new function(){}`,
 *   `(function(){}).call(this)` / `.apply(…)`), or a function literal handed as an argument to a call
 *   (`fs.readFile(p, cb)`, `new Promise(executor)`, `arr.forEach(fn)`, `define([…], factory)`,
 *   `server.on('x', handler)`): it runs when, or because, that call runs, so it takes the context of the
 *   call. (A callback may run later than the call — an event handler — but it is the load of the module
 *   that set it running; we do not claim it never runs.)
 * - a function called by a plain name from a load-time context (`function main(){…} main()`,
 *   `const run = async () => {…}; run()`, `main.call(this)`) is load time too, transitively;
 * - nothing else is followed: a function stored in an object, exported, assigned to a property, or
 *   called through a member (`obj.run()`, `require('./x').init()`) stays call time. Default parameter
 *   values stand in the function's own context: they are evaluated at each call.
 */

/** The function contexts of a file, kept in flat arrays: a bundle has hundreds of thousands of functions. */
export interface Contexts {
  /** Enclosing context of each context (-1 for the top level, context 0). */
  parent: number[];
  /** 1 when the context runs where it stands (IIFE, callback argument, static block, namespace body). */
  inline: number[];
  /** Calls of a plain name, resolved once every declaration is known. */
  callNames: string[];
  callScopes: Scope[];
  /** The context a function bound to a name opens: `function main() {}`, `const run = () => {}`. */
  ofBinding: Map<Binding, number>;
  /** Opens a context for a function-like scope nested in `outer`; records its number in `inner.context`. */
  open(inner: Scope, outer: Scope, inline: boolean): number;
}

/** An empty set of contexts: only the module top level. */
export function newContexts(): Contexts {
  const ctx: Contexts = {
    parent: [-1],
    inline: [1],
    callNames: [],
    callScopes: [],
    ofBinding: new Map(),
    open(inner, outer, inline) {
      const id = ctx.parent.length;
      ctx.parent.push(outer.varScope.context);
      ctx.inline.push(inline ? 1 : 0);
      inner.context = id;
      return id;
    },
  };
  return ctx;
}

/**
 * Which sites run while the module is evaluated ("load time"): the top level, and every function known
 * to run from there — an inline function (IIFE, callback handed to a call, static block, namespace body)
 * inside load-time code, or a function a load-time context calls by name (`function main() {…} main()`,
 * `const run = async () => {…}; run()`), transitively. A function that is only declared, exported,
 * assigned or stored in an object runs when someone calls it: call time. Calls through members
 * (`obj.run()`, `require('./x').init()`) are not followed, so such bodies stay call time.
 */
export function loadTimeSites(ctx: Contexts, siteScopes: readonly Scope[]): Uint8Array {
  const n = ctx.parent.length;
  // Edges as linked lists in flat arrays: an inline context hangs off its parent, a named call off its caller.
  const head = new Int32Array(n).fill(-1);
  const to: number[] = [];
  const next: number[] = [];
  const edge = (from: number, target: number): void => {
    to.push(target);
    next.push(head[from]!);
    head[from] = to.length - 1;
  };
  for (let c = 1; c < n; c++) if (ctx.inline[c]) edge(ctx.parent[c]!, c);
  for (let i = 0; i < ctx.callNames.length; i++) {
    const scope = ctx.callScopes[i]!;
    const binding = scope.lookup(ctx.callNames[i]!);
    const target = binding === undefined ? undefined : ctx.ofBinding.get(binding);
    if (target !== undefined) edge(scope.varScope.context, target);
  }
  const load = new Uint8Array(n);
  load[0] = 1;
  const stack = [0];
  while (stack.length > 0) {
    for (let e = head[stack.pop()!]!; e !== -1; e = next[e]!) {
      const c = to[e]!;
      if (load[c]) continue;
      load[c] = 1;
      stack.push(c);
    }
  }
  const out = new Uint8Array(siteScopes.length);
  for (let i = 0; i < siteScopes.length; i++) out[i] = load[siteScopes[i]!.varScope.context]!;
  return out;
}
