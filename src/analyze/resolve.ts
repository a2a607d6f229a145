import { posix } from 'node:path';

/**
 * Node's module resolution over a package's file list (no file system, no bytes): relative paths with
 * extensions, directory indexes and a subdirectory's package.json `main`; `exports` and `imports` maps
 * with every condition and subpath patterns; the package's own name. Liberal where bundlers and
 * TypeScript are: more extensions than Node tries, and a `.ts` source for the `.js` its import names —
 * resolving too much only makes more code reachable, never less.
 */

/** Extensions tried after the exact path, Node's first (`.js`, `.json`, `.node`), then what bundlers and TypeScript add. */
const EXTENSIONS = ['.js', '.json', '.node', '.cjs', '.mjs', '.ts', '.tsx', '.cts', '.mts', '.jsx'];
/** TypeScript sources ship next to, or instead of, the output their imports name: `./x.js` may be `./x.ts`. */
const SOURCE_OF: Readonly<Record<string, readonly string[]>> = { '.js': ['.ts', '.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'], '.jsx': ['.tsx'] };

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every string target in an `exports`/`imports` value: all conditions, all array fallbacks. */
export function targetsOf(value: unknown, out: string[], depth = 0): string[] {
  if (depth > 32) return out;
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) targetsOf(v, out, depth + 1);
  else if (isObject(value)) for (const v of Object.values(value)) targetsOf(v, out, depth + 1);
  return out;
}

/** The targets a subpath (`.`, `./x`, `#x`) maps to in an `exports`/`imports` field, patterns substituted. */
export function subpathTargets(field: unknown, subpath: string): string[] {
  const isMap = isObject(field) && Object.keys(field).some((k) => k.startsWith('.') || k.startsWith('#'));
  if (!isMap) return subpath === '.' ? targetsOf(field, []) : [];
  const map = field as Record<string, unknown>;
  if (Object.hasOwn(map, subpath)) return targetsOf(map[subpath], []);
  const out: string[] = [];
  for (const [key, value] of Object.entries(map)) {
    const star = key.indexOf('*');
    if (star === -1) {
      // Legacy folder mappings: `"./lib/": "./lib/"`.
      if (key.endsWith('/') && subpath.startsWith(key)) for (const t of targetsOf(value, [])) out.push(t + subpath.slice(key.length));
      continue;
    }
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (subpath.length < key.length - 1 || !subpath.startsWith(prefix) || !subpath.endsWith(suffix)) continue;
    const match = subpath.slice(prefix.length, subpath.length - suffix.length);
    for (const t of targetsOf(value, [])) out.push(t.split('*').join(match));
  }
  return out;
}

/** A path relative to `base` as a package path (`./dist/a.js` → `dist/a.js`); undefined when it leaves the package. */
export function packagePath(target: string, base = ''): string | undefined {
  const joined = posix.normalize(posix.join(base, target));
  if (joined === '..' || joined.startsWith('../') || joined.startsWith('/')) return undefined;
  return joined === '.' ? '' : joined.replace(/\/$/, '');
}

/** Resolves specifiers and manifest paths to files of one package. */
export class PackageResolver {
  private readonly files: ReadonlySet<string>;
  private readonly dirs = new Set<string>(['']);
  private readonly ownName: string | undefined;
  private readonly memo = new Map<string, readonly string[]>();

  constructor(
    private readonly paths: readonly string[],
    private readonly manifest: Record<string, unknown> | undefined,
    private readonly dirMains: ReadonlyMap<string, string>,
  ) {
    this.files = new Set(paths);
    for (const p of paths) for (let i = p.indexOf('/'); i !== -1; i = p.indexOf('/', i + 1)) this.dirs.add(p.slice(0, i));
    this.ownName = stringOf(manifest?.['name']);
  }

  /** Node's LOAD_AS_FILE: the exact path, then with an extension (and a TypeScript source for its output). */
  asFile = (p: string): string | undefined => {
    if (p !== '' && this.files.has(p)) return p;
    for (const ext of EXTENSIONS) if (this.files.has(p + ext)) return p + ext;
    const ext = posix.extname(p);
    for (const alt of SOURCE_OF[ext] ?? []) if (this.files.has(p.slice(0, -ext.length) + alt)) return p.slice(0, -ext.length) + alt;
    return undefined;
  };

  /** Node's LOAD_INDEX: `dir/index` with an extension. */
  asIndex = (p: string): string | undefined => {
    if (!this.dirs.has(p)) return undefined;
    const base = p === '' ? 'index' : `${p}/index`;
    for (const ext of EXTENSIONS) if (this.files.has(base + ext)) return base + ext;
    return undefined;
  };

  /** Node's LOAD_AS_FILE then LOAD_AS_DIRECTORY (a subdirectory's package.json `main`, then its index). */
  asPath = (p: string): string | undefined => {
    const file = this.asFile(p);
    if (file !== undefined) return file;
    if (!this.dirs.has(p)) return undefined;
    const main = p === '' ? stringOf(this.manifest?.['main']) : this.dirMains.get(p);
    if (main !== undefined) {
      const m = packagePath(main, p);
      const found = m === undefined ? undefined : this.asFile(m) ?? this.asIndex(m);
      if (found !== undefined) return found;
    }
    return this.asIndex(p);
  };

  /** Files the `./`-relative targets of an exports/imports map name, patterns expanded over the package. */
  targetFiles(targets: readonly string[]): string[] {
    const out: string[] = [];
    for (const t of targets) {
      if (!t.startsWith('./')) continue;
      if (t.includes('*')) {
        const rel = packagePath(t.replace(/\*/g, '\u0001'));
        if (rel === undefined) continue;
        const re = new RegExp(`^${escapeRegex(rel).replace(/\u0001/g, '.*')}$`);
        for (const f of this.paths) if (re.test(f)) out.push(f);
        continue;
      }
      const rel = packagePath(t);
      const found = rel === undefined ? undefined : this.asPath(rel);
      if (found !== undefined) out.push(found);
    }
    return out;
  }

  /** The package files a specifier written in directory `dir` loads (several: every condition of `exports`). */
  resolveSpec(dir: string, spec: string): readonly string[] {
    const key = `${dir}\0${spec}`;
    let found = this.memo.get(key);
    if (found === undefined) {
      found = this.resolveUncached(dir, spec);
      this.memo.set(key, found);
    }
    return found;
  }

  private resolveUncached(dir: string, spec: string): string[] {
    if (spec === '.' || spec === '..' || spec.startsWith('./') || spec.startsWith('../')) {
      const rel = packagePath(spec, dir);
      const found = rel === undefined ? undefined : this.asPath(rel);
      return found === undefined ? [] : [found];
    }
    if (spec.startsWith('#')) return this.targetFiles(subpathTargets(this.manifest?.['imports'], spec));
    const own = this.ownName;
    if (own !== undefined && (spec === own || spec.startsWith(`${own}/`))) {
      // Self-reference: through `exports` when there is one; otherwise node_modules lookup finds the
      // installed package itself, so `name/sub` is the file at `sub`.
      const sub = spec === own ? '.' : `./${spec.slice(own.length + 1)}`;
      if (this.manifest?.['exports'] !== undefined) return this.targetFiles(subpathTargets(this.manifest['exports'], sub));
      const found = this.asPath(sub === '.' ? '' : sub.slice(2));
      return found === undefined ? [] : [found];
    }
    return [];
  }
}
