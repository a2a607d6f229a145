/**
 * Text helpers shared by the lockfile readers: 1-based lines of entries found by a cheap forward
 * search, merge-conflict detection and positions for parse errors. Lockfiles are hostile input up
 * to 256 MiB, so nothing here is quadratic and nothing echoes unbounded input.
 */
import { DepcapsError } from '../errors.js';

/** Offsets of line starts, built once per text (a 256 MiB file holds well under 2^32 bytes). */
function lineStarts(text: string): Uint32Array {
  let count = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
  const starts = new Uint32Array(count);
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts[n++] = i + 1;
  return starts;
}

/**
 * Finds the lines of entries in the order a reader visits them. Readers visit entries in text
 * order, so each search starts where the previous one matched and the whole file is scanned about
 * once; a miss wraps around to the start (duplicate keys, reordered input) before giving up.
 */
export class LineLocator {
  private starts: Uint32Array | undefined;
  private cursor = 0;

  constructor(private readonly text: string) {}

  /** Moves the search start, e.g. to the section that holds the entries. */
  seek(offset: number): void {
    this.cursor = Math.max(0, offset);
  }

  /**
   * 1-based line of the JSON member `quoted` (a JSON-quoted key) whose value opens with `open` (`{` or `[`),
   * searched from the cursor on, then from the start; failing that, the first member with that key at all;
   * undefined when the key is not there. Whitespace after the colon does not matter (pretty or compact
   * JSON), and only occurrences of the key itself are visited: entries come in text order, so locating
   * every entry of a lockfile stays linear in its size.
   */
  locate(quoted: string, open: '{' | '['): number | undefined {
    const needle = `${quoted}:`;
    const text = this.text;
    for (const from of this.cursor > 0 ? [this.cursor, 0] : [0]) {
      let first = -1;
      for (let at = text.indexOf(needle, from); at !== -1; at = text.indexOf(needle, at + needle.length)) {
        if (first === -1) first = at;
        let j = at + needle.length;
        while (j < text.length && (text[j] === ' ' || text[j] === '\t' || text[j] === '\n' || text[j] === '\r')) j++;
        if (text[j] === open) {
          this.cursor = j;
          return this.lineOf(at);
        }
      }
      if (first !== -1) {
        this.cursor = first + needle.length;
        return this.lineOf(first);
      }
    }
    return undefined;
  }

  /** 1-based line of a character offset. */
  lineOf(offset: number): number {
    return this.position(offset).line;
  }

  /** 1-based line and column of a character offset. */
  position(offset: number): { line: number; column: number } {
    this.starts ??= lineStarts(this.text);
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (starts[lo] ?? 0) + 1 };
  }
}

/** Drops a leading byte-order mark, which editors on some systems add and parsers reject. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

const CONFLICT_MARKER = /^(?:<{7}|>{7})(?: |\r?$)/m;

/**
 * Refuses a lockfile with unresolved merge-conflict markers: either side of the conflict may be
 * the one that gets installed, so neither can be audited as "the" locked tree.
 * @throws DepcapsError E_LOCKFILE naming the file and the line of the first marker.
 */
export function assertNoConflictMarkers(text: string, path: string): void {
  const m = CONFLICT_MARKER.exec(text);
  if (!m) return;
  const line = new LineLocator(text).lineOf(m.index);
  throw new DepcapsError('E_LOCKFILE', `${path} has an unresolved merge conflict (line ${line}).`, {
    hint: 'Resolve the conflict (or re-run the package manager to regenerate the lockfile), then try again.',
  });
}

/** Longest parser message we repeat: V8 and some parsers quote the (hostile) input. */
const MAX_PARSER_MESSAGE = 160;

/** A parser's message, one line, cut, with control characters shown escaped. */
export function parserMessage(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  const first = raw.split('\n')[0] ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = first.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return clean.length > MAX_PARSER_MESSAGE ? `${clean.slice(0, MAX_PARSER_MESSAGE)}…` : clean;
}

/**
 * Parses strict JSON (npm lockfiles, package.json), turning the error into E_LOCKFILE with the
 * line and column of the position V8 reports (trailing garbage after the JSON, a cut file, …).
 * @throws DepcapsError E_LOCKFILE naming the file and the error position.
 */
export function parseJsonText(text: string, path: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const message = parserMessage(err);
    const at = /position (\d+)/.exec(message);
    const where = at ? new LineLocator(text).position(Number(at[1])) : undefined;
    const place = where ? ` at line ${where.line}, column ${where.column}` : '';
    throw new DepcapsError('E_LOCKFILE', `${path} is not valid JSON${place}: ${message}`, {
      hint: 'Regenerate the lockfile with its package manager.',
      cause: err,
    });
  }
}

/** A plain-object view of a parsed value, or undefined (arrays and null are not records). */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * An own property of a parsed object. Lockfile keys are attacker-chosen: `obj[key]` would find
 * `toString` or `__proto__` on the prototype, so every lookup by a key from the file goes through here.
 */
export function own(record: Record<string, unknown> | undefined, key: string): unknown {
  return record !== undefined && Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/** A string-valued own property, or undefined. */
export function ownString(record: Record<string, unknown> | undefined, key: string): string | undefined {
  const v = own(record, key);
  return typeof v === 'string' ? v : undefined;
}

/** String-valued entries of a dependency map (`{ name: range }`); anything else is ignored. */
export function stringEntries(value: unknown): [string, string][] {
  const record = asRecord(value);
  if (!record) return [];
  return Object.entries(record).filter((e): e is [string, string] => typeof e[1] === 'string');
}
