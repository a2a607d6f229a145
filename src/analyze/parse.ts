import { parse, type ParserOptions, type ParserPlugin } from '@babel/parser';
import type { File } from '@babel/types';

export { decodeSource, isCodeFile, type DecodedSource } from './source.js';

const BASE_OPTIONS: ParserOptions = {
  sourceType: 'unambiguous',
  errorRecovery: true,
  allowReturnOutsideFunction: true,
  allowAwaitOutsideFunction: true,
  allowImportExportEverywhere: true,
  allowNewTargetOutsideFunction: true,
  allowSuperOutsideMethod: true,
  allowUndeclaredExports: true,
  attachComment: false,
  createParenthesizedExpressions: false,
};

/**
 * Syntax Node runs today or that TypeScript compiles, enabled everywhere: `using` / `await using`,
 * import attributes (`with`, and the `assert` form Node 20 still runs), auto-accessors (`accessor x`,
 * TypeScript 4.9+, next to decorators in puppeteer-core 25), do-expressions (kept for old Babel code).
 */
const COMMON: ParserPlugin[] = ['explicitResourceManagement', 'importAttributes', 'deprecatedImportAssert', 'decoratorAutoAccessors', 'doExpressions'];

/**
 * Standard decorators (TypeScript 5 and the TC39 proposal): `@dec export class`, `export @dec class`,
 * `@(expr)`. TypeScript's `experimentalDecorators` parameter decorators are recovered errors here,
 * and the legacy plugin is the fallback for anything else only it accepts.
 */
const DECORATORS: ParserPlugin = ['decorators', { allowCallParenthesized: true }];
const LEGACY_DECORATORS: ParserPlugin = 'decorators-legacy';

/** One way of parsing a file: plugins, and options over the base options. */
interface Attempt {
  plugins: ParserPlugin[];
  options?: ParserOptions;
}

/**
 * A CommonJS script from before ES2017, where `await` is an identifier (`var await = …`): the
 * top-level-await option that modern code needs makes Babel reject it, and Node runs it.
 */
const SLOPPY_SCRIPT: ParserOptions = { sourceType: 'script', allowAwaitOutsideFunction: false };

/** Ways to try, in order, for a file name: the first that parses wins. */
function attempts(file: string): Attempt[] {
  const lower = file.toLowerCase();
  if (lower.endsWith('.tsx')) {
    return [
      { plugins: ['typescript', 'jsx', DECORATORS, ...COMMON] },
      { plugins: ['typescript', 'jsx', LEGACY_DECORATORS, ...COMMON] },
    ];
  }
  if (/\.[cm]?ts$/.test(lower)) {
    return [
      { plugins: ['typescript', DECORATORS, ...COMMON] },
      { plugins: ['typescript', LEGACY_DECORATORS, ...COMMON] },
      { plugins: ['typescript', 'jsx', DECORATORS, ...COMMON] },
    ];
  }
  const js: Attempt[] = [
    { plugins: ['jsx', DECORATORS, ...COMMON] },
    { plugins: ['flow', 'jsx', DECORATORS, ...COMMON] },
    { plugins: [DECORATORS, ...COMMON] },
    { plugins: ['typescript', DECORATORS, ...COMMON] },
    { plugins: ['jsx', LEGACY_DECORATORS, ...COMMON] },
  ];
  return lower.endsWith('.mjs') ? js : [...js, { plugins: [...COMMON], options: SLOPPY_SCRIPT }];
}

/** `.mjs`/`.mts` are modules by definition; everything else is told apart by its content. */
function sourceTypeOf(file: string): 'module' | 'unambiguous' {
  return /\.m[jt]s$/i.test(file) ? 'module' : 'unambiguous';
}

/** Parse failure of every option set; `deep` when the parser ran out of stack. */
export class ParseFailure extends Error {
  readonly deep: boolean;
  constructor(message: string, deep: boolean) {
    super(message);
    this.deep = deep;
  }
}

/**
 * Parses a file with the plugins its extension needs, falling back through alternative plugin sets
 * (Flow, plain, TypeScript, legacy decorators, a pre-ES2017 script) before giving up.
 * @throws ParseFailure when no set parses the file.
 */
export function parseSource(code: string, file: string): File {
  let first: unknown;
  for (const { plugins, options } of attempts(file)) {
    try {
      return parse(code, { ...BASE_OPTIONS, sourceType: sourceTypeOf(file), ...options, plugins });
    } catch (err) {
      if (err instanceof RangeError) {
        throw new ParseFailure('nesting too deep to parse (stack exhausted)', true);
      }
      first ??= err;
    }
  }
  const message = first instanceof Error ? first.message : String(first);
  throw new ParseFailure(`syntax error: ${message}`, false);
}
