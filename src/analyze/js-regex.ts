import { Abort } from './js-values.js';

/** A match: where it starts and ends, and the captured groups (0 is the whole match). */
export interface RegexMatch {
  index: number;
  end: number;
  groups: (string | undefined)[];
}

/** A regular expression compiled for the interpreter: every backtracking step draws on the step budget. */
export interface CompiledRegex {
  global: boolean;
  sticky: boolean;
  /** The first match at or after `from`. */
  search(s: string, from: number, tick: (n: number) => void): RegexMatch | null;
  /** A match starting exactly at `at`. */
  matchAt(s: string, at: number, tick: (n: number) => void): RegexMatch | null;
}

/** Longest pattern compiled: obfuscators' self-checks are a few dozen characters. */
const MAX_PATTERN = 2048;

type Cont = (i: number) => boolean;
type Matcher = (i: number, k: Cont) => boolean;

interface State {
  s: string;
  caps: (number | undefined)[];
  tick: (n: number) => void;
}

/** A character test. */
type CharTest = (c: string) => boolean;

const isWord = (c: string): boolean => /[A-Za-z0-9_]/.test(c);
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isSpace = (c: string): boolean => /\s/.test(c);

/**
 * Compiles a pattern to a backtracking matcher of our own (never V8's, whose backtracking a package could
 * make run for hours): groups, alternation, greedy and lazy quantifiers, classes, anchors, lookahead and
 * backreferences. Anything else (lookbehind, named references, Unicode properties) is not modelled.
 * @throws Abort on what it does not support.
 */
export function compileRegex(source: string, flags: string): CompiledRegex {
  if (source.length > MAX_PATTERN) throw new Abort('pattern too long');
  if (/[^dgimsuy]/.test(flags)) throw new Abort('regular expression flag');
  const ignoreCase = flags.includes('i');
  const multiline = flags.includes('m');
  const dotAll = flags.includes('s');
  let pos = 0;
  let groupCount = 0;
  let st: State = { s: '', caps: [], tick: () => undefined };

  const fold = (c: string): string => (ignoreCase ? c.toLowerCase() : c);
  const peek = (): string | undefined => source[pos];
  const eat = (c: string): boolean => {
    if (source[pos] !== c) return false;
    pos++;
    return true;
  };

  /** An escape after `\` inside or outside a class: a character test, or a literal. */
  const escape = (inClass: boolean): CharTest | string => {
    const c = source[pos++];
    if (c === undefined) throw new Abort('pattern ends in an escape');
    switch (c) {
      case 'd':
        return isDigit;
      case 'D':
        return (x) => !isDigit(x);
      case 'w':
        return isWord;
      case 'W':
        return (x) => !isWord(x);
      case 's':
        return isSpace;
      case 'S':
        return (x) => !isSpace(x);
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'v':
        return '\v';
      case 'f':
        return '\f';
      case '0':
        return '\0';
      case 'b':
        if (inClass) return '\b';
        throw new Abort('word boundary where a character was expected');
      case 'x': {
        const hex = source.slice(pos, pos + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) return 'x';
        pos += 2;
        return String.fromCharCode(parseInt(hex, 16));
      }
      case 'u': {
        if (source[pos] === '{') {
          const close = source.indexOf('}', pos);
          const hex = source.slice(pos + 1, close);
          if (close === -1 || !/^[0-9a-fA-F]{1,6}$/.test(hex)) throw new Abort('unicode escape');
          pos = close + 1;
          return String.fromCodePoint(parseInt(hex, 16));
        }
        const hex = source.slice(pos, pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) return 'u';
        pos += 4;
        return String.fromCharCode(parseInt(hex, 16));
      }
      case 'c':
      case 'p':
      case 'P':
      case 'k':
        throw new Abort(`backslash sequence ${c}`);
      default:
        return c;
    }
  };

  const charClass = (): Matcher => {
    const negate = eat('^');
    const tests: CharTest[] = [];
    let first = true;
    while (pos < source.length && (first || peek() !== ']')) {
      first = false;
      let lo: CharTest | string;
      const c = source[pos++]!;
      lo = c === '\\' ? escape(true) : c;
      if (typeof lo === 'string' && peek() === '-' && source[pos + 1] !== ']' && source[pos + 1] !== undefined) {
        pos++;
        const d = source[pos++]!;
        const hi = d === '\\' ? escape(true) : d;
        if (typeof hi !== 'string') throw new Abort('class range to a class');
        const from = lo.codePointAt(0)!;
        const to = hi.codePointAt(0)!;
        if (from > to) throw new Abort('class range out of order');
        tests.push(ignoreCase ? (x) => {
          const cl = x.toLowerCase().codePointAt(0)!;
          const cu = x.toUpperCase().codePointAt(0)!;
          return (cl >= from && cl <= to) || (cu >= from && cu <= to);
        } : (x) => {
          const cp = x.codePointAt(0)!;
          return cp >= from && cp <= to;
        });
        continue;
      }
      if (typeof lo === 'string') {
        const ch = fold(lo);
        tests.push((x) => fold(x) === ch);
      } else tests.push(lo);
    }
    if (!eat(']')) throw new Abort('unterminated class');
    return single((x) => tests.some((t) => t(x)) !== negate);
  };

  /** Character tests of single-character matchers, so a repetition of one can scan instead of recursing. */
  const tests = new WeakMap<Matcher, CharTest>();

  /** Matches one character satisfying `test`. */
  const single = (test: CharTest): Matcher => {
    const m: Matcher = (i, k) => {
      st.tick(1);
      return i < st.s.length && test(st.s[i]!) && k(i + 1);
    };
    tests.set(m, test);
    return m;
  };

  const atom = (): Matcher | null => {
    const c = source[pos];
    if (c === undefined || c === '|' || c === ')') return null;
    pos++;
    switch (c) {
      case '^':
        return (i, k) => (i === 0 || (multiline && st.s[i - 1] === '\n') ? k(i) : false);
      case '$':
        return (i, k) => (i === st.s.length || (multiline && st.s[i] === '\n') ? k(i) : false);
      case '.':
        return single(dotAll ? () => true : (x) => x !== '\n' && x !== '\r' && x !== '\u2028' && x !== '\u2029');
      case '[':
        return charClass();
      case '(': {
        if (eat('?')) {
          if (eat(':')) return group(null);
          if (eat('=')) return look(true);
          if (eat('!')) return look(false);
          if (peek() === '<' && source[pos + 1] !== '=' && source[pos + 1] !== '!') {
            const close = source.indexOf('>', pos);
            if (close === -1) throw new Abort('group name');
            pos = close + 1;
            return group(++groupCount);
          }
          throw new Abort('lookbehind or group modifier');
        }
        return group(++groupCount);
      }
      case '\\': {
        const d = source[pos];
        if (d === 'b' || d === 'B') {
          pos++;
          const want = d === 'b';
          return (i, k) => {
            const a = i > 0 && isWord(st.s[i - 1]!);
            const b = i < st.s.length && isWord(st.s[i]!);
            return (a !== b) === want ? k(i) : false;
          };
        }
        if (d !== undefined && d >= '1' && d <= '9') {
          let n = 0;
          while (isDigit(source[pos] ?? '')) n = n * 10 + Number(source[pos++]);
          return (i, k) => {
            const start = st.caps[n * 2];
            const end = st.caps[n * 2 + 1];
            if (start === undefined || end === undefined) return k(i);
            const text = st.s.slice(start, end);
            st.tick(text.length + 1);
            return fold(st.s.slice(i, i + text.length)) === fold(text) ? k(i + text.length) : false;
          };
        }
        const e = escape(false);
        if (typeof e !== 'string') return single(e);
        const ch = fold(e);
        return single((x) => fold(x) === ch);
      }
      case '*':
      case '+':
      case '?':
        throw new Abort('nothing to repeat');
      default: {
        const ch = fold(c);
        return single((x) => fold(x) === ch);
      }
    }
  };

  const group = (index: number | null): Matcher => {
    const inner = disjunction();
    if (!eat(')')) throw new Abort('unterminated group');
    if (index === null) return inner;
    return (i, k) => {
      const oldStart = st.caps[index * 2];
      const oldEnd = st.caps[index * 2 + 1];
      const ok = inner(i, (j) => {
        const s0 = st.caps[index * 2];
        const e0 = st.caps[index * 2 + 1];
        st.caps[index * 2] = i;
        st.caps[index * 2 + 1] = j;
        if (k(j)) return true;
        st.caps[index * 2] = s0;
        st.caps[index * 2 + 1] = e0;
        return false;
      });
      if (!ok) {
        st.caps[index * 2] = oldStart;
        st.caps[index * 2 + 1] = oldEnd;
      }
      return ok;
    };
  };

  const look = (positive: boolean): Matcher => {
    const inner = disjunction();
    if (!eat(')')) throw new Abort('unterminated lookahead');
    return (i, k) => {
      const saved = st.caps.slice();
      const found = inner(i, () => true);
      if (!positive) st.caps = saved;
      return found === positive ? k(i) : false;
    };
  };

  /** A quantifier after an atom, if any: `{min, max, lazy}`. */
  const quantifier = (): { min: number; max: number; lazy: boolean } | null => {
    const c = peek();
    let min: number;
    let max: number;
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(pos));
      if (!m) return null;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      if (min > 100_000 || max < min) throw new Abort('quantifier out of range');
      pos += m[0].length - 1;
    } else return null;
    pos++;
    return { min, max, lazy: eat('?') };
  };

  const repeat = (m: Matcher, q: { min: number; max: number; lazy: boolean }): Matcher => {
    const test = tests.get(m);
    if (test !== undefined) {
      // One character at a time (`.+`, `[a-z]*`): scan, then back off one by one, with no recursion.
      return (i, k) => {
        const s = st.s;
        let n = 0;
        while (n < q.max && i + n < s.length && test(s[i + n]!)) n++;
        st.tick(n + 1);
        if (n < q.min) return false;
        if (q.lazy) {
          for (let c = q.min; c <= n; c++) {
            st.tick(1);
            if (k(i + c)) return true;
          }
          return false;
        }
        for (let c = n; c >= q.min; c--) {
          st.tick(1);
          if (k(i + c)) return true;
        }
        return false;
      };
    }
    const step = (count: number, i: number, k: Cont): boolean => {
      st.tick(1);
      if (count < q.min) return m(i, (j) => step(count + 1, j, k));
      if (count >= q.max) return k(i);
      // An iteration that matches nothing ends the repetition (as the language specifies).
      const more = (): boolean => m(i, (j) => j !== i && step(count + 1, j, k));
      return q.lazy ? k(i) || more() : more() || k(i);
    };
    return (i, k) => step(0, i, k);
  };

  const alternative = (): Matcher => {
    const parts: Matcher[] = [];
    for (;;) {
      const a = atom();
      if (a === null) break;
      const q = quantifier();
      parts.push(q ? repeat(a, q) : a);
    }
    return parts.reduceRight<Matcher>((next, part) => (i, k) => part(i, (j) => next(j, k)), (i, k) => k(i));
  };

  const disjunction = (): Matcher => {
    const alts: Matcher[] = [alternative()];
    while (eat('|')) alts.push(alternative());
    if (alts.length === 1) return alts[0]!;
    return (i, k) => {
      for (const alt of alts) if (alt(i, k)) return true;
      return false;
    };
  };

  const root = disjunction();
  if (pos !== source.length) throw new Abort('unbalanced pattern');
  const groups = groupCount;

  const matchAt = (s: string, at: number, tick: (n: number) => void): RegexMatch | null => {
    st = { s, caps: new Array<number | undefined>((groups + 1) * 2).fill(undefined), tick };
    let end = -1;
    if (!root(at, (j) => ((end = j), true))) return null;
    const out: (string | undefined)[] = [s.slice(at, end)];
    for (let g = 1; g <= groups; g++) {
      const a = st.caps[g * 2];
      const b = st.caps[g * 2 + 1];
      out.push(a === undefined || b === undefined ? undefined : s.slice(a, b));
    }
    return { index: at, end, groups: out };
  };

  return {
    global: flags.includes('g'),
    sticky: flags.includes('y'),
    matchAt,
    search(s, from, tick) {
      for (let at = from; at <= s.length; at++) {
        const m = matchAt(s, at, tick);
        if (m !== null) return m;
      }
      return null;
    },
  };
}
