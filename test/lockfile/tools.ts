/**
 * Running real package managers against the local registry, for lockfile tests and for
 * regenerating the checked-in fixtures. Always asynchronous: the registry answers from this
 * process, so a synchronous child would deadlock it. Every child has a timeout.
 */
import { execFile } from 'node:child_process';

/** Output of a finished command. */
export interface ToolRun {
  stdout: string;
  stderr: string;
}

/**
 * Runs `cmd args` in `cwd` with exactly `env`, killing it after `timeoutMs`.
 * @throws Error with the command's stderr when it fails or times out.
 */
export function runTool(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: opts.cwd, env: opts.env, timeout: opts.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr.slice(-2000)}\n${stdout.slice(-2000)}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** npm's flags for writing a lockfile only, against `registry`, with no scripts, audit, fund or update check. */
export function npmLockOnlyArgs(registry: string): string[] {
  return ['install', '--package-lock-only', '--registry', registry, '--ignore-scripts', '--no-audit', '--no-fund', '--no-update-notifier'];
}
