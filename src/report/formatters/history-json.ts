import type { HistoryReport } from '../types.js';

/** The CONTRACT.md `history` JSON, pretty-printed, with a trailing newline. */
export function formatHistoryJson(report: HistoryReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
