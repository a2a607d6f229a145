import type { ScanReport } from '../../contract/index.js';

/** The CONTRACT.md JSON, pretty-printed, with a trailing newline. */
export function formatScanJson(report: ScanReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
