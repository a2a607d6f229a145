/**
 * Matching the findings of two versions of a package by what they are (capability, API, file and
 * site), never by line: what is left unmatched on the new side is a call site that was not there
 * before. Every step is a multiset match, so a second identical call is still new.
 */
import type { Finding } from '../contract/index.js';
import { canonicalSite, siteOf, type Site } from './site.js';
import { siteDistance } from './similar.js';

/** How a new finding was recognised as an old one. */
export type MatchedBy = 'excerpt' | 'canonical' | 'edited' | 'moved' | 'moved-edited';

/** The result of matching two versions' findings. */
export interface FindingMatch {
  /** Findings of the new version that match none of the old one. */
  added: Finding[];
  /** Findings of the old version that match none of the new one. */
  gone: Finding[];
  /** Each matched pair (the old finding, the new one) and the step that matched it. */
  pairs: { from: Finding; to: Finding; by: MatchedBy }[];
}

/** A finding being matched, with its canonical site computed once (and its tokens when needed). */
interface Entry {
  finding: Finding;
  site: string;
  parsed?: Site;
  /** The site with its numbers kept, for matching across files. */
  parsedWithNumbers?: Site;
}

/** Fewest canonical tokens a line needs to be matched to a similar one in another file: a short line is too common to say it moved. */
const MIN_MOVED_TOKENS = 16;

/** Whether an excerpt was cut from a long line (`…`). */
const isCut = (f: Finding) => f.excerpt.startsWith('…');

/** Most leftovers of one (capability, API, file) compared pairwise: a guard against quadratic work on huge bundles. */
const MAX_PAIRWISE = 200;

/** The excerpt as written: whitespace and cut markers do not matter. */
function literal(excerpt: string): string {
  return excerpt.replace(/^…|…$/g, '').replace(/\s+/g, '').replace(/;+$/, '');
}

/**
 * Pairs leftovers that are one site by siteDistance (a small edit of the line, or the same code
 * around the site), closest pairs first so that two sites on one minified line each find their
 * own twin. Candidates share `group`; larger groups than MAX_PAIRWISE are left alone. `across`:
 * the candidates are in other files, so numbers count and short sites are not compared.
 */
function matchNear(news: Entry[], olds: Entry[], group: (e: Entry) => string, across: boolean): { news: Entry[]; olds: Entry[]; pairs: [Entry, Entry][] } {
  const parse = (e: Entry): Site | undefined => {
    if (e.site === '') return undefined;
    const site = across ? (e.parsedWithNumbers ??= siteOf(e.finding, { numbers: true })) : (e.parsed ??= siteOf(e.finding));
    return across && site.tokens.length < MIN_MOVED_TOKENS ? undefined : site;
  };
  const byGroup = (list: Entry[]) => {
    const out = new Map<string, { e: Entry; site: Site }[]>();
    for (const e of list) {
      const site = parse(e);
      if (!site) continue;
      const list = out.get(group(e));
      if (list) list.push({ e, site });
      else out.set(group(e), [{ e, site }]);
    }
    return out;
  };
  const oldGroups = byGroup(olds);
  const candidates: { n: Entry; o: Entry; d: number }[] = [];
  for (const [key, list] of byGroup(news)) {
    const others = oldGroups.get(key) ?? [];
    if (others.length === 0 || list.length * others.length > MAX_PAIRWISE * MAX_PAIRWISE) continue;
    for (const n of list) {
      for (const o of others) {
        // Across files the code around a site says it moved only on long cut (minified) lines, unchanged.
        const anchored = n.site.anchored && o.site.anchored;
        const mode = !anchored ? 'none' : !across ? 'loose' : isCut(n.e.finding) && isCut(o.e.finding) ? 'exact' : 'none';
        const d = siteDistance(n.site, o.site, mode);
        if (d !== undefined) candidates.push({ n: n.e, o: o.e, d });
      }
    }
  }
  candidates.sort((x, y) => x.d - y.d);
  const used = new Set<Entry>();
  const pairs: [Entry, Entry][] = [];
  for (const { n, o } of candidates) {
    if (used.has(n) || used.has(o)) continue;
    used.add(n).add(o);
    pairs.push([o, n]);
  }
  return { news: news.filter((e) => !used.has(e)), olds: olds.filter((e) => !used.has(e)), pairs };
}

/**
 * Matches the findings of two versions. In order: the excerpt as written; the canonical site in
 * the same file (see canonicalSite: minified and generated names, numbers, versions, sizes, `node:`
 * prefixes, quote styles and build variants taken out); a small edit of the site, or the same code
 * around it, in the same file (see matchNear); then across files (code moved between files): the
 * canonical site with its numbers (a binary of another size elsewhere is another binary), and a
 * small edit of a whole line of at least 16 tokens.
 */
export function matchFindings(from: readonly Finding[], to: readonly Finding[]): FindingMatch {
  const pairs: FindingMatch['pairs'] = [];
  const entry = (finding: Finding): Entry => ({ finding, site: canonicalSite(finding) });
  const what = (e: Entry) => `${e.finding.capability}\0${e.finding.api}`;
  let news = to.map(entry);
  let olds = from.map(entry);

  /** Pairs entries with the same key; returns what is left on each side. */
  const byKey = (by: MatchedBy, key: (e: Entry) => string): void => {
    const buckets = new Map<string, Entry[]>();
    for (const e of olds) {
      const k = key(e);
      const list = buckets.get(k);
      if (list) list.push(e);
      else buckets.set(k, [e]);
    }
    const taken = new Set<Entry>();
    news = news.filter((e) => {
      const twin = buckets.get(key(e))?.shift();
      if (!twin) return true;
      taken.add(twin);
      pairs.push({ from: twin.finding, to: e.finding, by });
      return false;
    });
    olds = olds.filter((e) => !taken.has(e));
  };

  byKey('excerpt', (e) => `${what(e)}\0${e.finding.file}\0${literal(e.finding.excerpt)}`);
  byKey('canonical', (e) => `${what(e)}\0${e.finding.file}\0${e.site}`);

  const near = (by: MatchedBy, group: (e: Entry) => string, across: boolean): void => {
    const r = matchNear(news, olds, group, across);
    news = r.news;
    olds = r.olds;
    for (const [o, n] of r.pairs) pairs.push({ from: o.finding, to: n.finding, by });
  };
  near('edited', (e) => `${what(e)}\0${e.finding.file}`, false);
  byKey('moved', (e) => `${what(e)}\0${canonicalSite(e.finding, { numbers: true })}`);
  near('moved-edited', what, true);
  return { added: news.map((e) => e.finding), gone: olds.map((e) => e.finding), pairs };
}
