import { UNKNOWN, type Value } from './scope.js';

/** Longest string produced by folding: evasions hide module names, not megabytes. */
const MAX_STRING = 1 << 20;
/** Longest array produced by `split('')`. */
const MAX_ARRAY = 65_536;

const ENCODINGS = new Set(['utf8', 'utf-8', 'hex', 'base64', 'base64url', 'latin1', 'binary', 'ascii', 'ucs2', 'ucs-2', 'utf16le', 'utf-16le']);

function s(v: string): Value {
  return v.length > MAX_STRING ? UNKNOWN : { k: 'str', v, m: true };
}

function asString(v: Value | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (v.k === 'str') return v.v;
  if (v.k === 'num') return String(v.v);
  return undefined;
}

function asInt(v: Value | undefined): number | undefined {
  return v !== undefined && v.k === 'num' && Number.isInteger(v.v) ? v.v : undefined;
}

function strings(items: readonly Value[]): string[] | undefined {
  const out: string[] = [];
  for (const item of items) {
    const text = asString(item);
    if (text === undefined) return undefined;
    out.push(text);
  }
  return out;
}

/**
 * Folds the string, array and Buffer methods obfuscators use to assemble names:
 * `'…'.split('').reverse().join('')`, `[…].join('')`, `.concat`, `.replace`, `.slice`, `buf.toString(enc)`.
 */
export function applyStringMethod(receiver: Value, method: string, args: readonly Value[]): Value {
  if (receiver.k === 'str') {
    const v = receiver.v;
    switch (method) {
      case 'split': {
        const sep = asString(args[0]);
        if (sep === undefined || v.length > MAX_ARRAY) return UNKNOWN;
        return { k: 'arr', items: v.split(sep).map((p) => ({ k: 'str', v: p, m: true }) as Value), m: true };
      }
      case 'concat': {
        const rest = strings(args);
        return rest === undefined ? UNKNOWN : s(v + rest.join(''));
      }
      case 'toString':
      case 'valueOf':
        return s(v);
      case 'toLowerCase':
        return s(v.toLowerCase());
      case 'toUpperCase':
        return s(v.toUpperCase());
      case 'trim':
        return s(v.trim());
      case 'replace':
      case 'replaceAll': {
        const from = asString(args[0]);
        const to = asString(args[1]);
        if (from === undefined || to === undefined) return UNKNOWN;
        return s(method === 'replace' ? v.replace(from, () => to) : v.split(from).join(to));
      }
      case 'slice':
      case 'substring':
      case 'substr': {
        const a = args.length > 0 ? asInt(args[0]) : 0;
        const b = args.length > 1 ? asInt(args[1]) : undefined;
        if (a === undefined || (args.length > 1 && b === undefined)) return UNKNOWN;
        return s(method === 'slice' ? v.slice(a, b) : method === 'substring' ? v.substring(a, b) : v.substr(a, b));
      }
      default:
        return UNKNOWN;
    }
  }
  if (receiver.k === 'arr') {
    switch (method) {
      case 'join': {
        const parts = strings(receiver.items);
        const sep = args.length === 0 ? ',' : asString(args[0]);
        return parts === undefined || sep === undefined ? UNKNOWN : s(parts.join(sep));
      }
      case 'reverse':
        return { k: 'arr', items: [...receiver.items].reverse(), m: true };
      default:
        return UNKNOWN;
    }
  }
  if (receiver.k === 'bytes' && method === 'toString') {
    const enc = args.length === 0 ? 'utf8' : asString(args[0]);
    if (enc === undefined || !ENCODINGS.has(enc.toLowerCase())) return UNKNOWN;
    return s(receiver.v.toString(enc.toLowerCase() as BufferEncoding));
  }
  return UNKNOWN;
}

/** Applies a runtime decoder (`String.fromCharCode`, `atob`, `Buffer.from`) to folded arguments. */
export function decode(kind: string, args: readonly Value[]): Value {
  switch (kind) {
    case 'charCodes': {
      if (args.length > MAX_ARRAY) return UNKNOWN;
      const codes: number[] = [];
      for (const a of args) {
        const n = asInt(a);
        if (n === undefined || n < 0 || n > 0x10ffff) return UNKNOWN;
        codes.push(n);
      }
      let out = '';
      for (let i = 0; i < codes.length; i += 4096) out += String.fromCodePoint(...codes.slice(i, i + 4096));
      return s(out);
    }
    case 'base64': {
      const text = asString(args[0]);
      return text === undefined ? UNKNOWN : s(Buffer.from(text, 'base64').toString('latin1'));
    }
    case 'uriComponent':
    case 'uri':
    case 'legacyUnescape': {
      const text = asString(args[0]);
      if (text === undefined) return UNKNOWN;
      try {
        return s(kind === 'uriComponent' ? decodeURIComponent(text) : kind === 'uri' ? decodeURI(text) : unescape(text));
      } catch {
        // A malformed escape throws at run time: no name comes out of it.
        return UNKNOWN;
      }
    }
    case 'bufferFrom': {
      const first = args[0];
      if (first?.k === 'arr') {
        const bytes: number[] = [];
        for (const item of first.items) {
          const n = asInt(item);
          if (n === undefined) return UNKNOWN;
          bytes.push(n & 0xff);
        }
        return { k: 'bytes', v: Buffer.from(bytes), m: true };
      }
      const text = asString(first);
      const enc = args.length > 1 ? asString(args[1]) : 'utf8';
      if (text === undefined || enc === undefined || !ENCODINGS.has(enc.toLowerCase())) return UNKNOWN;
      if (text.length > MAX_STRING) return UNKNOWN;
      return { k: 'bytes', v: Buffer.from(text, enc.toLowerCase() as BufferEncoding), m: true };
    }
    default:
      return UNKNOWN;
  }
}
