/**
 * A bounded reader of the POSIX shell syntax npm scripts use: words (quotes, escapes), the operators
 * that separate commands (`&&`, `||`, `;`, `|`, `&`, newlines, parentheses) and redirections. It never
 * expands anything: a word holding `$VAR`, `$(…)` or a backquote is marked dynamic, and the text of
 * command substitutions is handed back so it can be read as commands too.
 */

/** One word of a simple command. */
export interface ShellWord {
  /** The word with quotes and escapes removed (variables left as written). */
  text: string;
  /** It holds an expansion (`$X`, `${X}`, `$(…)`, `` `…` ``): its value is not known statically. */
  dynamic: boolean;
}

/** A simple command: its words and the operator that ended it. */
export interface SimpleCommand {
  words: ShellWord[];
  /** The command's own text, trimmed. */
  text: string;
}

/** Longest script text read; past it, the rest is ignored (and said so by the caller). */
export const MAX_SCRIPT_CHARS = 64 * 1024;

const OPERATORS = ['&&', '||', ';;', ';', '|', '&', '(', ')', '\n'];

/**
 * Splits a command line into simple commands. `substitutions` receives the text of each `$(…)` and
 * backquoted command found, to be read as commands of their own.
 */
export function splitCommands(input: string, substitutions: string[] = []): SimpleCommand[] {
  const src = input.length > MAX_SCRIPT_CHARS ? input.slice(0, MAX_SCRIPT_CHARS) : input;
  const commands: SimpleCommand[] = [];
  let words: ShellWord[] = [];
  let start = 0;
  let word = '';
  let inWord = false;
  let dynamic = false;
  /** The next word is the target of a redirection: dropped. */
  let redirectTarget = false;

  const endWord = (): void => {
    if (inWord) {
      if (redirectTarget) redirectTarget = false;
      else words.push({ text: word, dynamic });
    }
    word = '';
    inWord = false;
    dynamic = false;
  };
  const endCommand = (end: number): void => {
    endWord();
    if (words.length > 0) commands.push({ words, text: src.slice(start, end).trim() });
    words = [];
  };
  /** Index just past the `)` matching the `(` at `open`, honouring quotes; the end when unbalanced. */
  const closeParen = (open: number): number => {
    let depth = 0;
    for (let j = open; j < src.length; j++) {
      const ch = src[j];
      if (ch === '\\') j++;
      else if (ch === "'") j = Math.max(j, src.indexOf("'", j + 1) === -1 ? src.length : src.indexOf("'", j + 1));
      else if (ch === '(') depth++;
      else if (ch === ')' && --depth === 0) return j + 1;
    }
    return src.length;
  };

  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      endWord();
      i++;
      continue;
    }
    if (c === '#' && !inWord) {
      const nl = src.indexOf('\n', i);
      i = nl === -1 ? src.length : nl;
      continue;
    }
    if (c === '\\') {
      if (src[i + 1] === '\n') i += 2;
      else {
        word += src[i + 1] ?? '';
        inWord = true;
        i += 2;
      }
      continue;
    }
    if (c === "'") {
      const end = src.indexOf("'", i + 1);
      word += src.slice(i + 1, end === -1 ? src.length : end);
      inWord = true;
      i = end === -1 ? src.length : end + 1;
      continue;
    }
    if (c === '"') {
      inWord = true;
      i++;
      while (i < src.length && src[i] !== '"') {
        const d = src[i]!;
        if (d === '\\' && '"\\$`\n'.includes(src[i + 1] ?? '')) {
          if (src[i + 1] !== '\n') word += src[i + 1];
          i += 2;
          continue;
        }
        if (d === '$' && src[i + 1] === '(') {
          const end = closeParen(i + 1);
          substitutions.push(src.slice(i + 2, end - 1));
          word += src.slice(i, end);
          dynamic = true;
          i = end;
          continue;
        }
        if (d === '`') {
          const end = src.indexOf('`', i + 1);
          substitutions.push(src.slice(i + 1, end === -1 ? src.length : end));
          word += src.slice(i, end === -1 ? src.length : end + 1);
          dynamic = true;
          i = end === -1 ? src.length : end + 1;
          continue;
        }
        if (d === '$') dynamic = true;
        word += d;
        i++;
      }
      i++;
      continue;
    }
    if (c === '$') {
      dynamic = true;
      inWord = true;
      if (src[i + 1] === '(') {
        const end = closeParen(i + 1);
        substitutions.push(src.slice(i + 2, end - 1));
        word += src.slice(i, end);
        i = end;
        continue;
      }
      word += c;
      i++;
      continue;
    }
    if (c === '`') {
      const end = src.indexOf('`', i + 1);
      substitutions.push(src.slice(i + 1, end === -1 ? src.length : end));
      word += src.slice(i, end === -1 ? src.length : end + 1);
      inWord = true;
      dynamic = true;
      i = end === -1 ? src.length : end + 1;
      continue;
    }
    if (c === '>' || c === '<' || (c === '&' && src[i + 1] === '>')) {
      // `2>&1`, `>out`, `&>log`, `<<EOF`: the fd number before it was read as a word; drop it.
      if (inWord && /^\d+$/.test(word)) {
        word = '';
        inWord = false;
      } else endWord();
      i += c === '&' ? 2 : 1;
      while (src[i] === '>' || src[i] === '<') i++;
      if (src[i] === '&') {
        // `>&2`: the target is a descriptor, part of the operator.
        i++;
        while (i < src.length && /[\d-]/.test(src[i]!)) i++;
      } else redirectTarget = true;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op) {
      endCommand(i);
      i += op.length;
      start = i;
      continue;
    }
    word += c;
    inWord = true;
    i++;
  }
  endCommand(src.length);
  return commands;
}
