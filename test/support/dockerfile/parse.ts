// Reading Dockerfiles and .dockerignore files, for tests that check images without a Docker
// engine (see emulate.ts). Only what our Dockerfiles use is supported; anything else throws.

export interface Instruction {
  /** Upper-cased: FROM, COPY, RUN, ... */
  keyword: string;
  /** The rest of the instruction, continuation lines joined. */
  args: string;
  /** 1-based line of the instruction's first line, for messages. */
  line: number;
}

/** Instructions in order; comments, blank lines and line continuations handled as Docker does. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  const finish = () => {
    const m = pending && /^(\S+)\s*(.*)$/.exec(pending.text);
    if (m) out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: pending!.line });
    pending = undefined;
  };
  text.split('\n').forEach((raw, i) => {
    const trimmed = raw.trim();
    // Docker skips comment and empty lines, also inside a continued instruction.
    if (trimmed.startsWith('#') || trimmed === '') return;
    const continued = trimmed.endsWith('\\');
    const part = continued ? trimmed.slice(0, -1).trim() : trimmed;
    pending = pending ? { text: `${pending.text} ${part}`, line: pending.line } : { text: part, line: i + 1 };
    if (!continued) finish();
  });
  finish(); // a continuation at the end of the file ends the instruction, as in Docker
  return out;
}

/** The JSON (exec) form of CMD/ENTRYPOINT/RUN; the shell form is refused (signals would go to sh). */
export function execForm(ins: Instruction): string[] {
  if (!ins.args.startsWith('[')) throw new Error(`line ${ins.line}: ${ins.keyword} must use the exec form ["node", ...]`);
  const parsed = JSON.parse(ins.args) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`line ${ins.line}: ${ins.keyword} is not a JSON array of strings`);
  return parsed as string[];
}

/** `--name=value` flags at the start of COPY's arguments, then the plain words. */
export function flagsAndWords(ins: Instruction): { flags: Record<string, string>; words: string[] } {
  if (/["'[]/.test(ins.args)) throw new Error(`line ${ins.line}: quoted or JSON arguments are not supported here`);
  const flags: Record<string, string> = {};
  const words: string[] = [];
  for (const w of ins.args.split(/\s+/)) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(w);
    if (m && words.length === 0) flags[m[1]!] = m[2] ?? 'true';
    else words.push(w);
  }
  return { flags, words };
}

/** `ENV A=1 B=2` or the legacy `ENV A 1`. */
export function envPairs(ins: Instruction): Record<string, string> {
  if (!ins.args.includes('=')) {
    const m = /^(\S+)\s+(.*)$/.exec(ins.args);
    if (!m) throw new Error(`line ${ins.line}: ENV needs a value`);
    return { [m[1]!]: m[2]! };
  }
  const pairs = ins.args.split(/\s+/).map((p) => {
    const eq = p.indexOf('=');
    if (eq < 1) throw new Error(`line ${ins.line}: ENV ${p} is not NAME=value`);
    return [p.slice(0, eq), p.slice(eq + 1)] as const;
  });
  return Object.fromEntries(pairs);
}

/** Replaces `${NAME}` and `$NAME` with build arguments; an unknown name is an error. */
export function substitute(text: string, args: Record<string, string>, line: number): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a: string | undefined, b: string | undefined) => {
    const name = (a ?? b)!;
    const value = args[name];
    if (value === undefined) throw new Error(`line ${line}: build argument ${name} has no value`);
    return value;
  });
}

/**
 * A .dockerignore as a predicate on context-relative paths ("a/b/c.ts"). Patterns follow Docker's
 * rules closely enough for ours: `*` and `?` within one path segment, `**` across segments, a
 * pattern that matches a directory excludes everything in it, `!` re-includes, last match wins.
 */
export function dockerignore(text: string): (relPath: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).replace(/^\/+/, '').replace(/\/+$/, '');
      return { negate, regex: globToRegex(pattern) };
    });
  return (relPath) => {
    const parts = relPath.split('/');
    let ignored = false;
    for (const rule of rules) {
      // A rule excludes the path if it matches the path or any directory above it.
      const hit = parts.some((_, i) => rule.regex.test(parts.slice(0, i + 1).join('/')));
      if (hit) ignored = !rule.negate;
    }
    return ignored;
  };
}

function globToRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` matches zero or more whole segments; a trailing `**` matches anything.
      if (pattern[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
