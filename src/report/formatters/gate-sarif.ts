import type { GateNotice, GatePackage, GateReport, GateViolation } from '../../contract/index.js';
import { gateAllowed, gateChange, gatePackageOf, gateSourceOf, sortEvidence, sortGateViolations } from './gate-parts.js';
import { formatSarifLog, sarifLocation, sarifRules, type SarifOptions } from './sarif.js';

function violationText(v: GateViolation, p: GatePackage | undefined): string {
  if (p === undefined) return v.message;
  const subject = `${v.package} (${gateChange(p)})`;
  const path = v.via.length > 1 ? ` Dependency path: ${v.via.join(' › ')}.` : ' A direct dependency.';
  if (v.kind === 'incomplete') {
    return `${subject} was not fully analysed (${p.status}: ${p.error ?? 'no reason given'}); the gate fails on what it cannot analyse unless --allow-incomplete is given. Policy rule "${v.rule}".${path}`;
  }
  const capability = v.capability ?? '';
  const source = gateSourceOf(p, capability);
  const verb = v.kind === 'gained' ? 'gained' : 'has';
  const strict = v.kind === 'unallowed' ? ' (strict mode)' : '';
  const evidence = sortEvidence(p.evidence).filter((e) => e.capability === capability).map((e) => `${e.file}:${e.line} (${e.api})`);
  const where = evidence.length === 0 ? '' : ` Evidence: ${evidence.join('; ')}.`;
  return `${subject} ${verb} ${capability}${source === '' ? '' : ` ${source}`}, which policy rule "${v.rule}" does not allow${strict}; it allows ${gateAllowed(p)}.${path}${where}`;
}

function noticeText(n: GateNotice, p: GatePackage | undefined): string {
  const evidence = p === undefined ? [] : sortEvidence(p.evidence).filter((e) => e.capability === n.capability).map((e) => `${e.file}:${e.line} (${e.api})`);
  const subject = p === undefined ? n.package : `${n.package} (${gateChange(p)})`;
  const path = n.via.length > 1 ? ` Dependency path: ${n.via.join(' › ')}.` : ' A direct dependency.';
  return `${subject} gained ${n.capability}: a notice, not a failure, because without a policy file only high and critical capabilities fail the gate.${path}${evidence.length === 0 ? '' : ` Evidence: ${evidence.join('; ')}.`}`;
}

/**
 * SARIF 2.1.0 of the gate for code scanning: the catalog rules plus `incomplete`, one `error` result per
 * violation at the package's line in the head lockfile (a violation fails the gate whatever the
 * capability's severity; the rules keep the catalog levels), then one `note` result per notice. Fingerprints hold the package name, the
 * capability and the kind, not the version: the same finding on the next push is the same alert.
 */
export function formatGateSarif(report: GateReport, options: SarifOptions): string {
  const rules = sarifRules({
    id: 'incomplete',
    name: 'Incomplete',
    shortDescription: { text: 'A changed dependency could not be (fully) analysed; what it can do is unknown.' },
    fullDescription: { text: 'The gate fails closed: code it could not analyse may hold any capability. Fix the cause, or accept it with --allow-incomplete.' },
    defaultConfiguration: { level: 'error' },
    properties: { severity: 'high' },
  });
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const results = sortGateViolations(report.violations).map((v) => {
    const ruleId = v.kind === 'incomplete' ? 'incomplete' : (v.capability ?? 'incomplete');
    const index = ruleIndex.get(ruleId);
    const p = gatePackageOf(report, v);
    return {
      ruleId,
      ...(index === undefined ? {} : { ruleIndex: index }),
      level: 'error' as const,
      message: { text: violationText(v, p) },
      locations: sarifLocation(options.lockfileUri, v.line),
      partialFingerprints: { 'depcaps/gate/v1': `${v.name}:${v.capability ?? ''}:${v.kind}` },
      properties: {
        package: v.name,
        version: v.version,
        ...(p?.from === undefined ? {} : { from: p.from }),
        ...(p === undefined ? {} : { change: p.change, dev: p.dev }),
        kind: v.kind,
        rule: v.rule,
        via: v.via,
      },
    };
  });
  const notices = [...(report.notices ?? [])]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || (a.capability < b.capability ? -1 : 1))
    .map((n) => {
      const index = ruleIndex.get(n.capability);
      const p = report.packages.find((x) => x.name === n.name && x.to === n.version);
      return {
        ruleId: n.capability,
        ...(index === undefined ? {} : { ruleIndex: index }),
        level: 'note' as const,
        message: { text: noticeText(n, p) },
        locations: sarifLocation(options.lockfileUri, n.line),
        partialFingerprints: { 'depcaps/gate/v1': `${n.name}:${n.capability}:notice` },
        properties: { package: n.name, version: n.version, ...(p?.from === undefined ? {} : { from: p.from }), ...(p === undefined ? {} : { change: p.change, dev: p.dev }), kind: 'notice', rule: n.rule, via: n.via },
      };
    });
  return formatSarifLog({ ...options, automationId: 'depcaps/gate/' }, rules, [...results, ...notices]);
}
