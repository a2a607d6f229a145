import type { GateNotice, GatePackage, GateReport, GateViolation } from '../../contract/index.js';
import { gateAllowed, gateChange, gatePackageOf, gateSourceOf, installScriptLine, RUNS_WORDS, sortEvidence, sortGateNotices, sortGateViolations, startsAtInstall } from './gate-parts.js';
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
  const when = v.runs === undefined ? '' : ` ${RUNS_WORDS[v.runs]}`;
  const evidence = sortEvidence(p.evidence).filter((e) => e.capability === capability).map((e) => `${e.file}:${e.line} (${e.api}${e.runs === undefined ? '' : `, ${RUNS_WORDS[e.runs]}`})`);
  const where = evidence.length === 0 ? '' : ` Evidence: ${evidence.join('; ')}.`;
  const starts = startsAtInstall(p) ? ` It now runs code at install: ${installScriptLine(p, 300)}.` : '';
  return `${subject} ${verb} ${capability}${when}${source === '' ? '' : ` ${source}`}, which policy rule "${v.rule}" does not allow${v.runs === 'install' && p.policy.allowedAtInstall !== undefined ? ' at install' : ''}${strict}; it allows ${gateAllowed(p)}.${starts}${path}${where}`;
}

function noticeText(n: GateNotice, p: GatePackage | undefined): string {
  const evidence = p === undefined ? [] : sortEvidence(p.evidence).filter((e) => e.capability === n.capability).map((e) => `${e.file}:${e.line} (${e.api})`);
  const subject = p === undefined ? n.package : `${n.package} (${gateChange(p)})`;
  const path = n.via.length > 1 ? ` Dependency path: ${n.via.join(' › ')}.` : ' A direct dependency.';
  const why = n.why === 'unreached'
    ? 'only code that no entry point, bin or script reaches uses it (tests, examples, build tools); --strict fails on it'
    : 'without a policy file only high and critical capabilities fail the gate';
  return `${subject} gained ${n.capability}${n.runs === undefined ? '' : ` ${RUNS_WORDS[n.runs]}`}: a notice, not a failure, because ${why}.${path}${evidence.length === 0 ? '' : ` Evidence: ${evidence.join('; ')}.`}`;
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
        ...(v.runs === undefined ? {} : { runs: v.runs }),
        rule: v.rule,
        via: v.via,
      },
    };
  });
  const notices = sortGateNotices(report.notices ?? [])
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
        properties: {
          package: n.name, version: n.version, ...(p?.from === undefined ? {} : { from: p.from }), ...(p === undefined ? {} : { change: p.change, dev: p.dev }), kind: 'notice',
          ...(n.runs === undefined ? {} : { runs: n.runs }), ...(n.why === undefined ? {} : { why: n.why }), rule: n.rule, via: n.via,
        },
      };
    });
  return formatSarifLog({ ...options, automationId: 'depcaps/gate/' }, rules, [...results, ...notices]);
}
