import type { CatalogIndex } from './catalog-index.js';
import { LineIndex } from './excerpt.js';
import type { FindingCollector } from './match.js';

/** At most this many lexical hits per pattern and file: enough evidence, bounded output. */
const MAX_HITS = 50;

interface LexicalPattern {
  capability: string;
  api: string | null;
  regex: RegExp;
}

const cache = new WeakMap<CatalogIndex, LexicalPattern[]>();

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A dotted path as a pattern that allows whitespace around the dots. */
function dotted(path: string): string {
  return path.split('.').map(escape).join('\\s*\\.\\s*');
}

/** Linear-time patterns derived from the catalog (no nested quantifiers: safe on 50 MB lines). */
function patterns(index: CatalogIndex): LexicalPattern[] {
  const cached = cache.get(index);
  if (cached) return cached;
  const list: LexicalPattern[] = [];
  const prefix = escape(index.builtinPrefix);
  // The loaders (`require`, `module.require`, …) come from the runtime model, like everything else.
  const loaders = [...index.requirePaths].map(dotted).join('|');
  for (const [name, entries] of index.modules) {
    for (const e of entries) {
      if (e.members !== null) continue;
      const spec = `(?:${prefix})?${escape(name)}(?:/[\\w./-]{0,100})?`;
      list.push({
        capability: e.capability,
        api: name,
        regex: new RegExp(`(?:\\b(?:${loaders})\\s*\\(\\s*|\\bimport\\s*\\(\\s*|\\bfrom\\s*)(['"\`])${spec}\\1`, 'g'),
      });
    }
  }
  for (const [path, entries] of index.globals) {
    for (const e of entries) {
      const call = e.when === 'call' || !path.includes('.') ? '\\s*\\(' : '';
      list.push({ capability: e.capability, api: path, regex: new RegExp(`(?<![\\w$.])${dotted(path)}${call}`, 'g') });
    }
  }
  // `process.binding('spawn_sync')`, for the bindings the catalog classifies as a whole.
  for (const [name, entries] of index.bindings) {
    for (const e of entries) {
      if (e.members !== null) continue;
      for (const loader of index.bindingLoaders) {
        list.push({
          capability: e.capability,
          api: `${loader}('${name}')`,
          regex: new RegExp(`(?<![\\w$.])${dotted(loader)}\\s*\\(\\s*(['"\`])${escape(name)}\\1`, 'g'),
        });
      }
    }
  }
  const dynamic = index.unresolved.get('require');
  if (dynamic) {
    // Each site is matched by its whole path only (`module.require(x)` is not also a bare one).
    for (const path of index.requirePaths) {
      list.push({ capability: dynamic, api: `${path}(…)`, regex: new RegExp(`(?<![\\w$.])${dotted(path)}\\s*\\(\\s*(?=[^\\s'"\`)])`, 'g') });
    }
  }
  cache.set(index, list);
  return list;
}

/**
 * The fallback for a file the parser could not handle: a lexical scan for catalog modules and globals,
 * reported with `low` confidence. It finds less than the engine, but never reports a file as clean
 * just because it would not parse.
 */
export function lexicalScan(source: string, index: CatalogIndex, out: FindingCollector): void {
  let lines: LineIndex | undefined;
  for (const p of patterns(index)) {
    p.regex.lastIndex = 0;
    let hits = 0;
    for (let m = p.regex.exec(source); m !== null && hits < MAX_HITS; m = p.regex.exec(source)) {
      lines ??= new LineIndex(source);
      const { line, column } = lines.position(m.index);
      out.addAt(p.capability, p.api ?? m[0], line, column, m.index, 'low');
      hits++;
    }
  }
}
