import { Command, CommanderError } from 'commander';
import { isDepcapsError } from '../errors.js';
import { redact } from '../redact.js';
import { toolVersion } from '../version.js';
import { type Io, processIo } from './output.js';
import { registerAudit } from './audit.js';
import { registerCache } from './cache.js';
import { registerHistory } from './history.js';
import { registerDiff } from './diff.js';
import { registerGate } from './gate.js';
import { registerPolicy } from './policy.js';
import { registerScan } from './scan.js';
import { registerScripts } from './scripts.js';

/**
 * Runs the CLI and returns the exit code (CONTRACT.md: 0 ok, 1 policy violation, 2 usage or input
 * error, 3 network or internal failure). Never calls process.exit.
 *
 * Start-up is module loading: the files imported here hold commander wiring only, and each command's
 * action imports its library module, formatters and heavy dependencies when it runs (a test traces
 * what `--help` and warm runs load).
 */
export async function run(argv: readonly string[], io: Io = processIo()): Promise<number> {
  let exitCode = 0;
  const debug = argv.includes('--debug');
  const program = new Command();
  program
    .name('depcaps')
    .description('What can your npm dependencies do, and what changed?')
    .version(toolVersion())
    .option('--debug', 'print stack traces of internal errors')
    .exitOverride()
    .configureOutput({ writeOut: (t) => io.stdout(t), writeErr: (t) => io.stderr(t) });
  registerScan(program, io, (code) => (exitCode = code));
  registerCache(program, io, (code) => (exitCode = code));
  registerHistory(program, io, (code) => (exitCode = code));
  registerDiff(program, io, (code) => (exitCode = code));
  registerAudit(program, io, (code) => (exitCode = code));
  registerGate(program, io, (code) => (exitCode = code));
  registerPolicy(program, io, (code) => (exitCode = code));
  registerScripts(program, io, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv as string[]);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    const seen = new Set<string>();
    const say = (line: string) => {
      const clean = redact(line);
      if (!seen.has(clean)) io.stderr(`${clean}\n`);
      seen.add(clean);
    };
    if (isDepcapsError(err)) {
      say(`depcaps: ${err.message}`);
      if (err.hint) say(`hint: ${err.hint}`);
      if (debug && err.stack) say(err.stack);
      return err.exitCode;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    say(`depcaps: internal error: ${e.message}`);
    if (debug && e.stack) say(e.stack);
    else say('hint: run again with --debug for the stack trace, and report it');
    return 3;
  }
}
