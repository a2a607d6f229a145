/** Longest excerpt, in characters. */
const MAX_EXCERPT = 160;

/**
 * The source line around `offset`, trimmed, whitespace collapsed, cut to ~160 characters around the
 * position. `column0` (0-based) locates the line start without scanning back: on a 20 MB single-line
 * file an unbounded search per finding would make excerpts quadratic.
 */
export function excerptAt(source: string, offset: number, column0: number): string {
  const lineStart = Math.max(0, offset - column0);
  const from = Math.max(lineStart, offset - 40);
  const window = source.slice(from, from + MAX_EXCERPT + 1);
  const newline = window.indexOf('\n', offset - from);
  let text = newline === -1 ? window : window.slice(0, newline);
  let suffix = '';
  if (text.length > MAX_EXCERPT) {
    text = text.slice(0, MAX_EXCERPT);
    suffix = '…';
  }
  // Text before the window on the same line is cut too.
  const prefix = from > lineStart ? '…' : '';
  return prefix + text.replace(/\s+/g, ' ').trim() + suffix;
}

/** Maps offsets to 1-based line and column (for text findings without an AST). */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(source: string) {
    for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  /** 1-based line and column of an offset. */
  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }
}
