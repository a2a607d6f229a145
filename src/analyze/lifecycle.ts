import { posix } from 'node:path';
import { splitCommands, type ShellWord, type SimpleCommand } from './shell-words.js';

/**
 * Lifecycle scripts read as commands, never run: which package files each install-time script
 * executes (`node x.js`, `sh x.sh`, `./bin/setup`), which inline code it evaluates (`node -e`), which
 * scripts it follows (`npm run y`) and which external programs it starts (`node-gyp`, `curl`).
 */

/** What one simple command of a script does. */
export type StepKind =
  /** node runs a package file (`file`). */
  | 'node'
  /** node evaluates inline code (`code`). */
  | 'node-eval'
  /** A shell runs a package file (`file`), or what is piped into it. */
  | 'shell'
  /** A package file is executed directly (`./install.sh`, `bin/setup`). */
  | 'file'
  /** A program that is not in the package (`program`): node-gyp, prebuild-install, curl, echo. */
  | 'program';

/** One simple command of a lifecycle script. */
export interface ScriptStep {
  kind: StepKind;
  /** The command as written. */
  command: string;
  /** The scripts followed to reach it: `['postinstall']`, `['postinstall', 'build']`; a shell file read adds its path. */
  via: string[];
  /** The directory it runs in, relative to the package root (`''` is the root), after any `cd`. */
  cwd: string;
  /** The package file it runs, as written (relative to `cwd`). */
  file?: string;
  /** Modules node loads first (`-r ./hook.js`, `--import ./x.mjs`), as written. */
  preload?: string[];
  /** Inline code (`node -e`, `node -p`). */
  code?: string;
  /** The external program's name. */
  program?: string;
  /** The program builds native code from `binding.gyp` (node-gyp and the tools that fall back to it). */
  compiles?: boolean;
  /** What could not be read statically (a variable, a missing script). */
  note?: string;
}

/** A lifecycle script that runs when the package is installed. */
export interface LifecycleScript {
  /** `preinstall`, `install`, `postinstall` or `prepare`. */
  event: string;
  /** The script text (`node-gyp rebuild` for the implied install of a `binding.gyp`). */
  command: string;
  /** `always`: every install; `git`: `prepare`, run only when the package is installed from git (or a directory). */
  when: 'always' | 'git';
  /** No script was declared: npm runs `node-gyp rebuild` because of `binding.gyp`. */
  implied?: boolean;
  steps: ScriptStep[];
}

/** What the reader may know about the package's files (no bytes needed; shell files are read when given). */
export interface LifecycleFiles {
  /** The file at the package-relative path exists. */
  has(path: string): boolean;
  /** The text of a shell file a script runs, when the caller has it (bounded by the caller). */
  readText?(path: string): string | undefined;
  /** The root file whose presence implies `node-gyp rebuild` and the manifest flag that turns it off (from the catalog). */
  impliedInstall?: { file: string; flag?: string };
}

/** Events npm runs on every install of a package, in order. */
export const INSTALL_EVENTS = ['preinstall', 'install', 'postinstall'] as const;
/** Run when a package is installed from git (or packed from a directory), not from a registry tarball. */
export const GIT_EVENT = 'prepare';

/** Marks a `cd` into the running shell file's own directory (NUL never occurs in a shell word). */
const OWN_DIR = '\u0000own:';

/** Bounds on following scripts: hostile manifests can chain or loop. */
const MAX_DEPTH = 8;
const MAX_STEPS = 200;

const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'ash', 'mksh', 'busybox']);
const NODES = new Set(['node', 'nodejs']);
const PACKAGE_MANAGERS = new Set(['npm', 'yarn', 'pnpm', 'bun', 'cnpm']);
/** Commands that run the rest of their words as a command (after their own options and `VAR=value` words). */
const WRAPPERS = new Set(['cross-env', 'cross-env-shell', 'env', 'nohup', 'time', 'exec', 'command', 'sudo', 'nice', 'dotenv', 'run-with-env', 'start']);
/** Shell words that only structure commands. */
const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', 'for', 'case', 'esac', '!', '{', '}', 'in']);
/** Shell builtins and no-op commands that do nothing a reviewer needs to see: not listed as steps. */
const TRIVIAL = new Set(['echo', 'exit', 'true', 'false', ':', '[', '[[', 'test', 'printf', 'export', 'set', 'unset', 'shift', 'return', 'local', 'readonly', 'wait', 'sleep', 'pwd', 'cat']);
/** Programs that build native code from binding.gyp (directly, or as their fallback). */
const COMPILERS = new Set(['node-gyp', 'node-gyp-build', 'node-gyp-build-optional', 'node-pre-gyp', 'cmake-js', 'node-gyp-build-test']);
/** node options that take the next word as their value. */
const NODE_VALUE_FLAGS = new Set(['-C', '--conditions', '--input-type', '--env-file', '--title', '--inspect-port', '--stack-size', '--max-old-space-size', '--experimental-default-type', '--disable-warning', '--watch-path', '--redirect-warnings', '--report-dir', '--cpu-prof-dir', '--heap-prof-dir', '--openssl-config', '--icu-data-dir', '--trace-event-categories', '--unhandled-rejections']);
const NODE_PRELOAD_FLAGS = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader']);
const NODE_EVAL_FLAGS = new Set(['-e', '--eval', '-p', '--print', '-pe', '-ep']);
/** Package-manager verbs that run a named script. */
const RUN_VERBS = new Set(['run', 'run-script', 'rum', 'urn']);
/** npm commands that are shorthands for running the script of the same name. */
const SCRIPT_SHORTHANDS = new Set(['test', 'start', 'stop', 'restart', 't', 'tst']);
/** Package-manager verbs that fetch and run a package's bin. */
const EXEC_VERBS = new Set(['exec', 'x', 'dlx']);

function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/** The program a word names: its base name, without a Windows extension, lower-cased. */
function programName(word: string): string {
  const base = word.slice(Math.max(word.lastIndexOf('/'), word.lastIndexOf('\\')) + 1).toLowerCase();
  return base.replace(/\.(exe|cmd|bat)$/, '');
}

/** A word that names a file by path rather than a program on the PATH. */
function isPath(word: string): boolean {
  return word.includes('/') || word.startsWith('.') || word.includes('\\');
}

/**
 * The install-time lifecycle scripts of a manifest, each read into the steps it runs. `prepare` is
 * included with `when: 'git'`; a root `binding.gyp` without `preinstall`/`install` (and without the
 * manifest's opt-out flag) is the implied `install: node-gyp rebuild`, as npm runs it.
 */
export function readLifecycle(manifest: Record<string, unknown> | undefined, files: LifecycleFiles): LifecycleScript[] {
  const scripts = stringRecord(manifest?.['scripts']);
  const out: LifecycleScript[] = [];
  const reader = new ScriptReader(scripts, files);
  for (const event of [...INSTALL_EVENTS, GIT_EVENT]) {
    const command = scripts[event];
    if (command === undefined || command.trim() === '') continue;
    out.push({ event, command, when: event === GIT_EVENT ? 'git' : 'always', steps: reader.read(event) });
  }
  const implied = files.impliedInstall;
  if (
    implied &&
    files.has(implied.file) &&
    !(implied.flag !== undefined && manifest?.[implied.flag] === false) &&
    !scripts['preinstall']?.trim() &&
    !scripts['install']?.trim()
  ) {
    const command = 'node-gyp rebuild';
    const steps: ScriptStep[] = [{ kind: 'program', command, via: ['install'], cwd: '', program: 'node-gyp', compiles: true }];
    out.push({ event: 'install', command, when: 'always', implied: true, steps });
  }
  const order = (e: string) => [...INSTALL_EVENTS, GIT_EVENT].indexOf(e as (typeof INSTALL_EVENTS)[number]);
  return out.sort((a, b) => order(a.event) - order(b.event));
}

/** Reads scripts into steps, following `npm run` and shell files within bounds. */
class ScriptReader {
  private steps = 0;

  constructor(
    private readonly scripts: Record<string, string>,
    private readonly files: LifecycleFiles,
  ) {}

  /** The steps of one lifecycle event's script. */
  read(event: string): ScriptStep[] {
    this.steps = 0;
    const out: ScriptStep[] = [];
    this.readCommandLine(this.scripts[event] ?? '', [event], '', out, new Set([event]), 0);
    return out;
  }

  private readCommandLine(line: string, via: string[], cwd: string, out: ScriptStep[], active: Set<string>, depth: number): void {
    const substitutions: string[] = [];
    let dir = cwd;
    for (const cmd of splitCommands(line, substitutions)) {
      if (this.steps >= MAX_STEPS) return;
      dir = this.readCommand(cmd, via, dir, out, active, depth);
    }
    if (depth < MAX_DEPTH) {
      for (const sub of substitutions) this.readCommandLine(sub, via, dir, out, active, depth + 1);
    }
  }

  /** Reads one simple command; returns the directory the following commands run in (`cd`). */
  private readCommand(cmd: SimpleCommand, via: string[], cwd: string, out: ScriptStep[], active: Set<string>, depth: number): string {
    let words = cmd.words;
    const emit = (step: Omit<ScriptStep, 'command' | 'via' | 'cwd'>): void => {
      this.steps++;
      out.push({ ...step, command: cmd.text, via, cwd });
    };
    // Leading `VAR=value` assignments, shell keywords and wrappers (`cross-env A=1 node x.js`).
    for (;;) {
      while (words.length > 0 && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!.text) || KEYWORDS.has(words[0]!.text))) words = words.slice(1);
      const first = words[0];
      if (!first) return cwd;
      const name = programName(first.text);
      if (WRAPPERS.has(name)) {
        words = words.slice(1);
        // Their own options (`env -i`, `dotenv -e .env --`, `sudo -E`, Windows `start /B`) come before the command.
        while (words.length > 0 && (words[0]!.text.startsWith('-') || (name === 'start' && words[0]!.text.startsWith('/')))) {
          const opt = words[0]!.text;
          words = words.slice(opt === '-e' || opt === '-u' || opt === '-c' ? 2 : 1);
          if (opt === '--') break;
        }
        continue;
      }
      if (name === 'npx' || name === 'pnpx' || name === 'bunx') {
        words = words.slice(1);
        while (words.length > 0 && words[0]!.text.startsWith('-')) words = words.slice(words[0]!.text === '-p' || words[0]!.text === '--package' ? 2 : 1);
        const next = words[0];
        if (next && !NODES.has(programName(next.text)) && !SHELLS.has(programName(next.text)) && !isPath(next.text)) {
          emit({ kind: 'program', program: programName(next.text), note: 'run through npx: fetched from the registry when not installed', ...(COMPILERS.has(programName(next.text)) ? { compiles: true } : {}) });
          return cwd;
        }
        continue;
      }
      break;
    }
    const head = words[0]!;
    const name = programName(head.text);
    const args = words.slice(1);
    if (head.dynamic) {
      emit({ kind: 'program', program: head.text, note: 'the program is named by a variable' });
      return cwd;
    }
    if (name === 'cd') {
      const target = args[0];
      if (!target) return '';
      if (target.dynamic) {
        emit({ kind: 'program', program: 'cd', note: 'changes into a directory named by a variable: later paths are relative to an unknown directory' });
        return cwd;
      }
      // A shell file's `cd "$(dirname "$0")"` arrives as the file's own directory (see readShellFile).
      if (target.text.startsWith(OWN_DIR)) return target.text.slice(OWN_DIR.length);
      if (target.text.startsWith('/')) return target.text;
      const next = posix.normalize(posix.join(cwd, target.text));
      return next === '.' ? '' : next;
    }
    if (NODES.has(name)) {
      this.readNode(args, emit, via, cwd, out, active, depth);
      return cwd;
    }
    if (SHELLS.has(name)) {
      this.readShell(args, emit, via, cwd, out, active, depth);
      return cwd;
    }
    if (name === 'cmd' || name === 'powershell' || name === 'pwsh') {
      // `cmd /c "node x.js"`, `powershell -Command "…"`: the command line is read like a shell's.
      const at = args.findIndex((a) => /^[/-](c|k|command)$/i.test(a.text));
      if (at !== -1 && depth < MAX_DEPTH) {
        if (name !== 'cmd') emit({ kind: 'program', program: name });
        this.readCommandLine(args.slice(at + 1).map((a) => a.text).join(' '), via, cwd, out, active, depth + 1);
        return cwd;
      }
    }
    if (PACKAGE_MANAGERS.has(name)) {
      this.readPackageManager(name, args, emit, via, cwd, out, active, depth);
      return cwd;
    }
    if (isPath(head.text) && /(^|[/\\])node_modules[/\\]/.test(head.text)) {
      // `./node_modules/.bin/tsc`: a dependency's program, not a file of this package.
      emit({ kind: 'program', program: name, ...(COMPILERS.has(name) ? { compiles: true } : {}) });
      return cwd;
    }
    if (isPath(head.text)) {
      emit({ kind: 'file', file: head.text });
      this.readShellFile(head.text, via, cwd, out, active, depth);
      return cwd;
    }
    if (!TRIVIAL.has(name)) emit({ kind: 'program', program: name, ...(COMPILERS.has(name) ? { compiles: true } : {}) });
    return cwd;
  }

  private readNode(args: ShellWord[], emit: (s: Omit<ScriptStep, 'command' | 'via' | 'cwd'>) => void, via: string[], cwd: string, out: ScriptStep[], active: Set<string>, depth: number): void {
    const preload: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const w = args[i]!.text;
      if (w === '--') {
        const file = args[i + 1];
        if (file) emit({ kind: 'node', file: file.text, ...(preload.length ? { preload } : {}), ...(file.dynamic ? { note: 'the file is named by a variable' } : {}) });
        else emit({ kind: 'program', program: 'node', note: 'runs code from standard input' });
        return;
      }
      if (!w.startsWith('-')) {
        emit({ kind: 'node', file: w, ...(preload.length ? { preload } : {}), ...(args[i]!.dynamic ? { note: 'the file is named by a variable' } : {}) });
        return;
      }
      const eq = w.indexOf('=');
      const flag = eq === -1 ? w : w.slice(0, eq);
      const inline = eq === -1 ? undefined : w.slice(eq + 1);
      if (NODE_EVAL_FLAGS.has(flag)) {
        const code = inline ?? args[i + 1]?.text ?? '';
        emit({ kind: 'node-eval', code, ...(preload.length ? { preload } : {}) });
        return;
      }
      if (flag === '--run') {
        const script = inline ?? args[i + 1]?.text;
        if (script) this.follow(script, emit, via, cwd, out, active, depth, false);
        return;
      }
      if (NODE_PRELOAD_FLAGS.has(flag)) {
        const value = inline ?? args[++i]?.text;
        if (value) preload.push(value);
        continue;
      }
      if (inline === undefined && NODE_VALUE_FLAGS.has(flag)) i++;
    }
    emit({ kind: 'program', program: 'node', note: 'runs code from standard input', ...(preload.length ? { preload } : {}) });
  }

  private readShell(args: ShellWord[], emit: (s: Omit<ScriptStep, 'command' | 'via' | 'cwd'>) => void, via: string[], cwd: string, out: ScriptStep[], active: Set<string>, depth: number): void {
    for (let i = 0; i < args.length; i++) {
      const w = args[i]!.text;
      if (w.startsWith('-') && w !== '-' && w !== '--') {
        // `-c`, `-ec`, `-lc`: the next word is the command line.
        if (/^-[a-z]*c[a-z]*$/i.test(w)) {
          const line = args[i + 1]?.text ?? '';
          if (depth < MAX_DEPTH) this.readCommandLine(line, via, cwd, out, active, depth + 1);
          return;
        }
        continue;
      }
      const file = w === '--' ? args[i + 1] : args[i];
      if (!file) break;
      emit({ kind: 'shell', file: file.text, ...(file.dynamic ? { note: 'the file is named by a variable' } : {}) });
      this.readShellFile(file.text, via, cwd, out, active, depth);
      return;
    }
    emit({ kind: 'shell', note: 'runs the commands piped into it' });
  }

  private readPackageManager(manager: string, args: ShellWord[], emit: (s: Omit<ScriptStep, 'command' | 'via' | 'cwd'>) => void, via: string[], cwd: string, out: ScriptStep[], active: Set<string>, depth: number): void {
    const words = args.map((a) => a.text).filter((w) => !w.startsWith('-'));
    const verb = words[0];
    if (verb !== undefined && RUN_VERBS.has(verb)) {
      const script = words[1];
      if (script) this.follow(script, emit, via, cwd, out, active, depth, args.some((a) => a.text === '--if-present'));
      else emit({ kind: 'program', program: `${manager} run` });
      return;
    }
    if (verb !== undefined && manager === 'npm' && SCRIPT_SHORTHANDS.has(verb)) {
      this.follow(verb === 't' || verb === 'tst' ? 'test' : verb, emit, via, cwd, out, active, depth, false);
      return;
    }
    // `yarn build`, `pnpm build`, `bun build`: a script of that name when there is one.
    if (verb !== undefined && manager !== 'npm' && manager !== 'cnpm' && this.scripts[verb] !== undefined) {
      this.follow(verb, emit, via, cwd, out, active, depth, false);
      return;
    }
    if (verb !== undefined && manager === 'bun' && /\.[cm]?[jt]sx?$/.test(verb)) {
      emit({ kind: 'node', file: verb });
      return;
    }
    if (verb !== undefined && EXEC_VERBS.has(verb)) {
      const program = words[1];
      emit({ kind: 'program', program: program ? programName(program) : `${manager} ${verb}`, note: `run through ${manager} ${verb}: fetched from the registry when not installed` });
      return;
    }
    emit({ kind: 'program', program: verb ? `${manager} ${verb}` : `${manager} install` });
  }

  /** `npm run <script>`: its `pre` and `post` scripts too, as npm runs them; a script already on the way is a cycle. */
  private follow(script: string, emit: (s: Omit<ScriptStep, 'command' | 'via' | 'cwd'>) => void, via: string[], cwd: string, out: ScriptStep[], active: Set<string>, depth: number, optional: boolean): void {
    if (this.scripts[script] === undefined) {
      if (!optional) emit({ kind: 'program', program: `npm run ${script}`, note: `no script named "${script}"` });
      return;
    }
    if (active.has(script)) {
      emit({ kind: 'program', program: `npm run ${script}`, note: `"${script}" is already running: a cycle, not followed` });
      return;
    }
    if (depth >= MAX_DEPTH) {
      emit({ kind: 'program', program: `npm run ${script}`, note: 'scripts nested too deep: not followed' });
      return;
    }
    for (const name of [`pre${script}`, script, `post${script}`]) {
      const line = this.scripts[name];
      if (line === undefined || active.has(name)) continue;
      const next = new Set(active).add(name);
      this.readCommandLine(line, [...via, name], cwd, out, next, depth + 1);
    }
  }

  /** A shell file the script runs: its lines are read as commands too (when the caller has its text). */
  private readShellFile(path: string, via: string[], cwd: string, out: ScriptStep[], active: Set<string>, depth: number): void {
    const file = posix.normalize(posix.join(cwd, path));
    const key = `file:${file}`;
    if (active.has(key) || depth >= MAX_DEPTH || /\.[cm]?[jt]sx?$/i.test(file)) return;
    const text = this.files.readText?.(file);
    if (text === undefined) return;
    const dir = posix.dirname(file) === '.' ? '' : posix.dirname(file);
    // `cd "$(dirname "$0")"` is the usual first line: paths after it are relative to the file's directory.
    const body = text.replace(/^[ \t]*cd[ \t]+["']?\$\(dirname[ \t]+["']?\$(?:0|\{0\}|BASH_SOURCE(?:\[0\])?)["']?\)["']?[ \t]*$/m, `cd '${OWN_DIR}${dir}'`);
    this.readCommandLine(dropHeredocs(body), [...via, file], cwd, out, new Set(active).add(key), depth + 1);
  }
}

/** Removes here-document bodies (`<<EOF … EOF`): they are data, not commands. */
function dropHeredocs(text: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    out.push(line);
    const m = /<<-?[ \t]*["']?([A-Za-z_][\w]*)["']?/.exec(line);
    if (!m) continue;
    while (i + 1 < lines.length && lines[i + 1]!.trim() !== m[1]) i++;
    i++;
  }
  return out.join('\n');
}
