import { catalog } from '../../../capabilities/index.js';
import type { HistoryReport, HistoryVersion } from '../../contract/index.js';
import { makeStyle, type Style } from './style.js';

/** Options of the history timeline. */
export interface HistoryTextOptions {
  color?: boolean;
  /** Line width to fit (default 80): long notes move to their own line. */
  width?: number;
}

/** Column headers: short enough that all eight capabilities and a version fit in 80 columns. */
const ABBREVIATIONS: Record<string, string> = {
  network: 'net',
  filesystem: 'fs',
  shell: 'shell',
  eval: 'eval',
  env: 'env',
  'install-script': 'inst',
  native: 'native',
  'dynamic-require': 'dyn',
  'global-tamper': 'tamper',
  obfuscated: 'obf',
};
const COLUMN_ORDER = Object.keys(ABBREVIATIONS);
const VERSION_WIDTH = 20;
const DATE_WIDTH = 10;
const GAP = '  ';
/** Between marker columns one space is enough: the headers are short words. */
const MARKER_GAP = ' ';

const severityOf = new Map(catalog.map((c) => [c.id, c.severity]));

/** A row of the timeline: one version, or a run of versions where nothing changed. */
interface Row {
  label: string;
  date: string;
  /** Capability → marker (`+`, `●`, `-`, `?`). */
  markers: Map<string, string>;
  note: string;
}

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

function day(iso: string | undefined): string {
  return iso?.slice(0, 10) ?? '';
}

/** A version worth its own row: the first one, a change, or a version that was not (fully) analysed. */
function notable(v: HistoryVersion, index: number): boolean {
  return index === 0 || v.added.length > 0 || v.removed.length > 0 || v.error !== undefined || (v.status !== undefined && v.status !== 'ok');
}

function versionRow(v: HistoryVersion, columns: readonly string[]): Row {
  const markers = new Map<string, string>();
  for (const cap of columns) {
    if (v.error !== undefined) markers.set(cap, '?');
    else if (v.added.includes(cap)) markers.set(cap, '+');
    else if (v.removed.includes(cap)) markers.set(cap, '-');
    else if (v.capabilities.includes(cap)) markers.set(cap, '●');
  }
  const notes: string[] = [];
  if (v.error !== undefined) notes.push(`error: ${v.error}`);
  else if (v.status === 'partial') notes.push('partial: some files not fully analysed');
  if (v.deprecated !== undefined) notes.push(`deprecated: ${v.deprecated}`);
  return { label: v.version, date: day(v.published), markers, note: notes.join('; ') };
}

function runRow(run: readonly HistoryVersion[], columns: readonly string[]): Row {
  const first = run[0]!;
  const last = run[run.length - 1]!;
  const markers = new Map<string, string>();
  for (const cap of columns) if (first.capabilities.includes(cap)) markers.set(cap, '●');
  const deprecated = run.filter((v) => v.deprecated !== undefined).length;
  const note = `(${run.length} versions, no change${deprecated > 0 ? `; ${deprecated} deprecated` : ''})`;
  return { label: `${first.version} … ${last.version}`, date: day(first.published), markers, note };
}

/** Rows: notable versions alone, unchanged runs of two or more folded into one row. */
function rowsOf(versions: readonly HistoryVersion[], columns: readonly string[]): Row[] {
  const rows: Row[] = [];
  let run: HistoryVersion[] = [];
  const flush = () => {
    if (run.length === 1) rows.push(versionRow(run[0]!, columns));
    else if (run.length > 1) rows.push(runRow(run, columns));
    run = [];
  };
  versions.forEach((v, i) => {
    if (notable(v, i)) {
      flush();
      rows.push(versionRow(v, columns));
    } else run.push(v);
  });
  flush();
  return rows;
}

function paint(s: Style, cap: string, marker: string): string {
  if (marker === '+') return s.severity(severityOf.get(cap) ?? 'low', s.bold(marker));
  if (marker === '-' || marker === '?') return s.dim(marker);
  return marker;
}

/**
 * Human timeline of a history: one row per version where something changed (runs of unchanged versions
 * folded into one row), a marker column per capability seen anywhere, then when each capability first
 * appeared. Fits `width` (80) columns; long notes get their own line.
 */
export function formatHistoryText(report: HistoryReport, options: HistoryTextOptions = {}): string {
  const s = makeStyle(options.color ?? false);
  const width = options.width ?? 80;
  const versions = report.versions;
  const lines: string[] = [];
  const analysed = versions.filter((v) => v.error === undefined);
  const span = versions.length > 0 ? `, ${versions[0]!.version} … ${versions[versions.length - 1]!.version}` : '';
  const dates = versions.map((v) => day(v.published)).filter(Boolean);
  const when = dates.length > 0 ? ` (${dates[0]} … ${dates[dates.length - 1]})` : '';
  lines.push(`${s.bold(report.name)}: ${versions.length} version${versions.length === 1 ? '' : 's'}${span}${when}`);
  if (versions.length === 0) {
    lines.push('no published versions match');
  } else {
    const seen = new Set(versions.flatMap((v) => v.capabilities));
    const columns = [...COLUMN_ORDER.filter((c) => seen.has(c)), ...[...seen].filter((c) => !COLUMN_ORDER.includes(c)).sort()];
    const header = (cap: string) => ABBREVIATIONS[cap] ?? cap.slice(0, 6);
    const rows = rowsOf(versions, columns);
    const labelWidth = Math.min(VERSION_WIDTH, Math.max(7, ...rows.map((r) => r.label.length)));
    const lead = (label: string, date: string) => `${clip(label, labelWidth).padEnd(labelWidth)}${GAP}${date.padEnd(DATE_WIDTH)}`;
    const markersWidth = GAP.length + columns.reduce((n, c) => n + header(c).length, 0) + MARKER_GAP.length * (columns.length - 1);
    const noteAt = labelWidth + GAP.length + DATE_WIDTH + markersWidth + GAP.length;
    lines.push('');
    lines.push(s.bold(`${lead('version', 'date')}${GAP}${columns.map(header).join(MARKER_GAP)}`.trimEnd()));
    for (const row of rows) {
      const cells = columns.map((c) => paint(s, c, row.markers.get(c) ?? ' ') + ' '.repeat(header(c).length - 1));
      const line = `${lead(row.label, row.date)}${GAP}${cells.join(MARKER_GAP)}`;
      if (row.note === '') lines.push(line.trimEnd());
      else if (noteAt + row.note.length <= width) lines.push(`${line}${GAP}${s.dim(row.note)}`);
      else lines.push(line.trimEnd(), `${' '.repeat(4)}${s.dim(clip(`↳ ${row.note}`, width - 4))}`);
    }
  }
  const caps = Object.keys(report.firstSeen);
  if (caps.length > 0) {
    lines.push('');
    const capWidth = Math.max(...caps.map((c) => c.length));
    const versionWidth = Math.min(VERSION_WIDTH, Math.max(...caps.map((c) => report.firstSeen[c]!.length)));
    const last = analysed[analysed.length - 1];
    for (const cap of caps) {
      const version = report.firstSeen[cap]!;
      const date = day(versions.find((v) => v.version === version)?.published);
      const removedIn = last && !last.capabilities.includes(cap) ? [...analysed].reverse().find((v) => v.removed.includes(cap))?.version : undefined;
      const tail = [date, removedIn !== undefined ? `removed in ${clip(removedIn, VERSION_WIDTH)}` : ''].filter(Boolean).join(', ');
      lines.push(clip(`first seen: ${cap.padEnd(capWidth)}  ${clip(version, versionWidth).padEnd(versionWidth)}  ${tail}`.trimEnd(), width));
    }
  }
  if (report.unpublished && report.unpublished.length > 0) {
    lines.push(clip(`unpublished: ${report.unpublished.join(', ')}`, width));
  }
  if (versions.length > 0) lines.push('', s.dim('+ added  ● present  - removed  ? not analysed'));
  return `${lines.join('\n')}\n`;
}
