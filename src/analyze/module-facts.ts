import type { Node } from '@babel/types';
import type { UnresolvedKind } from '../../capabilities/define.js';
import type { CatalogIndex } from './catalog-index.js';
import type { Evaluator } from './evaluate.js';
import { LineIndex } from './excerpt.js';
import type { Scope } from './scope.js';

/** A module specifier a file loads by a name the engine resolved statically. */
export interface ModuleSpecifier {
  /** As written (after constant folding): `./net`, `../lib`, `#internal`, `pkg/sub`. */
  spec: string;
  /** Some site loading it runs while the file itself is evaluated (top level, or code run from there). */
  load: boolean;
}

/** How a module is loaded by name: a require call or an import. */
export type LoadKind = Exclude<UnresolvedKind, 'global-member'>;

/** A require/import whose target the engine could not resolve. */
export interface DynamicLoad {
  kind: LoadKind;
  line: number;
  column: number;
  /** The constant start of the specifier (`'./locale/' + name` → `./locale/`): only files under it can load. */
  prefix?: string;
  load: boolean;
}

/**
 * What a file tells the module graph, learnt in the same pass as its findings (no second parse). Holds
 * no path of its own, so a cached result serves the same bytes anywhere.
 */
export interface ModuleFacts {
  /** Static specifiers that are not builtins, each once, sorted. */
  specifiers: ModuleSpecifier[];
  dynamic: DynamicLoad[];
  /** Indices into the file's findings of those standing in code that runs only when a function is called. */
  callTime: number[];
  /**
   * File names in the arguments of calls that run a file (the runtime model's `fileRunners`:
   * `fork('./child.js')`, `spawn('node', ['payload.js'])`, `exec('sh ./x.sh')`, `new Worker('./w.js')`):
   * package files it runs in a child process or a worker. Absent when there are none.
   */
  fileNames?: string[];
  /** Read by the lexical fallback (the file did not parse): specifiers found by pattern, all findings load time. */
  lexical?: true;
}

/** Longest string looked at for file names. */
const MAX_NAME_SOURCE = 300;
/** File names recorded per file, at most. */
const MAX_FILE_NAMES = 200;
/** A word that names a file: relative, or with an extension of something that runs. */
const FILE_WORD = /^\.{1,2}\/|\.(?:[cm]?[jt]s|sh|node|py|bat|cmd|ps1|exe)$/i;

/** Gathers a file's module facts while the matcher runs. */
export class ModuleFactsCollector {
  private readonly specs = new Map<string, boolean>();
  private readonly fileNames = new Set<string>();
  private readonly dynamicLoads: DynamicLoad[] = [];
  private lines: LineIndex | undefined;

  constructor(private readonly source: string) {}

  /** A statically resolved specifier. */
  specifier(spec: string, load: boolean): void {
    this.specs.set(spec, (this.specs.get(spec) ?? false) || load);
  }

  /** An unresolved require/import at `offset`. */
  dynamic(kind: LoadKind, offset: number, prefix: string | undefined, load: boolean): void {
    const { line, column } = (this.lines ??= new LineIndex(this.source)).position(offset);
    this.dynamicLoads.push({ kind, line, column, ...(prefix ? { prefix } : {}), load });
  }

  /**
   * The file names in the arguments of a call that runs a file (a child process, a worker): constant
   * strings and string arrays as the evaluator folds them, and the literal segments of calls inside
   * the arguments joined (`path.join(__dirname, 'lib', 'payload.js')` → `lib/payload.js`).
   */
  fileArguments(args: readonly Node[], scope: Scope, evaluator: Evaluator): void {
    for (const arg of args.slice(0, 8)) {
      if (arg.type === 'SpreadElement') continue;
      const v = evaluator.evaluate(arg, scope);
      if (v.k === 'str') this.fileWords(v.v);
      else if (v.k === 'arr') for (const item of v.items.slice(0, 64)) if (item.k === 'str') this.fileWords(item.v);
      const built = staticPath(arg, scope, evaluator);
      if (built?.complete) this.fileWords(built.spec);
      // Bounded look into nested calls and arrays for literal path segments the evaluator cannot fold.
      const stack: { node: Node; depth: number }[] = [{ node: arg, depth: 0 }];
      while (stack.length > 0) {
        const { node, depth } = stack.pop()!;
        if (depth > 3) continue;
        if (node.type === 'ArrayExpression') {
          for (const el of node.elements.slice(0, 64)) if (el && el.type !== 'SpreadElement') stack.push({ node: el, depth: depth + 1 });
        } else if (node.type === 'CallExpression') {
          const built = staticPath(node, scope, evaluator);
          if (built?.complete) this.fileWords(built.spec);
          const literals = node.arguments.filter((a): a is Node & { type: 'StringLiteral'; value: string } => a.type === 'StringLiteral').map((a) => a.value);
          if (literals.length > 0) this.fileWords(literals.join('/'));
          for (const a of node.arguments.slice(0, 8)) if (a.type !== 'SpreadElement') stack.push({ node: a, depth: depth + 1 });
        }
      }
    }
  }

  private fileWords(value: string): void {
    if (value.length > MAX_NAME_SOURCE || value.includes('://')) return;
    for (const raw of value.split(/\s+/)) {
      const word = raw.replace(/^["']|["']$/g, '');
      if (word.length > 1 && FILE_WORD.test(word) && this.fileNames.size < MAX_FILE_NAMES) this.fileNames.add(word);
    }
  }

  /** The facts, given which findings stand in call-time code. */
  facts(callTime: number[]): ModuleFacts {
    const specifiers = [...this.specs].map(([spec, load]) => ({ spec, load })).sort((a, b) => (a.spec < b.spec ? -1 : a.spec > b.spec ? 1 : 0));
    return { specifiers, dynamic: this.dynamicLoads, callTime, ...(this.fileNames.size > 0 ? { fileNames: [...this.fileNames].sort() } : {}) };
  }
}

/** A path an expression builds: relative to the module (`./x`) when built on its directory; `complete` when nothing in it is unknown. */
export interface StaticPath {
  spec: string;
  complete: boolean;
}

/** Folds the terms of a path left to right; stops at the first that does not fold. */
function foldTerms(terms: readonly Node[], scope: Scope, evaluator: Evaluator, join: string): StaticPath | undefined {
  let spec = '';
  for (let i = 0; i < terms.length; i++) {
    const v = evaluator.evaluate(terms[i]!, scope);
    if (i === 0 && v.k === 'glob' && evaluator.index.moduleDirectories.has(v.path.join('.'))) {
      spec = '.';
      continue;
    }
    if (v.k !== 'str' && v.k !== 'num') return spec === '' ? undefined : { spec, complete: false };
    const text = String(v.v);
    spec = spec === '' ? text : join === '/' ? `${spec}/${text}` : spec + text;
  }
  return spec === '' ? undefined : { spec, complete: true };
}

/**
 * The path a specifier expression builds, as far as it is constant: `'./locale/' + name` → `./locale/`
 * (incomplete), `` `./plugins/${x}.js` `` → `./plugins/`, `__dirname + '/x'` and
 * `path.join(__dirname, 'lib', 'x.js')` → `./lib/x.js` (complete: a file loaded by a path the engine
 * resolves, so an edge, not an unknown load).
 */
export function staticPath(arg: Node | undefined, scope: Scope, evaluator: Evaluator): StaticPath | undefined {
  if (!arg) return undefined;
  if (arg.type === 'TemplateLiteral') {
    const terms: Node[] = [];
    const cooked = (i: number) => arg.quasis[i]?.value.cooked ?? '';
    // Template text and expressions in order, as string literals and expressions to fold.
    for (let i = 0; i < arg.quasis.length; i++) {
      if (cooked(i) !== '') terms.push({ type: 'StringLiteral', value: cooked(i) } as Node);
      const expr = arg.expressions[i];
      if (expr) terms.push(expr as Node);
    }
    return foldTerms(terms, scope, evaluator, '');
  }
  if (arg.type === 'BinaryExpression' && arg.operator === '+') {
    const terms: Node[] = [];
    let left: Node = arg;
    while (left.type === 'BinaryExpression' && left.operator === '+') {
      terms.push(left.right as Node);
      left = left.left as Node;
    }
    terms.push(left);
    return foldTerms(terms.reverse(), scope, evaluator, '');
  }
  if (arg.type === 'CallExpression') {
    const callee = evaluator.evaluate(arg.callee as Node, scope);
    if (callee.k !== 'mod' || callee.path.length !== 1 || !evaluator.index.pathJoiners.get(callee.name)?.has(callee.path[0]!)) return undefined;
    const args = arg.arguments.filter((a) => a.type !== 'SpreadElement') as Node[];
    const folded = foldTerms(args, scope, evaluator, '/');
    if (!folded) return undefined;
    return { spec: folded.spec.startsWith('.') || folded.spec.startsWith('/') ? folded.spec : `./${folded.spec}`, complete: folded.complete };
  }
  return undefined;
}

const lexicalPatterns = new WeakMap<CatalogIndex, { fixed: RegExp[]; dynamic: { kind: LoadKind; re: RegExp }[] }>();

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Module facts of a file that did not parse, by pattern: quoted specifiers after the runtime model's
 * loaders, `import(`, `from` and a bare `import`; loaders called with anything else are dynamic. Every
 * site counts as load time: nothing tells a function body apart here.
 */
export function lexicalModuleFacts(source: string, index: CatalogIndex, isBuiltin: (spec: string) => boolean): ModuleFacts {
  let patterns = lexicalPatterns.get(index);
  if (!patterns) {
    const loaders = [...index.requirePaths].map((p) => p.split('.').map(escape).join('\\s*\\.\\s*')).join('|');
    patterns = {
      fixed: [
        new RegExp(`(?<![\\w$.])(?:${loaders})\\s*\\(\\s*(['"\`])([^'"\`\\n]{1,500})\\1\\s*\\)`, 'g'),
        /(?<![\w$.])import\s*\(\s*(['"`])([^'"`\n]{1,500})\1/g,
        /(?<![\w$.])(?:from|import)\s*(['"])([^'"\n]{1,500})\1/g,
      ],
      dynamic: [
        { kind: 'require', re: new RegExp(`(?<![\\w$.])(?:${loaders})\\s*\\(\\s*(?=[^\\s'"\`)])`, 'g') },
        { kind: 'import', re: /(?<![\w$.])import\s*\(\s*(?=[^\s'"`)])/g },
      ],
    };
    lexicalPatterns.set(index, patterns);
  }
  const facts = new ModuleFactsCollector(source);
  for (const re of patterns.fixed) {
    re.lastIndex = 0;
    for (let m = re.exec(source); m !== null; m = re.exec(source)) {
      const spec = m[2]!;
      if (!isBuiltin(spec)) facts.specifier(spec, true);
    }
  }
  for (const { kind, re } of patterns.dynamic) {
    re.lastIndex = 0;
    let hits = 0;
    for (let m = re.exec(source); m !== null && hits < 50; m = re.exec(source), hits++) facts.dynamic(kind, m.index, undefined, true);
  }
  return { ...facts.facts([]), lexical: true };
}
