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
   * File names in literal call arguments (`fork('./child.js')`, `spawn('node', ['payload.js'])`,
   * `exec('sh ./x.sh')`, `new Worker('./w.js')`): package files it may run in a child process or
   * load by path. Absent when there are none.
   */
  fileNames?: string[];
  /** Read by the lexical fallback (the file did not parse): specifiers found by pattern, all findings load time. */
  lexical?: true;
}

/** Gathers a file's module facts while the matcher runs. */
export class ModuleFactsCollector {
  private readonly specs = new Map<string, boolean>();
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

  /** The facts, given which findings stand in call-time code and the file names the walk saw. */
  facts(callTime: number[], fileNames: readonly string[] = []): ModuleFacts {
    const specifiers = [...this.specs].map(([spec, load]) => ({ spec, load })).sort((a, b) => (a.spec < b.spec ? -1 : a.spec > b.spec ? 1 : 0));
    return { specifiers, dynamic: this.dynamicLoads, callTime, ...(fileNames.length > 0 ? { fileNames: [...fileNames] } : {}) };
  }
}

/**
 * The constant start of a specifier expression, when it has one: a template's first text, or the
 * folded leading terms of a `+` chain (`'./locale/' + name`, `` `./plugins/${x}.js` ``).
 */
export function staticPrefix(arg: Node | undefined, scope: Scope, evaluator: Evaluator): string | undefined {
  if (!arg) return undefined;
  if (arg.type === 'TemplateLiteral') return arg.quasis[0]?.value.cooked || undefined;
  if (arg.type !== 'BinaryExpression' || arg.operator !== '+') return undefined;
  const terms: Node[] = [];
  let left: Node = arg;
  while (left.type === 'BinaryExpression' && left.operator === '+') {
    terms.push(left.right as Node);
    left = left.left as Node;
  }
  terms.push(left);
  let prefix = '';
  for (let i = terms.length - 1; i >= 0; i--) {
    const v = evaluator.evaluate(terms[i]!, scope);
    if (v.k !== 'str') break;
    prefix += v.v;
  }
  return prefix || undefined;
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
