import type { GatePackage, GateReport, GateViolation } from '../../contract/index.js';
import type { Runs } from '../../contract/index.js';
import {
  gateBuiltInLine, gateChangeCount, gateChangeCounts, gateNoticesOf, gatePackageOf, gateViolationsOf, installScriptLine, RUNS_WORDS, sortEvidence, sortGatePackages, sortGateViolations, startsAtInstall,
} from './gate-parts.js';

/** Options of the GitHub workflow-command formatter. */
export interface GateGithubOptions {
  /** The lockfile path relative to the repository root: annotations attach to it. */
  lockfileUri: string;
}

/** Escapes a command's message as the Actions toolkit does (`@actions/core` `escapeData`). */
function escapeCommandData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a command property as the Actions toolkit does (`escapeProperty`): also `:` and `,`, the separators. */
function escapeCommandProperty(text: string): string {
  return escapeCommandData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** Control characters other than line breaks shown as `\xNN`: the job log renders ANSI escapes. */
function visible(text: string): string {
  return text.replace(/[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * One workflow command line. Everything after `::` comes from the packages under review, and the runner
 * reads a command from any line that starts with `::`, so a raw line break in a name or an excerpt would
 * let a package issue its own commands: every value is escaped, never trusted.
 */
function command(name: 'error' | 'warning' | 'notice', properties: Record<string, string | number>, message: string): string {
  const props = Object.entries(properties).map(([k, v]) => `${k}=${escapeCommandProperty(visible(String(v)))}`).join(',');
  return `::${name}${props === '' ? '' : ` ${props}`}::${escapeCommandData(visible(message))}`;
}

/** `evidence: install.js:3 https.get (at install)`. */
const evidenceLine = (e: { file: string; line: number; api: string; runs?: Runs }) => `evidence: ${e.file}:${e.line} ${e.api}${e.runs === undefined ? '' : ` (${RUNS_WORDS[e.runs]})`}`;

function violationMessage(v: GateViolation, p: GatePackage | undefined): string {
  const lines = [v.message];
  if (p !== undefined && startsAtInstall(p)) lines.push(`now runs code at install: ${installScriptLine(p, 300)}`);
  if (p !== undefined && v.capability !== undefined) {
    for (const t of p.transitive) if (t.capability === v.capability) lines.push(`via ${t.via.join(' › ')}`);
    for (const e of sortEvidence(p.evidence).filter((x) => x.capability === v.capability)) lines.push(evidenceLine(e));
  }
  if (v.via.length > 1) lines.push(`path: ${v.via.join(' › ')}`);
  lines.push(`policy rule: ${v.rule}`);
  return lines.join('\n');
}

/**
 * GitHub Actions workflow commands: one `::error` annotation per violation at the package's line in the
 * lockfile; with `--allow-incomplete`, a `::warning` per package that was not fully analysed but does not
 * fail the gate (ignored packages stay quiet); a `::notice` per package with notices (capabilities gained
 * that do not fail without a policy file); then one `::notice` with the verdict.
 */
export function formatGateGithub(report: GateReport, options: GateGithubOptions): string {
  const lines: string[] = [];
  for (const v of sortGateViolations(report.violations)) {
    const title = v.kind === 'incomplete'
      ? `depcaps: ${v.package} not fully analysed`
      : v.kind === 'gained'
        ? `depcaps: ${v.package} gained ${v.capability ?? ''}${v.runs === 'install' ? ' at install' : ''}`
        : `depcaps: ${v.package} has ${v.capability ?? ''}${v.runs === 'install' ? ' at install' : ''}, not allowed`;
    lines.push(command('error', { file: options.lockfileUri, line: Math.max(1, v.line), title }, violationMessage(v, gatePackageOf(report, v))));
  }
  if (report.policy.allowIncomplete) {
    for (const p of sortGatePackages(report.packages)) {
      if (p.status === 'ok' || p.policy.ignored || gateViolationsOf(report, p).some((v) => v.kind === 'incomplete')) continue;
      const id = `${p.name}@${p.to ?? p.version}`;
      const message = `${id} was not fully analysed (${p.status}): ${p.error ?? 'no reason given'}\naccepted by --allow-incomplete; its capabilities may be incomplete`;
      lines.push(command('warning', { file: options.lockfileUri, line: Math.max(1, p.line), title: `depcaps: ${id} not fully analysed` }, message));
    }
  }
  for (const p of sortGatePackages(report.packages)) {
    const notices = gateNoticesOf(report, p);
    if (notices.length === 0) continue;
    const id = `${p.name}@${p.to ?? p.version}`;
    const caps = notices.map((n) => n.capability);
    const evidence = sortEvidence(p.evidence).filter((e) => caps.includes(e.capability)).slice(0, 3).map(evidenceLine);
    const change = p.change === 'added' ? 'added' : `${p.change} from ${p.from ?? '?'}`;
    const unreached = notices.filter((n) => n.why === 'unreached').map((n) => n.capability);
    const severity = notices.filter((n) => n.why !== 'unreached').map((n) => n.capability);
    const why = [
      unreached.length > 0 ? `${unreached.join(', ')} only in code no entry point, bin or script reaches (--strict fails on it)` : '',
      severity.length > 0 ? `without a policy file only high and critical capabilities fail the gate` : '',
    ].filter(Boolean).join('; ');
    const first = `${id} (${change}) gained ${caps.join(', ')}: a notice, not a failure; ${why}`;
    const message = [first, ...evidence, ...(p.via.length > 1 ? [`path: ${p.via.join(' › ')}`] : [])].join('\n');
    lines.push(command('notice', { file: options.lockfileUri, line: Math.max(1, p.line), title: `depcaps: ${id} gained ${caps.join(', ')} (notice)` }, message));
  }
  const total = gateChangeCount(report);
  const counts = total === 0 ? '' : ` (${gateChangeCounts(report)})`;
  const verdict = report.verdict === 'fail'
    ? `depcaps gate failed: ${report.violations.length} violation${report.violations.length === 1 ? '' : 's'} in ${total} dependency change${total === 1 ? '' : 's'}${counts}`
    : total === 0
      ? 'depcaps gate passed: no dependency changes'
      : `depcaps gate passed: ${total} dependency change${total === 1 ? '' : 's'}${counts}, allowed by the policy`;
  const notices = (report.notices ?? []).length;
  const builtIn = total === 0 ? undefined : gateBuiltInLine(report);
  const tail = [notices > 0 ? `; ${notices} notice${notices === 1 ? '' : 's'}` : '', builtIn === undefined ? '' : `\n${builtIn}`].join('');
  lines.push(command('notice', { title: 'depcaps gate' }, `${verdict}${tail}`));
  return `${lines.join('\n')}\n`;
}
