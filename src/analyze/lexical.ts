import type { Finding } from '../contract/index.js';
import type { CatalogIndex } from './catalog-index.js';
import { excerptAt, LineIndex } from './excerpt.js';
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

/** Sizes of {@link LexicalScanner}'s windows, in characters (tests shrink them). */
export interface ScanWindow {
  /** Characters scanned at once (besides the overlap). */
  window: number;
  /** Characters of a window scanned again at the start of the next. */
  overlap: number;
}

const DEFAULT_WINDOW: ScanWindow = { window: 1 << 20, overlap: 64 * 1024 };

/**
 * {@link lexicalScan} for a text that arrives in pieces (a code file too large to hold), in memory of
 * about two windows whatever the file's size. Windows of ~1 Mi characters each start with the last
 * 64 Ki characters of the one before. A match belongs to the window where it starts before the last
 * quarter of the overlap: there it has the text after it (a lookahead, its excerpt), and the next
 * window, which starts three quarters of the overlap earlier, has the text before it (a lookbehind,
 * the excerpt's start). It finds what lexicalScan finds on the whole text, except a match longer
 * than 16 Ki characters (that much whitespace inside one `require (…)`) cut by a window boundary.
 */
export class LexicalScanner {
  private readonly findings: Finding[] = [];
  private readonly seen = new Set<string>();
  private readonly hits: number[];
  private readonly patterns: LexicalPattern[];
  private readonly size: ScanWindow;
  private readonly margin: number;
  private pending: string[] = [];
  private pendingLength = 0;
  /** The end of the last window, scanned again at the start of the next. */
  private carry = '';
  /** Offset in the whole text of `carry[0]`, its 1-based line, and the offset where that line starts. */
  private carryOffset = 0;
  private carryLine = 1;
  private carryLineStart = 0;
  /** Matches starting before this offset (in the whole text) were taken by an earlier window. */
  private accepted = 0;

  constructor(
    private readonly file: string,
    index: CatalogIndex,
    size: ScanWindow = DEFAULT_WINDOW,
  ) {
    this.patterns = patterns(index);
    this.hits = this.patterns.map(() => 0);
    this.size = size;
    this.margin = Math.floor(size.overlap / 4);
  }

  /** Adds the next piece of text. */
  write(text: string): void {
    if (text === '') return;
    this.pending.push(text);
    this.pendingLength += text.length;
    if (this.pendingLength >= this.size.window) this.flush(false);
  }

  /** Scans what is left; the findings of the whole text, in the order found. */
  end(): Finding[] {
    this.flush(true);
    return this.findings;
  }

  private flush(last: boolean): void {
    const text = this.carry + this.pending.join('');
    this.pending = [];
    this.pendingLength = 0;
    const from = this.accepted - this.carryOffset;
    const to = last ? Infinity : text.length - this.margin;
    let lines: LineIndex | undefined;
    this.patterns.forEach((p, i) => {
      p.regex.lastIndex = 0;
      for (let m = p.regex.exec(text); m !== null && this.hits[i]! < MAX_HITS; m = p.regex.exec(text)) {
        if (m.index < from) continue;
        if (m.index >= to) break;
        lines ??= new LineIndex(text);
        const at = lines.position(m.index);
        const line = this.carryLine + at.line - 1;
        const column = at.line === 1 ? this.carryOffset + m.index - this.carryLineStart + 1 : at.column;
        const api = p.api ?? m[0];
        const key = `${p.capability}\0${api}\0${line}\0${column}`;
        if (this.seen.has(key)) continue;
        this.seen.add(key);
        this.hits[i]!++;
        this.findings.push({ capability: p.capability, api, file: this.file, line, column, excerpt: excerptAt(text, m.index, column - 1), confidence: 'low' });
      }
    });
    if (last) return;
    this.accepted = this.carryOffset + to;
    const dropped = Math.max(0, text.length - this.size.overlap);
    let newlines = 0;
    let lastNewline = -1;
    for (let i = text.indexOf('\n'); i !== -1 && i < dropped; i = text.indexOf('\n', i + 1)) {
      newlines++;
      lastNewline = i;
    }
    if (lastNewline !== -1) this.carryLineStart = this.carryOffset + lastNewline + 1;
    this.carryLine += newlines;
    this.carryOffset += dropped;
    this.carry = text.slice(dropped);
  }
}
