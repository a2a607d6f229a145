/**
 * What a package file is before any parser sees it: code or not (by name and shebang), its text
 * (BOMs, bad UTF-8, binary), and how Node would load it. No parser here: the CLI and the cache ask
 * these questions on paths that must not load Babel.
 */

/** Extensions parsed as code. `.d.ts` files are declarations and never produce code findings. */
const CODE_EXTENSIONS = ['.js', '.cjs', '.mjs', '.jsx', '.ts', '.cts', '.mts', '.tsx'];
const DECLARATION_FILE = /\.d\.[cm]?ts$/i;

/** True when `path` is a file the engine parses: code by extension, or an extensionless node script. */
export function isCodeFile(path: string, data?: Uint8Array): boolean {
  const lower = path.toLowerCase();
  if (DECLARATION_FILE.test(lower)) return false;
  if (CODE_EXTENSIONS.some((ext) => lower.endsWith(ext))) return true;
  const base = lower.slice(lower.lastIndexOf('/') + 1);
  if (base.includes('.') || data === undefined) return false;
  // bin scripts usually have no extension: `#!/usr/bin/env node`.
  const head = Buffer.from(data.subarray(0, 128)).toString('latin1');
  return /^#![^\n]*\bnode\b/.test(head);
}

/** How Node may compile a file: as a CommonJS function body and/or as an ES module. */
export type NodeSourceKind = 'commonjs' | 'esm';

/**
 * The ways Node could load a file as JavaScript, for the V8 arbiter of files Babel cannot parse:
 * `.cjs` only as CommonJS, `.mjs` only as a module, `.js` and extensionless scripts as either (the
 * package's `type` and Node's module detection decide, so both are tried). TypeScript and JSX are
 * never run by Node as they are written: an empty list, and such a file stays unreadable code.
 */
export function nodeSourceKinds(path: string): NodeSourceKind[] {
  const lower = path.toLowerCase();
  if (lower.endsWith('.cjs')) return ['commonjs'];
  if (lower.endsWith('.mjs')) return ['esm'];
  if (lower.endsWith('.js')) return ['commonjs', 'esm'];
  const base = lower.slice(lower.lastIndexOf('/') + 1);
  return base.includes('.') ? [] : ['commonjs', 'esm'];
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
