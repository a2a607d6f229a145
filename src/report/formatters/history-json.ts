import type { HistoryReport } from '../../contract/index.js';

/** The CONTRACT.md `history` JSON, pretty-printed, with a trailing newline. */
export function formatHistoryJson(report: HistoryReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
