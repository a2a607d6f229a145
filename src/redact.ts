/**
 * Secret scrubbing for everything depcaps prints, logs or stores.
 *
 * The behaviour follows @npmcli/redact (npm tokens, `Bearer`/`Basic` credentials, JWTs, UUIDs,
 * credentials in URLs) and goes further: URLs lose their userinfo *and* their query string,
 * because registries and proxies put signed tokens in queries. Every quantifier is bounded so
 * the patterns stay linear on hostile input (these strings can come from a registry).
 */

const MASK = '***';

/** `scheme://…` up to whitespace or a quote-like delimiter. */
const URL_PATTERN = /\b[a-z][a-z0-9+.-]{0,31}:\/\/[^\s"'<>`]{1,4096}/gi;
/** npm automation/publish tokens: `npm_` + 36 base62 characters (we accept a wider length). */
const NPM_TOKEN = /\bnpms?_[A-Za-z0-9]{20,256}\b/g;
/** `Authorization` schemes followed by their credential. */
const AUTH_HEADER = /\b(Bearer|Basic)(\s+)[\w+/=.~-]{1,4096}/gi;
/**
 * A JWT: three base64url segments, the first a JSON header (`eyJ` is base64 for `{"`). Anchoring
 * on `eyJ` keeps the scan linear; a generic `[\w-]{10,}\.` start is quadratic on `a-a-a-…`.
 */
const JWT = /\beyJ[A-Za-z0-9_-]{5,512}\.[A-Za-z0-9_-]{2,4096}\.[A-Za-z0-9_-]{16,4096}\b/g;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
/** `.npmrc`-style credentials: `_authToken=…`, `_auth = …`, `_password: "…"`. */
const CONFIG_SECRET = /\b(_authToken|_auth|_password|password|token)("?\s{0,8}[=:]\s{0,8}"?)[^\s"',;&]{1,4096}/gi;

/** Strips userinfo, query string and fragment from one URL; unparseable input is redacted as text. */
export function redactUrl(url: string): string {
  const db = DATABASE_URL.exec(url);
  if (db) return redactDatabaseUrl(db[1]!, db[2]!);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return redactText(url);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:' && parsed.host === '') {
    // `file:`, `data:` and friends: nothing to strip but the query.
    return redactText(url.replace(/[?#].*$/s, ''));
  }
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

/** PostgreSQL URLs (the shared store): userinfo is often left unencoded, so `URL` cannot be trusted with it. */
const DATABASE_URL = /^(postgres(?:ql)?:\/\/)(.*)$/is;

/**
 * A PostgreSQL URL as `postgres://host:port/database`. Passwords in these URLs are often not
 * percent-encoded (`u:p@ss#word@host`), so the host is what follows the LAST `@`, after any
 * `password=` query value is masked; the query is dropped; an authority that looks like
 * `user:password` without an `@` (cut at a space) is masked whole.
 */
function redactDatabaseUrl(scheme: string, rest: string): string {
  let tail = rest.replace(/([?&](?:ssl)?password=)[^&#\s]*/gi, `$1${MASK}`);
  const at = tail.lastIndexOf('@');
  if (at >= 0) tail = tail.slice(at + 1);
  tail = tail.replace(/[?#].*$/s, '');
  const authority = /^[^/]*/.exec(tail)?.[0] ?? '';
  if (at < 0 && /:(?![0-9]*$)/.test(authority)) return `${scheme}${MASK}`;
  return `${scheme}${tail}`;
}

/** Redacts URLs with a regex fallback for strings `URL` refuses (a half-written URL in an error message). */
function redactUrlInText(match: string): string {
  const db = DATABASE_URL.exec(match);
  if (db) return redactDatabaseUrl(db[1]!, db[2]!);
  // Trailing punctuation belongs to the sentence, not to the URL.
  const trail = /[.,;:)\]}]+$/.exec(match)?.[0] ?? '';
  const url = trail ? match.slice(0, -trail.length) : match;
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password || parsed.search || parsed.hash) return redactUrl(url) + trail;
    return url + trail;
  } catch {
    return url.replace(/\/\/[^/\s@]{0,1024}@/, '//').replace(/[?#].*$/s, '') + trail;
  }
}

/** Secrets that are not URLs. */
function redactText(text: string): string {
  return text
    .replace(NPM_TOKEN, `npm_${MASK}`)
    .replace(AUTH_HEADER, (_m, scheme: string, space: string) => `${scheme}${space}${MASK}`)
    .replace(JWT, MASK)
    .replace(UUID, MASK)
    .replace(CONFIG_SECRET, (_m, key: string, sep: string) => `${key}${sep}${MASK}`);
}

/**
 * Removes credentials from free text: userinfo and query strings of URLs, npm tokens,
 * `Bearer`/`Basic` credentials, JWTs, UUIDs and `_authToken=…`-style values.
 */
export function redact(text: string): string {
  if (text === '') return text;
  return redactText(text.replace(URL_PATTERN, redactUrlInText));
}

/**
 * Replaces every occurrence of the given secret values (tokens read from `.npmrc`) with `***`.
 * Pattern-based redaction cannot know a token of arbitrary shape; the config reader can.
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    // Short values (`1`, `true`) would mangle ordinary text and are no real secret.
    if (secret.length < 4) continue;
    out = out.split(secret).join(MASK);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join(MASK);
  }
  return out;
}
