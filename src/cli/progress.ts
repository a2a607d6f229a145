import type { Io } from './output.js';

/** A one-line progress display on stderr. */
export interface ProgressLine {
  /** Redraws the line (throttled; `force` draws now, e.g. for the last step). */
  update(line: string, force?: boolean): void;
  /** Erases the line, before a warning or the report. */
  clear(): void;
}

const SILENT: ProgressLine = { update: () => {}, clear: () => {} };

/**
 * A progress line redrawn in place, at most every `intervalMs` (an audit of 2,000 packages must not
 * write 2,000 lines to a slow terminal), cut to the terminal width. Silent when stderr is not a
 * terminal or when `enabled` is false (`--json`, another machine format).
 */
export function progressLine(io: Io, enabled = true, intervalMs = 80): ProgressLine {
  const tty = io.stderrIsTTY ?? process.stderr.isTTY === true;
  if (!tty || !enabled) return SILENT;
  const columns = Math.max(20, (process.stderr.columns ?? 80) - 1);
  let shown = false;
  let last = 0;
  return {
    update: (line, force = false) => {
      const now = Date.now();
      if (!force && shown && now - last < intervalMs) return;
      last = now;
      io.stderr(`\r\u001b[2K${line.length > columns ? `${line.slice(0, columns - 1)}…` : line}`);
      shown = true;
    },
    clear: () => {
      if (shown) io.stderr('\r\u001b[2K');
      shown = false;
    },
  };
}

/** `[######------] 12/40 · 3 cached · name@1.0.0`. */
export function bar(done: number, total: number, width = 24): string {
  const filled = Math.min(width, Math.round((done / Math.max(1, total)) * width));
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`;
}
