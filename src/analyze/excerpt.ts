/** Longest excerpt, in characters. */
const MAX_EXCERPT = 160;

/**
 * The source line around `offset`, trimmed, whitespace collapsed, cut to ~160 characters around the
 * position (minified files have megabyte-long lines).
 */
export function excerptAt(source: string, offset: number): string {
  let start = source.lastIndexOf('\n', offset - 1) + 1;
  let end = source.indexOf('\n', offset);
  if (end === -1) end = source.length;
  let prefix = '';
  let suffix = '';
  if (end - start > MAX_EXCERPT) {
    const from = Math.max(start, offset - 40);
    const to = Math.min(end, from + MAX_EXCERPT);
    if (from > start) prefix = '…';
    if (to < end) suffix = '…';
    start = from;
    end = to;
  }
  const text = source.slice(start, end).replace(/\s+/g, ' ').trim();
  return prefix + text + suffix;
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
