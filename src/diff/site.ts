/**
 * What identifies a finding's site across builds of a package. A finding carries one line of code
 * (its excerpt); between two releases that line changes in ways that do not make the code new: a
 * minifier renames its local variables (`D=i||fetch` → `U=i||fetch`), a bundler suffixes a binding
 * (`fs$1`, `fs_1`, `import_fs5`), a version or byte size inside it changes, `'node:fs'` becomes
 * `'fs'`, quotes or semicolons change style. The canonical form of a site is the excerpt's tokens
 * with those differences taken out; see {@link canonicalSite}.
 */

/** Placeholder of a binding name that looks minified or generated. */
const BINDING = '_';
/** Placeholder of a number. */
const NUMBER = '0';
/** Short keywords: not bindings. */
const KEEP = new Set(['if', 'in', 'do', 'of', 'as']);
/** Longest excerpt tokenised (excerpts are cut to ~160 characters; a guard against odd input). */
const MAX_TEXT = 1024;

type Kind = 'name' | 'string' | 'number' | 'punct';

interface Token {
  kind: Kind;
  text: string;
  /** Offsets of the token in the tokenised text (end exclusive). */
  start: number;
  end: number;
}

const isNameStart = (c: string) => /[\p{ID_Start}$_]/u.test(c);
const isNamePart = (c: string) => /[\p{ID_Continue}$\u200c\u200d]/u.test(c);

/**
 * Tokens of a piece of JavaScript (or JSON, or a description) cut anywhere: never throws, never
 * backtracks. `closer`: the offset of a quote that ends a string the cut began inside.
 */
function tokenize(text: string, closer = -1): Token[] {
  const out: Token[] = [];
  const s = text.slice(0, MAX_TEXT);
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '/' && s[i + 1] === '/') {
      break;
    } else if (c === '/' && s[i + 1] === '*') {
      const end = s.indexOf('*/', i + 2);
      i = end === -1 ? s.length : end + 2;
    } else if (c === '?' && s[i + 1] === '.' && !/[0-9]/.test(s[i + 2] ?? '')) {
      // `a?.b` reaches the same member as `a.b`.
      out.push({ kind: 'punct', text: '.', start: i, end: i + 2 });
      i += 2;
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < s.length && s[j] !== c) j += s[j] === '\\' ? 2 : 1;
      if (i === closer) {
        out.push({ kind: 'punct', text: c, start: i, end: i + 1 });
        i++;
        continue;
      }
      out.push({ kind: 'string', text: s.slice(i + 1, Math.min(j, s.length)), start: i, end: Math.min(j + 1, s.length) });
      i = j + 1;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(s[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < s.length && /[0-9a-zA-Z_.]/.test(s[j]!)) j++;
      out.push({ kind: 'number', text: s.slice(i, j), start: i, end: j });
      i = j;
    } else if (isNameStart(c) || c === '\\') {
      let j = i + 1;
      while (j < s.length && isNamePart(s[j]!)) j++;
      out.push({ kind: 'name', text: s.slice(i, j), start: i, end: j });
      i = j;
    } else {
      out.push({ kind: 'punct', text: c, start: i, end: i + 1 });
      i++;
    }
  }
  return out;
}

/** A binding name without what builds add or change: `fs$1`, `fs_1`, `import_fs5` → `fs`, `fs`, `import_fs`; minified names → `_`. */
function canonicalBinding(name: string): string {
  if (/^_0x[0-9a-f]+$/i.test(name)) return BINDING;
  const base = name.replace(/[$_]?\d+$/, '') || name;
  return base.length <= 2 && !KEEP.has(base) ? BINDING : base;
}

/** String contents without what changes between releases: digits (versions, sizes, ports), a `node:` prefix, the quote style. */
function canonicalString(text: string): string {
  return `'${text.replace(/^node:/, '').replace(/\d+(?:\.\d+)*/g, NUMBER)}'`;
}

/** Characters of code an excerpt shows before its site when the line is cut (`…`): see excerptAt in src/analyze/excerpt.ts. */
const CONTEXT_BEFORE = 40;

/** A finding's site in canonical form. */
export interface Site {
  /** Canonical tokens of the excerpt (see {@link canonicalSite}). */
  tokens: string[];
  /** Index in `tokens` of the first token at or after the finding's position: an estimate (whitespace was collapsed). */
  anchor: number;
  /** The anchor is known to within a token or two: the line was cut 40 characters before the site, or the API's name marks it. */
  anchored: boolean;
}

/**
 * The canonical tokens of a finding's excerpt: binding names that look minified or generated are
 * placeholders (property names after `.` stay: minifiers keep them), numbers and the digits inside
 * strings are placeholders, `node:` prefixes, quote styles, comments and semicolons are gone, an
 * import renamed to itself (`exec as exec$1`) is the plain name, the partial tokens at a cut (`…`)
 * are dropped, and build variants of one statement read the same (see unifyBuilds). Whitespace
 * never counts. `numbers: true` keeps number tokens as they are.
 */
export function siteOf(f: { excerpt: string; column: number; api?: string }, options: { numbers?: boolean } = {}): Site {
  const excerpt = f.excerpt;
  const cutStart = excerpt.startsWith('…');
  const cutEnd = excerpt.endsWith('…');
  const text = excerpt.slice(cutStart ? 1 : 0, cutEnd ? -1 : undefined);
  // A cut line shows 40 characters before the site; an uncut one starts at its (trimmed) line start.
  const at = cutStart ? CONTEXT_BEFORE : Math.max(0, f.column - 1);
  let tokens = tokenize(text);
  const inString = (list: Token[]) => list.find((t) => t.kind === 'string' && t.start < at && at < t.end);
  const quoted = cutStart ? inString(tokens) : undefined;
  if (quoted) {
    // The site is code, never inside a string: the cut began inside one, and the first such quote ends it.
    const retry = tokenize(text, text.indexOf(text[quoted.start]!));
    if (!inString(retry)) tokens = retry;
  }
  if (cutStart) tokens.shift();
  if (cutEnd) tokens.pop();
  const out: string[] = [];
  let anchor = -1;
  let anchored = cutStart;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (anchor === -1 && t.start >= at) anchor = out.length;
    const prev = tokens[i - 1];
    if (t.kind === 'punct') {
      if (t.text !== ';') out.push(t.text);
    } else if (t.kind === 'number') {
      out.push(options.numbers ? t.text : NUMBER);
    } else if (t.kind === 'string') {
      out.push(canonicalString(t.text));
    } else if (prev?.kind === 'punct' && prev.text === '.') {
      out.push(t.text);
    } else {
      const name = canonicalBinding(t.text);
      // `exec as exec$1`: an import or export renamed to (a suffixed copy of) itself.
      if (name === 'as' && out.length > 0 && i + 1 < tokens.length && tokens[i + 1]!.kind === 'name' && canonicalBinding(tokens[i + 1]!.text) === out[out.length - 1]) {
        i++;
        continue;
      }
      out.push(name);
    }
  }
  if (!cutStart && f.api !== undefined) {
    // An uncut line was trimmed of its indentation, so the column says little: the API's last name,
    // when the line holds it once, is the site (`spawnSync` of `child_process.spawnSync`).
    const last = f.api.slice(f.api.lastIndexOf('.') + 1);
    const hits = out.flatMap((t, i) => (t === last ? [i] : []));
    if (hits.length === 1) {
      anchor = hits[0]!;
      anchored = true;
    }
  }
  return unifyBuilds({ tokens: out, anchor: anchor === -1 ? Math.max(0, out.length - 1) : anchor, anchored });
}

/** Helpers bundlers and compilers wrap a require in: the module is the same either way. */
const INTEROP = new Set(['__importDefault', '__importStar', '__toESM', '_interopRequireDefault', '_interopRequireWildcard']);

/** Index of the `)` closing the `(` at `open`, or -1 when the excerpt ends first. */
function closing(tokens: readonly string[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i] === '(') depth++;
    else if (tokens[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

const isString = (t: string | undefined) => t !== undefined && t.startsWith("'");
const isName = (t: string) => /^[\p{ID_Start}$_]/u.test(t);

/**
 * One form for what the same source compiles or bundles to: an ESM import is the require it stands
 * for (`import { a } from 'm'` = `const { a } = require('m')`, `* as` dropped), `var`/`let` are
 * `const`, interop wrappers (`__importDefault(require('m'))`) and `.default` are dropped, an indirect
 * call `(0, m.f)(…)` is `m.f(…)`, and `module.exports` is `exports`.
 */
function unifyBuilds(site: Site): Site {
  const t = site.tokens;
  const drop = new Set<number>();
  const replace = new Map<number, string[]>();
  for (let i = 0; i < t.length; i++) {
    const tok = t[i]!;
    if (tok === 'import' && t[i + 1] !== '(' && t[i + 1] !== '.') {
      if (isString(t[i + 1])) {
        replace.set(i, ['require', '(']);
        replace.set(i + 1, [t[i + 1]!, ')']);
        continue;
      }
      let j = i + 1;
      while (j < t.length && !(t[j] === 'from' && isString(t[j + 1]))) j++;
      if (j >= t.length) continue;
      replace.set(i, ['const']);
      for (let k = i + 1; k < j; k++) if (t[k] === '*' && t[k + 1] === 'as') drop.add(k).add(k + 1);
      replace.set(j, ['=', 'require', '(']);
      replace.set(j + 1, [t[j + 1]!, ')']);
    } else if (tok === 'var' || tok === 'let') {
      replace.set(i, ['const']);
    } else if (INTEROP.has(tok) && t[i + 1] === '(') {
      const end = closing(t, i + 1);
      if (end !== -1) drop.add(i).add(i + 1).add(end);
    } else if (tok === '.' && t[i + 1] === 'default') {
      drop.add(i).add(i + 1);
    } else if (tok === '(' && t[i + 1] === NUMBER && t[i + 2] === ',') {
      const end = closing(t, i);
      if (end > i + 3 && t.slice(i + 3, end).every((x) => x === '.' || isName(x))) drop.add(i).add(i + 1).add(i + 2).add(end);
    } else if (tok === 'module' && t[i + 1] === '.' && t[i + 2] === 'exports') {
      drop.add(i).add(i + 1);
    }
  }
  if (drop.size === 0 && replace.size === 0) return site;
  const tokens: string[] = [];
  let anchor = -1;
  for (let i = 0; i < t.length; i++) {
    if (drop.has(i)) continue;
    if (anchor === -1 && i >= site.anchor) anchor = tokens.length;
    tokens.push(...(replace.get(i) ?? [t[i]!]));
  }
  return { tokens, anchor: anchor === -1 ? Math.max(0, tokens.length - 1) : anchor, anchored: site.anchored };
}

/** The canonical tokens of an excerpt (see {@link siteOf}). */
export function canonicalTokens(excerpt: string, options: { numbers?: boolean } = {}): string[] {
  return siteOf({ excerpt, column: 1 }, options).tokens;
}

/**
 * The canonical site of a finding, as one string: see {@link siteOf}. A finding about a file's
 * presence (its API is the file's own name: `binding.gyp`) has no site but the file: its excerpt
 * (the file's first line) does not identify it. `numbers: true` keeps numbers: across files a size
 * must match too (`ELF binary (2117184 bytes)` in another file is another binary).
 */
export function canonicalSite(f: { api: string; file: string; excerpt: string; column: number }, options: { numbers?: boolean } = {}): string {
  const base = f.file.slice(f.file.lastIndexOf('/') + 1);
  if (f.api === base) return '';
  return siteOf(f, options).tokens.join(' ');
}
