import { describe, expect, it } from 'vitest';
import { formatScanJson } from '../../src/report/formatters/json.js';
import { formatScanText } from '../../src/report/formatters/text.js';
import { CANONICAL_REPORT } from './canonical-report.js';

describe('formatters render the canonical report', () => {
  it('json', async () => {
    const out = formatScanJson(CANONICAL_REPORT);
    expect(JSON.parse(out)).toEqual(CANONICAL_REPORT);
    await expect(out).toMatchFileSnapshot('__snapshots__/scan.json');
  });

  it('text', async () => {
    await expect(formatScanText(CANONICAL_REPORT)).toMatchFileSnapshot('__snapshots__/scan.txt');
  });

  it('text, coloured', async () => {
    const out = formatScanText(CANONICAL_REPORT, { color: true });
    expect(out).toContain('\u001b[31m'); // shell is critical: red
    expect(out.replace(/\u001b\[\d+m/g, '')).toBe(formatScanText(CANONICAL_REPORT));
  });

  it('text, capped per capability', () => {
    const many = { ...CANONICAL_REPORT, findings: Array.from({ length: 13 }, (_, i) => ({ ...CANONICAL_REPORT.findings[0]!, line: i + 1 })) };
    const out = formatScanText(many, { perCapability: 10 });
    expect(out).toContain('… 3 more (--all or --json shows every finding)');
    expect(formatScanText(many, { perCapability: Infinity })).not.toContain('more (--all');
  });
});
