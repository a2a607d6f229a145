import { parse, type ParserOptions, type ParserPlugin } from '@babel/parser';
import type { File } from '@babel/types';

// The code-file rule lives with the streaming intake (no parser needed to decide); re-exported for callers here.
export { isCodeFile } from './intake.js';

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

const COMMON: ParserPlugin[] = ['explicitResourceManagement', 'importAttributes' as ParserPlugin, 'doExpressions'];

/** Plugin sets to try, in order, for a file name: the first that parses wins. */
function pluginChain(file: string): ParserPlugin[][] {
  const lower = file.toLowerCase();
  if (lower.endsWith('.tsx')) return [['typescript', 'jsx', 'decorators-legacy', ...COMMON]];
  if (/\.[cm]?ts$/.test(lower)) {
    return [
      ['typescript', 'decorators-legacy', ...COMMON],
      ['typescript', 'jsx', 'decorators-legacy', ...COMMON],
    ];
  }
  return [
    ['jsx', ...COMMON],
    ['flow', 'jsx', ...COMMON],
    [...COMMON],
    ['typescript', 'decorators-legacy', ...COMMON],
  ];
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
 * (Flow, plain, TypeScript) before giving up.
 * @throws ParseFailure when no set parses the file.
 */
export function parseSource(code: string, file: string): File {
  let first: unknown;
  for (const plugins of pluginChain(file)) {
    try {
      return parse(code, { ...BASE_OPTIONS, sourceType: sourceTypeOf(file), plugins });
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

/** Result of turning file bytes into text. */
export interface DecodedSource {
  text: string;
  /** Set when the bytes were not valid in the detected encoding (decoded lossily). */
  encodingProblem?: string;
  /** The file looks binary (NUL bytes): it is not parsed. */
  binary: boolean;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const utf8Lossy = new TextDecoder('utf-8');

/** Decodes source bytes: BOMs honoured (UTF-8, UTF-16LE/BE), invalid UTF-8 reported, then decoded lossily. */
export function decodeSource(data: Uint8Array): DecodedSource {
  if (data.length >= 2 && data[0] === 0xff && data[1] === 0xfe) {
    return { text: new TextDecoder('utf-16le').decode(data.subarray(2)), binary: false };
  }
  if (data.length >= 2 && data[0] === 0xfe && data[1] === 0xff) {
    return { text: new TextDecoder('utf-16be').decode(data.subarray(2)), binary: false };
  }
  const start = data.length >= 3 && data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf ? 3 : 0;
  const body = data.subarray(start);
  const probe = body.subarray(0, 8192);
  if (probe.includes(0)) return { text: '', binary: true };
  try {
    return { text: utf8Strict.decode(body), binary: false };
  } catch {
    return { text: utf8Lossy.decode(body), binary: false, encodingProblem: 'invalid UTF-8 (decoded with replacement characters)' };
  }
}
