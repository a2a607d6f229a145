import type { DiffFinding, DiffReport, DiffSide, Finding, ScanReport, ScanStatus } from '../contract/index.js';
import { matchFindings } from './match.js';

function strip(f: Finding): DiffFinding {
  return { capability: f.capability, api: f.api, file: f.file, line: f.line, column: f.column, excerpt: f.excerpt, confidence: f.confidence };
}

/**
 * Findings new in `to` and gone from `from`, matched by what they are, not by line (see
 * matchFindings): identical code re-reported after a rebuild, a version bump or a one-token edit is
 * neither new nor gone; what is new is a call site that was not there before.
 */
export function diffFindings(from: readonly Finding[], to: readonly Finding[]): { newFindings: DiffFinding[]; goneFindings: DiffFinding[] } {
  const { added, gone } = matchFindings(from, to);
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
