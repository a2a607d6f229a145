/** Terminal styling that is a no-op when colour is off (not a TTY, NO_COLOR, --json). */
export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  severity(severity: string, text: string): string;
}

const wrap = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

const SEVERITY_COLOURS: Record<string, (t: string) => string> = {
  critical: wrap(31, 39),
  high: wrap(35, 39),
  medium: wrap(33, 39),
  low: wrap(36, 39),
};

/** A style with or without ANSI colours. */
export function makeStyle(color: boolean): Style {
  if (!color) return { bold: (t) => t, dim: (t) => t, severity: (_s, t) => t };
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    severity: (s, t) => (SEVERITY_COLOURS[s] ?? ((x: string) => x))(t),
  };
}
