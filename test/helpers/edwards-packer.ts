/**
 * Encodes JavaScript in the format of Dean Edwards' packer with base-62 word encoding: the
 * `eval(function(p,a,c,k,e,d){…}('payload',62,n,'w0|w1|…'.split('|'),0,{}))` shape that old libraries and
 * much browser malware ship. Written here because the npm port (`packer`) cannot be installed: it needs
 * jsdom < 4, whose native `contextify` no longer builds on Node 20. `unpackEdwards` reverses it without
 * running anything, so a test can prove the fixture is the real format.
 */

const RADIX = 62;

/** Word index → base-62 code, as the packer's own `e` function computes it. */
function code(index: number): string {
  const head = index < RADIX ? '' : code(Math.floor(index / RADIX));
  const digit = index % RADIX;
  return head + (digit > 35 ? String.fromCharCode(digit + 29) : digit.toString(36));
}

/** Packs `source`: every word replaced by its code, most frequent first, the dictionary appended. */
export function packEdwards(source: string): string {
  const counts = new Map<string, number>();
  for (const word of source.match(/\b\w+\b/g) ?? []) counts.set(word, (counts.get(word) ?? 0) + 1);
  const words = [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || (a < b ? -1 : 1));
  const codes = new Map(words.map((w, i) => [w, code(i)]));
  const payload = source
    .replace(/\b\w+\b/g, (w) => codes.get(w)!)
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(/\r?\n/g, '\\n');
  const boot =
    "function(p,a,c,k,e,d){e=function(c){return(c<a?'':e(parseInt(c/a)))+((c=c%a)>35?String.fromCharCode(c+29):c.toString(36))};" +
    "if(!''.replace(/^/,String)){while(c--){d[e(c)]=k[c]||e(c)}k=[function(e){return d[e]}];e=function(){return'\\\\w+'};c=1};" +
    "while(c--){if(k[c]){p=p.replace(new RegExp('\\\\b'+e(c)+'\\\\b','g'),k[c])}}return p}";
  return `eval(${boot}('${payload}',${RADIX},${words.length},'${words.join('|')}'.split('|'),0,{}))\n`;
}

/** Decodes a `packEdwards` output by reading its arguments (no evaluation). */
export function unpackEdwards(packed: string): string {
  const m = /\}\('((?:[^'\\]|\\.)*)',(\d+),(\d+),'([^']*)'\.split\('\|'\)/.exec(packed);
  if (!m) throw new Error('not a packed script');
  const words = m[4]!.split('|');
  const byCode = new Map(words.map((w, i) => [code(i), w]));
  const payload = m[1]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  return payload.replace(/\b\w+\b/g, (c) => byCode.get(c) ?? c);
}
