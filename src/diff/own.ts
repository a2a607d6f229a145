import type { DiffFinding, DiffReport, DiffSide, Finding, ScanReport, ScanStatus } from '../contract/index.js';

/** The excerpt as it identifies a piece of code: whitespace and cut markers do not matter. */
function normalise(excerpt: string): string {
  return excerpt.replace(/^…|…$/g, '').replace(/\s+/g, '').replace(/;+$/, '');
}

function take(buckets: Map<string, Finding[]>, key: string): Finding | undefined {
  const list = buckets.get(key);
  const f = list?.pop();
  if (list && list.length === 0) buckets.delete(key);
  return f;
}

function bucket(findings: readonly Finding[], key: (f: Finding) => string): Map<string, Finding[]> {
  const out = new Map<string, Finding[]>();
  for (const f of findings) {
    const k = key(f);
    const list = out.get(k);
    if (list) list.push(f);
    else out.set(k, [f]);
  }
  return out;
}

function strip(f: Finding): DiffFinding {
  return { capability: f.capability, api: f.api, file: f.file, line: f.line, column: f.column, excerpt: f.excerpt, confidence: f.confidence };
}

/**
 * Findings new in `to` and gone from `from`. Findings are matched by (capability, api, file, normalised
 * excerpt), not by line, so code that moved within a file is not new; what is left is then matched
 * without the file, so a renamed file or code moved between files is not new either.
 */
export function diffFindings(from: readonly Finding[], to: readonly Finding[]): { newFindings: DiffFinding[]; goneFindings: DiffFinding[] } {
  const withFile = (f: Finding) => `${f.capability}\0${f.api}\0${f.file}\0${normalise(f.excerpt)}`;
  const withoutFile = (f: Finding) => `${f.capability}\0${f.api}\0${normalise(f.excerpt)}`;
  const old = bucket(from, withFile);
  const unmatched: Finding[] = [];
  for (const f of to) if (take(old, withFile(f)) === undefined) unmatched.push(f);
  const oldLeft = bucket([...old.values()].flat(), withoutFile);
  const added: Finding[] = [];
  for (const f of unmatched) if (take(oldLeft, withoutFile(f)) === undefined) added.push(f);
  const gone = [...oldLeft.values()].flat();
  const order = (a: Finding, b: Finding) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column);
  return { newFindings: added.sort(order).map(strip), goneFindings: gone.sort(order).map(strip) };
}

/** Capabilities added, removed and kept between two sorted sets. */
export function diffCapabilities(from: readonly string[], to: readonly string[]): { added: string[]; removed: string[]; unchanged: string[] } {
  const a = new Set(from);
  const b = new Set(to);
  return {
    added: [...b].filter((c) => !a.has(c)).sort(),
    removed: [...a].filter((c) => !b.has(c)).sort(),
    unchanged: [...b].filter((c) => a.has(c)).sort(),
  };
}

const STATUS_ORDER: readonly ScanStatus[] = ['ok', 'partial', 'error'];

/** Each side's analysis status and file errors, and the worse of the two statuses. */
export function diffSides(from: Pick<ScanReport, 'status' | 'errors'>, to: Pick<ScanReport, 'status' | 'errors'>): Pick<DiffReport, 'status' | 'sides'> {
  const side = (r: Pick<ScanReport, 'status' | 'errors'>): DiffSide => ({ status: r.status, errors: r.errors });
  const status = STATUS_ORDER[Math.max(STATUS_ORDER.indexOf(from.status), STATUS_ORDER.indexOf(to.status))] ?? 'error';
  return { status, sides: { from: side(from), to: side(to) } };
}

/** The own-code part of a diff of two scans: capabilities, findings, and how completely each side was analysed. */
export function diffOwn(from: ScanReport, to: ScanReport): Pick<DiffReport, 'added' | 'removed' | 'unchanged' | 'newFindings' | 'goneFindings' | 'status' | 'sides'> {
  return { ...diffCapabilities(from.capabilities, to.capabilities), ...diffFindings(from.findings, to.findings), ...diffSides(from, to) };
}
