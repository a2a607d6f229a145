import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import type { ScriptsOptions } from '../commands/scripts.js';
import type { ApprovalManager } from '../contract/index.js';
import { DepcapsError } from '../errors.js';
import { POLICY_FILE } from '../gate/policy-file.js';
import { addCommonOptions, commonScanOptions, positiveInt, type CommonFlags } from './common.js';
import { type Io, wantsColor, warn, writeFileAtomic, writeReport } from './output.js';
import { bar, progressLine } from './progress.js';

interface ScriptsFlags extends CommonFlags {
  json?: boolean;
  markdown?: boolean;
  write?: string;
  all?: boolean;
  check?: boolean;
  manager?: string;
  omit?: string[];
  concurrency?: string;
  allowMissing?: boolean;
  /** A path, or false for `--no-policy`. */
  policy?: string | false;
}

/** The policy file `scripts` reads: `--policy`, else depcaps.policy.json next to the lockfile, else at the repository root. */
async function findPolicy(flag: string | false | undefined, cwd: string, lockfile: string): Promise<string | undefined> {
  if (flag === false) return undefined;
  if (typeof flag === 'string') return resolve(cwd, flag);
  const candidates = [join(dirname(lockfile), POLICY_FILE)];
  const { gitTopLevel } = await import('../git.js');
  const top = await gitTopLevel(dirname(lockfile));
  if (top !== undefined) candidates.push(join(top, POLICY_FILE));
  return candidates.find((c) => existsSync(c));
}

const MANAGERS = ['npm', 'pnpm', 'bun'];

/** `depcaps scripts [lockfile]`. */
export function registerScripts(program: Command, io: Io, setExit: (code: number) => void): void {
  addCommonOptions(
    program
      .command('scripts')
      .description('install-script inventory: every package whose install runs code, what it runs and what that code can do')
      .argument('[lockfile]', 'lockfile path (default: the one in the current directory)')
      .option('--json', 'print the JSON report')
      .option('--markdown', 'print Markdown (a PR comment or job summary)')
      .option('--check', 'exit 1 when a package runs code at install and nothing approves or allows it')
      .option('--write <manager>', "rewrite npm's allowScripts (package.json) or pnpm's onlyBuiltDependencies for exactly the allowed packages")
      .option('--all', 'with --write: approve every listed package that is not denied (after reviewing the inventory)')
      .option('--manager <name>', 'whose approvals to read: npm, pnpm or bun (default: the lockfile\'s)')
      .option('--policy <file>', `the gate's policy: a package whose install-time code it allows at install (install-script included) counts as approved (default: ${POLICY_FILE} next to the lockfile or at the repository root, if present)`)
      .option('--no-policy', 'ignore the policy file: only the package manager\'s approvals count')
      .option('--omit <kind...>', 'skip dev and/or optional packages, like npm --omit', [])
      .option('--concurrency <n>', 'packages fetched at once', '8')
      .option('--allow-missing', 'exit 0 (not 3) when some packages could not be analysed'),
  ).action(async (lockfileArg: string | undefined, flags: ScriptsFlags) => {
    if (flags.json && flags.markdown) throw new DepcapsError('E_USAGE', 'choose one of --json, --markdown');
    if (flags.write !== undefined && flags.write !== 'npm' && flags.write !== 'pnpm') throw new DepcapsError('E_USAGE', `--write takes npm or pnpm, not "${flags.write}"`);
    if (flags.all && flags.write === undefined) throw new DepcapsError('E_USAGE', '--all approves packages when writing: use it with --write npm|pnpm');
    if (flags.manager !== undefined && !MANAGERS.includes(flags.manager)) throw new DepcapsError('E_USAGE', `--manager takes ${MANAGERS.join(', ')}, not "${flags.manager}"`);
    const omit = (flags.omit ?? []).flatMap((o) => o.split(',')).map((o) => o.trim()).filter(Boolean);
    const badOmit = omit.filter((o) => o !== 'dev' && o !== 'optional');
    if (badOmit.length > 0) throw new DepcapsError('E_USAGE', `--omit takes dev and/or optional, not ${badOmit.join(', ')}`);
    const cwd = process.cwd();
    const lockfile = lockfileArg ? resolve(cwd, lockfileArg) : (await import('../lockfile/index.js')).findLockfile(cwd);
    const quiet = flags.json === true || flags.markdown === true;
    const progress = progressLine(io, !quiet);
    const manager = (flags.manager ?? flags.write) as ApprovalManager | undefined;
    const options: ScriptsOptions = {
      ...commonScanOptions(flags, io),
      omit: omit as ('dev' | 'optional')[],
      concurrency: positiveInt('--concurrency', flags.concurrency) ?? 8,
      ...(manager !== undefined ? { manager } : {}),
      onWarning: (message) => {
        progress.clear();
        warn(io, message);
      },
      onProgress: (p) => progress.update(`${bar(p.done, p.total)} · ${p.cached} cached · ${p.current}`, p.done === p.total),
    };
    // Loaded when the action runs: `--help` and the other commands never pay for them.
    const { approvalWrite, scriptPolicy, scriptsInventory } = await import('../commands/scripts.js');
    const policyPath = await findPolicy(flags.policy, cwd, lockfile);
    if (policyPath !== undefined) {
      const { loadPolicy } = await import('../gate/policy.js');
      const policy = loadPolicy(policyPath, { onWarning: (p) => warn(io, `${policyPath}:${p.line}:${p.column}: ${p.message}`) });
      options.policy = scriptPolicy(policy);
      const rel = relative(cwd, policyPath);
      options.policyPath = rel === '' || rel.startsWith('..') ? policyPath : rel.split(sep).join('/');
    }
    const { failureExitCode } = await import('../commands/lockfile-scan.js');
    let inventory;
    try {
      inventory = await scriptsInventory(lockfile, options);
    } finally {
      progress.clear();
    }
    const { report } = inventory;
    if (flags.write === 'npm' || flags.write === 'pnpm') {
      let write;
      try {
        write = approvalWrite(inventory, flags.write, { all: flags.all === true });
      } catch (err) {
        throw new DepcapsError('E_USAGE', `cannot write ${flags.write} approvals: ${(err as Error).message}`);
      }
      const path = join(inventory.root, write.file);
      if (write.changed) await writeFileAtomic(path, write.text, `${flags.write} approvals`);
      const allowed = report.packages.filter((p) => p.approval === 'approved' || p.approval === 'allowed' || (flags.all === true && p.approval !== 'denied'));
      io.stderr(`depcaps: ${write.changed ? 'wrote' : 'unchanged:'} ${path} (${flags.write === 'npm' ? 'allowScripts' : 'onlyBuiltDependencies'}: ${allowed.length} of ${report.packages.length} packages allowed to run install scripts)\n`);
    }
    const text = flags.json
      ? `${JSON.stringify(report, null, 2)}\n`
      : flags.markdown
        ? (await import('../report/formatters/scripts-markdown.js')).formatScriptsMarkdown(report)
        : (await import('../report/formatters/scripts-text.js')).formatScriptsText(report, { color: wantsColor(io, false, flags.color) && !flags.output });
    await writeReport(io, text, flags.output);
    // After --write --all, what was unreviewed is approved now (denies stay denied).
    const unreviewed = report.packages.filter((p) => p.approval === 'unreviewed' && !(flags.write !== undefined && flags.all));
    if (flags.check && unreviewed.length > 0) {
      const why = (p: (typeof unreviewed)[number]) => (p.policy === undefined ? '' : p.policy.notAllowed.length > 0 ? ` (the policy does not allow ${p.policy.notAllowed.join(', ')} at install)` : p.policy.reason !== undefined ? ` (the policy: ${p.policy.reason})` : '');
      const shown = unreviewed.slice(0, 5).map((p) => `${p.name}@${p.version}${why(p)}`).join(', ');
      const approvedBy = policyPath === undefined ? 'approval' : 'approval or policy allowance';
      warn(io, `--check: ${unreviewed.length} package(s) run code at install without ${approvedBy}: ${shown}${unreviewed.length > 5 ? ', …' : ''}`);
      setExit(1);
    } else if (report.errors.length > 0 && !flags.allowMissing) {
      for (const e of report.errors.slice(0, 10)) warn(io, `${e.package}: ${e.message}`);
      warn(io, `${report.errors.length} package(s) could not be analysed: their install-time code may be missing (--allow-missing to accept)`);
      setExit(failureExitCode(report.errors.map((e) => e.message)));
    } else setExit(0);
  });
}
