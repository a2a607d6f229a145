import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DepcapsError } from '../errors.js';
import { POLICY_FILE } from '../gate/policy-file.js';
import { addCommonOptions, commonScanOptions, type CommonFlags } from './common.js';
import { type Io, warn, writeReport } from './output.js';
import { bar, progressLine } from './progress.js';

interface InitFlags extends CommonFlags {
  default?: string;
  force?: boolean;
  json?: boolean;
  allowMissing?: boolean;
}

/** `depcaps policy init|check`. */
export function registerPolicy(program: Command, io: Io, setExit: (code: number) => void): void {
  const policy = program.command('policy').description(`the gate's capability policy (${POLICY_FILE})`);

  addCommonOptions(
    policy
      .command('init')
      .description(`write a ${POLICY_FILE} that accepts what the current lockfile's packages can do, install-time code pinned apart (atInstall)`)
      .argument('[lockfile]', 'lockfile path (default: the one in the current directory)')
      .option('--default <list>', 'capabilities every package may have (comma-separated, e.g. env)', '')
      .option('--force', `overwrite an existing ${POLICY_FILE}`)
      .option('--allow-missing', 'write the policy even when some packages could not be analysed')
      .option('--json', 'print a JSON summary instead of text'),
  ).action(async (lockfileArg: string | undefined, flags: InitFlags) => {
    // Loaded when the action runs: `--help` and the other commands never pay for it.
    const [{ auditLockfile }, { initPolicy }, { findLockfile }] = await Promise.all([
      import('../commands/audit.js'),
      import('../gate/policy.js'),
      import('../lockfile/index.js'),
    ]);
    const cwd = process.cwd();
    const target = resolve(cwd, flags.output ?? POLICY_FILE);
    if (existsSync(target) && !flags.force) throw new DepcapsError('E_USAGE', `${target} exists; pass --force to overwrite it`);
    const defaults = (flags.default ?? '').split(',').map((c) => c.trim()).filter(Boolean);
    const lockfile = lockfileArg ? resolve(cwd, lockfileArg) : findLockfile(cwd);
    const progress = progressLine(io, !flags.json);
    let report;
    try {
      report = await auditLockfile(lockfile, {
        ...commonScanOptions(flags, io),
        onProgress: (p) => progress.update(`${bar(p.done, p.total)} · ${p.cached} cached · ${p.current}`, p.done === p.total),
      });
    } finally {
      progress.clear();
    }
    const failed = report.packages.filter((p) => p.status === 'error');
    for (const p of failed) warn(io, `${p.name}@${p.version}: ${p.error ?? 'not analysed'}`);
    if (failed.length > 0 && !flags.allowMissing) {
      throw new DepcapsError('E_LOCKFILE', `${failed.length} package(s) could not be analysed; a policy written now would not cover them`, { hint: 'Fix the errors above, or pass --allow-missing.' });
    }
    const text = initPolicy(report.packages, { default: defaults });
    await writeReport(io, text, target);
    const written = (JSON.parse(text) as { packages: Record<string, { atInstall?: string[] }> }).packages;
    const keys = Object.keys(written);
    const entries = keys.length;
    const globs = keys.filter((k) => k.includes('*'));
    const atInstall = keys.filter((k) => written[k]!.atInstall !== undefined);
    io.stdout(
      flags.json
        ? `${JSON.stringify({ path: target, packages: report.packages.length, entries, families: globs, atInstall, notAnalysed: failed.map((p) => `${p.name}@${p.version}`) }, null, 2)}\n`
        : `wrote ${target}: ${entries} entr${entries === 1 ? 'y' : 'ies'} for ${report.packages.length} packages${globs.length > 0 ? `; platform families as globs: ${globs.join(', ')}` : ''}; install-time code allowed for ${atInstall.length === 0 ? 'none (no package runs code at install)' : atInstall.join(', ')}, nothing else at install\n`,
    );
    setExit(0);
  });

  policy
    .command('check')
    .description(`validate a policy file: syntax, unknown keys, capabilities, ranges`)
    .argument('[file]', `policy file (default: ${POLICY_FILE})`)
    .option('--json', 'print the problems as JSON')
    .action(async (fileArg: string | undefined, flags: { json?: boolean }) => {
      const { parsePolicy } = await import('../gate/policy.js');
      const path = resolve(process.cwd(), fileArg ?? POLICY_FILE);
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (err) {
        throw new DepcapsError('E_POLICY', `could not read the policy ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      const { policy: parsed, problems } = parsePolicy(text, path);
      const errors = problems.filter((p) => p.severity === 'error');
      // How install-time code is judged: apart (atInstall) or like the rest, as before atInstall existed.
      const withAtInstall = parsed.entries.filter((e) => e.atInstall !== undefined).length;
      const apart = parsed.default.atInstall !== undefined || withAtInstall > 0;
      const install = {
        judgedApart: apart,
        ...(parsed.default.atInstall !== undefined ? { default: parsed.default.atInstall } : {}),
        entries: withAtInstall,
      };
      const installWords = !apart
        ? 'install-time code judged like the rest (no atInstall)'
        : parsed.default.atInstall !== undefined
          ? `install-time code judged apart: by default ${parsed.default.atInstall.length > 0 ? parsed.default.atInstall.join(', ') : 'nothing'}, ${withAtInstall} ${withAtInstall === 1 ? 'entry allows' : 'entries allow'} more`
          : `install-time code judged apart in ${withAtInstall} ${withAtInstall === 1 ? 'entry' : 'entries'}`;
      if (flags.json) {
        io.stdout(`${JSON.stringify({ path, valid: errors.length === 0, entries: parsed.entries.length, ignore: parsed.ignore.length, atInstall: install, problems }, null, 2)}\n`);
      } else {
        for (const p of problems) io.stderr(`${path}:${p.line}:${p.column}: ${p.severity}: ${p.message}${p.path ? ` (at ${p.path})` : ''}\n`);
        if (errors.length === 0) io.stdout(`${path}: valid (${parsed.entries.length} entries, ${parsed.ignore.length} ignored; ${installWords})\n`);
      }
      setExit(errors.length === 0 ? 0 : 2);
    });
}
