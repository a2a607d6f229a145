import type { ScriptsPackage, ScriptsReport } from '../../contract/index.js';

/** Characters that would break a Markdown table cell or start markup. */
function cell(text: string): string {
  return text.replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

function code(text: string): string {
  const clean = text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
  const cut = clean.length > 100 ? `${clean.slice(0, 99)}…` : clean;
  return cut.includes('`') ? `\`\` ${cut} \`\`` : `\`${cut}\``;
}

const STATE: Record<ScriptsPackage['approval'], string> = {
  unreviewed: '**unreviewed**',
  denied: 'denied',
  allowed: 'allowed (policy)',
  approved: 'approved',
};

/** The install-script inventory as Markdown (a PR comment or a job summary): one table row per package. */
export function formatScriptsMarkdown(report: ScriptsReport): string {
  const sum = report.summary;
  const lines = [
    '### Install-time code',
    '',
    `${sum.packages} of ${sum.scanned} packages run code when installed: ${sum.unreviewed} unreviewed, ${sum.denied} denied, ${sum.allowed} allowed by the policy, ${sum.approved} approved${sum.errors ? `; ${sum.errors} not analysed` : ''}. Approvals: ${cell(report.approvals.sources.join(', '))}${report.approvals.policy !== undefined ? `; policy ${cell(report.approvals.policy)}` : ''}.`,
  ];
  if (report.packages.length > 0) {
    lines.push('', '| package | approval | scripts | runs | can |', '|---|---|---|---|---|');
    const order = ['unreviewed', 'denied', 'allowed', 'approved'];
    const sorted = [...report.packages].sort((a, b) => order.indexOf(a.approval) - order.indexOf(b.approval));
    for (const p of sorted) {
      const scripts = Object.entries(p.scripts).map(([e, c]) => `${e}: ${code(c)}`).join('<br>');
      const runs = p.runs.length > 0 ? p.runs.slice(0, 4).map(code).join(', ') + (p.runs.length > 4 ? ` … ${p.runs.length - 4} more` : '') : p.programs.map(code).join(', ');
      const can = p.status === 'error' ? 'not analysed' : p.capabilities.length > 0 ? p.capabilities.join(', ') : '—';
      const policy = p.policy !== undefined && !p.policy.allowed && p.policy.notAllowed.length > 0 ? ` (policy: not ${p.policy.notAllowed.map(cell).join(', ')} at install)` : '';
      lines.push(`| ${cell(`${p.name}@${p.version}`)} | ${STATE[p.approval]}${policy} | ${scripts} | ${runs} | ${can} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
