/**
 * Whether two canonical sites (see site.ts) are one site: an edit of a token or two, or, on a long
 * cut line, the same code right around the site.
 */
import type { Site } from './site.js';

/** A canonical string literal (site.ts quotes every string with `'`). */
const isString = (t: string | undefined) => t !== undefined && t.startsWith("'");

/**
 * True when `a` and `b` differ by at most one token (one replaced, inserted or deleted) that is not
 * a string: what a string says (a command, a URL, a path) is never an edit of the same site.
 */
export function withinOneToken(a: readonly string[], b: readonly string[]): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  let j = 0;
  while (j < a.length - i && j < b.length - i && a[a.length - 1 - j] === b[b.length - 1 - j]) j++;
  // What is left between the common prefix and suffix: at most one token on each side, and no string.
  const restA = a.length - i - j;
  const restB = b.length - i - j;
  return restA <= 1 && restB <= 1 && !(restA === 1 && isString(a[i])) && !(restB === 1 && isString(b[i]));
}

/**
 * The token edit distance (replace, insert, delete) of `a` and `b` when it is at most `k`, else
 * undefined: Levenshtein over tokens in a band of width 2k+1 (linear in the length for a small k).
 * A string is never edited, inserted or deleted (see withinOneToken).
 */
export function editDistance(a: readonly string[], b: readonly string[], k: number): number | undefined {
  if (Math.abs(a.length - b.length) > k) return undefined;
  const INF = k + 1;
  let prev = new Array<number>(b.length + 1).fill(INF);
  prev[0] = 0;
  for (let j = 1; j <= Math.min(b.length, k); j++) prev[j] = Math.min(INF, prev[j - 1]! + (isString(b[j - 1]) ? INF : 1));
  for (let i = 1; i <= a.length; i++) {
    const cur = new Array<number>(b.length + 1).fill(INF);
    if (i <= k) cur[0] = Math.min(INF, prev[0]! + (isString(a[i - 1]) ? INF : 1));
    let best = cur[0]!;
    const dropA = isString(a[i - 1]) ? INF : 1;
    for (let j = Math.max(1, i - k); j <= Math.min(b.length, i + k); j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : isString(a[i - 1]) || isString(b[j - 1]) ? INF : 1;
      const addB = isString(b[j - 1]) ? INF : 1;
      cur[j] = Math.min(prev[j - 1]! + cost, prev[j]! + dropA, cur[j - 1]! + addB, INF);
      best = Math.min(best, cur[j]!);
    }
    if (best > k) return undefined;
    prev = cur;
  }
  return prev[b.length]! <= k ? prev[b.length] : undefined;
}

/** Token edits a whole line may take and still be the same site: 2 (a word or a pair of parentheses), or 10 % of a long line. */
export function editAllowance(a: readonly string[], b: readonly string[]): number {
  const n = Math.max(a.length, b.length);
  return n < 8 ? 1 : Math.max(2, Math.floor(n / 10));
}

/** Tokens compared before and after a site's anchor when long lines are matched around their sites. */
const WINDOW_BEFORE = 4;
const WINDOW_AFTER = 8;
/** Fewest tokens a window needs to identify a site (fewer: the site is at a line start, compared whole instead). */
const MIN_WINDOW = 8;
/** Tokens of a half window: the code leading up to the site, or the site and what follows it. */
const HALF = 6;
/** How far (in tokens) the anchor estimate may be off: collapsed whitespace shifts it. */
const ANCHOR_SLACK = 2;

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((t, i) => t === b[i]);

/**
 * How closely two sites read the same around their anchors, allowing for the anchor estimate to
 * be a couple of tokens off, or undefined when they do not: a window of 12 canonical tokens with at
 * most one differing (0–4), or, exactly, the 6 tokens up to the site or the 6 from it (10–12: the
 * code on the other side changed). This is how a site on a long minified line is recognised when
 * the rest of the line (its excerpt window) changed. `exact`: only a whole 12-token window, unchanged.
 */
export function aroundDistance(a: Site, b: Site, exact = false): number | undefined {
  const slice = (s: Site, from: number, to: number) => s.tokens.slice(Math.max(0, from), Math.max(0, to));
  const wa = slice(a, a.anchor - WINDOW_BEFORE, a.anchor + WINDOW_AFTER);
  const before = slice(a, a.anchor - HALF + 1, a.anchor + 1);
  const after = slice(a, a.anchor, a.anchor + HALF);
  let best: number | undefined;
  for (let shift = -ANCHOR_SLACK; shift <= ANCHOR_SLACK; shift++) {
    const at = b.anchor + shift;
    const wb = slice(b, at - WINDOW_BEFORE, at + WINDOW_AFTER);
    let d: number | undefined;
    if (exact) d = wa.length === WINDOW_BEFORE + WINDOW_AFTER && same(wa, wb) ? Math.abs(shift) : undefined;
    else if (wa.length >= MIN_WINDOW && wb.length >= MIN_WINDOW && withinOneToken(wa, wb)) d = Math.abs(shift) + (same(wa, wb) ? 0 : 1);
    else if ((before.length === HALF && same(before, slice(b, at - HALF + 1, at + 1))) || (after.length === HALF && same(after, slice(b, at, at + HALF)))) d = 10 + Math.abs(shift);
    if (d !== undefined && (best === undefined || d < best)) best = d;
  }
  return best;
}

/**
 * How far apart two sites are (lower is closer), or undefined when they are not one site: their
 * whole canonical lines a small edit apart (see editAllowance), else the same code right around
 * the site (see aroundDistance; scored after every whole-line match): `loose` allows its one-token
 * and half-window matches, `exact` only an unchanged 12-token window.
 */
export function siteDistance(a: Site, b: Site, around: 'none' | 'loose' | 'exact'): number | undefined {
  const whole = editDistance(a.tokens, b.tokens, editAllowance(a.tokens, b.tokens));
  if (whole !== undefined) return whole;
  if (around === 'none') return undefined;
  const near = aroundDistance(a, b, around === 'exact');
  return near === undefined ? undefined : 100 + near;
}
