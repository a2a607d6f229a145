import type { CacheQueryReport } from '../../contract/index.js';

/**
 * `depcaps cache query` as text: one line per package version, its matching capabilities with finding
 * counts (and when they run, where recorded), then the totals and what could not be told.
 */
export function formatCacheQueryText(report: CacheQueryReport): string {
  const { query, summary } = report;
  const asked = `${query.capabilities.join(' or ')}${query.runs.length > 0 ? ` at ${query.runs.join(' or ')} time` : ''}`;
  const lines: string[] = [];
  for (const p of report.packages) {
    const caps = Object.entries(p.capabilities)
      .map(([id, c]) => {
        const runs = c.runs ? ` (${Object.entries(c.runs).map(([when, n]) => `${when} ${n}`).join(', ')})` : '';
        return `${id} ${c.findings}${runs}`;
      })
      .join(' · ');
    lines.push(`${p.name}@${p.version}  ${caps}${p.analyzer === query.analyzer ? '' : `  [depcaps ${p.toolVersion}, analyzer ${p.analyzer}]`}`);
  }
  if (lines.length > 0) lines.push('');
  lines.push(`${summary.packages} package version${summary.packages === 1 ? '' : 's'} (${summary.names} name${summary.names === 1 ? '' : 's'}) in ${report.store} with ${asked}`);
  if (summary.unknownRuns > 0) {
    lines.push(`${summary.unknownRuns} more have ${query.capabilities.join(' or ')} in results that do not say when the code runs (analysed by an older depcaps): they may match`);
  }
  return `${lines.join('\n')}\n`;
}
