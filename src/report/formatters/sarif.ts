import { catalog } from '../../../capabilities/index.js';
import type { AuditReport } from '../../audit.js';

const LEVEL: Record<string, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note' };

/** Options of the SARIF formatter. */
export interface SarifOptions {
  toolVersion: string;
  /** The lockfile path as artifacts should name it (relative to the repository root). */
  lockfileUri: string;
}

/**
 * SARIF 2.1.0 for code scanning: one rule per capability, one result per (package, capability), located
 * at the package's entry in the lockfile; packages that could not be analysed are results too.
 */
export function formatAuditSarif(report: AuditReport, options: SarifOptions): string {
  const rules = [
    ...catalog.map((c) => ({
      id: c.id,
      name: c.title.replace(/[^A-Za-z0-9]/g, ''),
      shortDescription: { text: c.description },
      fullDescription: { text: c.docs },
      defaultConfiguration: { level: LEVEL[c.severity] ?? 'warning' },
      properties: { severity: c.severity },
    })),
    {
      id: 'not-analysed',
      name: 'NotAnalysed',
      shortDescription: { text: 'A package could not be (fully) analysed; its capabilities may be incomplete.' },
      fullDescription: { text: 'depcaps reports what it could not analyse instead of treating it as harmless.' },
      defaultConfiguration: { level: 'warning' as const },
      properties: { severity: 'medium' },
    },
  ];
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const location = (line: number) => [{ physicalLocation: { artifactLocation: { uri: options.lockfileUri }, region: { startLine: Math.max(1, line) } } }];
  const results = [];
  for (const p of report.packages) {
    const id = `${p.name}@${p.version}`;
    for (const cap of p.capabilities) {
      const evidence = p.evidence.filter((e) => e.capability === cap).map((e) => `${e.file}:${e.line} ${e.api}`);
      results.push({
        ruleId: cap,
        ruleIndex: ruleIndex.get(cap) ?? 0,
        level: LEVEL[catalog.find((c) => c.id === cap)?.severity ?? 'medium'] ?? 'warning',
        message: { text: `${id} uses ${cap} (${p.counts[cap] ?? 0} finding${p.counts[cap] === 1 ? '' : 's'}${evidence.length > 0 ? `: ${evidence.join('; ')}` : ''})` },
        locations: location(p.line),
        partialFingerprints: { 'depcaps/v1': `${id}:${cap}` },
        properties: { package: p.name, version: p.version, dev: p.dev },
      });
    }
    if (p.status !== 'ok') {
      results.push({
        ruleId: 'not-analysed',
        ruleIndex: ruleIndex.get('not-analysed')!,
        level: 'warning' as const,
        message: { text: `${id} was not fully analysed: ${p.error ?? p.status}` },
        locations: location(p.line),
        partialFingerprints: { 'depcaps/v1': `${id}:not-analysed` },
        properties: { package: p.name, version: p.version, dev: p.dev },
      });
    }
  }
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'depcaps', version: options.toolVersion, informationUri: 'https://www.npmjs.com/package/depcaps', rules } },
        artifacts: [{ location: { uri: options.lockfileUri } }],
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
