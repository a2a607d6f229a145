import { catalog, type Severity } from '../../../capabilities/index.js';
import type { AuditReport } from '../../contract/index.js';

/** SARIF level of a catalog severity: what code scanning shows as error, warning or note. */
export const SARIF_LEVEL: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = { critical: 'error', high: 'error', medium: 'warning', low: 'note' };

/** A `reportingDescriptor` as depcaps writes it. */
export interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  defaultConfiguration: { level: 'error' | 'warning' | 'note' };
  properties: { severity: Severity };
}

/** Options of the SARIF formatter. */
export interface SarifOptions {
  toolVersion: string;
  /** The lockfile path as artifacts should name it (relative to the repository root). */
  lockfileUri: string;
}

/** The SARIF level of a capability id, from its catalog severity (`warning` for ids the catalog lacks). */
export function sarifLevel(capability: string): 'error' | 'warning' | 'note' {
  const severity = catalog.find((c) => c.id === capability)?.severity;
  return severity === undefined ? 'warning' : SARIF_LEVEL[severity];
}

/** One rule per catalog capability, in catalog order, followed by `extra` (e.g. the rule for unanalysed packages). */
export function sarifRules(...extra: SarifRule[]): SarifRule[] {
  return [
    ...catalog.map((c) => ({
      id: c.id,
      name: c.title.replace(/[^A-Za-z0-9]/g, ''),
      shortDescription: { text: c.description },
      fullDescription: { text: c.docs },
      defaultConfiguration: { level: SARIF_LEVEL[c.severity] },
      properties: { severity: c.severity },
    })),
    ...extra,
  ];
}

/** A result location: the package's entry in the lockfile (SARIF lines are 1-based, so never below 1). */
export function sarifLocation(lockfileUri: string, line: number) {
  return [{ physicalLocation: { artifactLocation: { uri: lockfileUri }, region: { startLine: Math.max(1, line) } } }];
}

/**
 * A complete SARIF 2.1.0 log of one depcaps run, serialised with a trailing newline. `automationId`
 * (`runAutomationDetails.id`) gives the run its own code-scanning category, so that uploading one kind of
 * depcaps result does not close the alerts of another.
 */
export function formatSarifLog(options: SarifOptions & { automationId?: string }, rules: SarifRule[], results: unknown[]): string {
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'depcaps', version: options.toolVersion, informationUri: 'https://www.npmjs.com/package/depcaps', rules } },
        ...(options.automationId === undefined ? {} : { automationDetails: { id: options.automationId } }),
        artifacts: [{ location: { uri: options.lockfileUri } }],
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

/**
 * SARIF 2.1.0 for code scanning: one rule per capability, one result per (package, capability), located
 * at the package's entry in the lockfile; packages that could not be analysed are results too.
 */
export function formatAuditSarif(report: AuditReport, options: SarifOptions): string {
  const rules = sarifRules({
    id: 'not-analysed',
    name: 'NotAnalysed',
    shortDescription: { text: 'A package could not be (fully) analysed; its capabilities may be incomplete.' },
    fullDescription: { text: 'depcaps reports what it could not analyse instead of treating it as harmless.' },
    defaultConfiguration: { level: 'warning' },
    properties: { severity: 'medium' },
  });
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const results = [];
  for (const p of report.packages) {
    const id = `${p.name}@${p.version}`;
    for (const cap of p.capabilities) {
      const evidence = p.evidence.filter((e) => e.capability === cap).map((e) => `${e.file}:${e.line} ${e.api}`);
      results.push({
        ruleId: cap,
        ruleIndex: ruleIndex.get(cap) ?? 0,
        level: sarifLevel(cap),
        message: { text: `${id} uses ${cap} (${p.counts[cap] ?? 0} finding${p.counts[cap] === 1 ? '' : 's'}${evidence.length > 0 ? `: ${evidence.join('; ')}` : ''})` },
        locations: sarifLocation(options.lockfileUri, p.line),
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
        locations: sarifLocation(options.lockfileUri, p.line),
        partialFingerprints: { 'depcaps/v1': `${id}:not-analysed` },
        properties: { package: p.name, version: p.version, dev: p.dev },
      });
    }
  }
  return formatSarifLog(options, rules, results);
}
