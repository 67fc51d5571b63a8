import { describe, expect, it } from 'vitest';
import { dockerignore, envPairs, execForm, flagsAndWords, parseDockerfile, substitute } from './parse.ts';

describe('parseDockerfile', () => {
  it('joins continuation lines, skips comments and blank lines, and keeps the first line number', () => {
    const ins = parseDockerfile('# syntax\nARG A=1\n\nRUN one \\\n  two \\\n  three\nfrom base AS b\n');
    expect(ins).toEqual([
      { keyword: 'ARG', args: 'A=1', line: 2 },
      { keyword: 'RUN', args: 'one two three', line: 4 },
      { keyword: 'FROM', args: 'base AS b', line: 7 },
    ]);
  });

  it('skips comment and empty lines inside a continued instruction, and ends one at the end of the file', () => {
    expect(parseDockerfile('RUN a \\\n# note\n\n  b \\\n')).toEqual([{ keyword: 'RUN', args: 'a b', line: 1 }]);
  });
});

describe('instruction arguments', () => {
  it('reads the exec form and refuses the shell form, which would hide signals behind sh', () => {
    expect(execForm({ keyword: 'CMD', args: '["node", "a.js"]', line: 3 })).toEqual(['node', 'a.js']);
    expect(() => execForm({ keyword: 'ENTRYPOINT', args: 'node a.js', line: 3 })).toThrow(/line 3: ENTRYPOINT must use the exec form/);
  });

  it('splits COPY flags from sources and destination', () => {
    expect(flagsAndWords({ keyword: 'COPY', args: '--from=deps --link /app/node_modules node_modules', line: 1 })).toEqual({
      flags: { from: 'deps', link: 'true' },
      words: ['/app/node_modules', 'node_modules'],
    });
  });

  it('reads ENV in both forms', () => {
    expect(envPairs({ keyword: 'ENV', args: 'A=1 B=two', line: 1 })).toEqual({ A: '1', B: 'two' });
    expect(envPairs({ keyword: 'ENV', args: 'NODE_ENV production', line: 1 })).toEqual({ NODE_ENV: 'production' });
  });

  it('substitutes build arguments and names a missing one', () => {
    expect(substitute('FROM ${IMG} and $TAG', { IMG: 'node:24-slim', TAG: 'x' }, 1)).toBe('FROM node:24-slim and x');
    expect(() => substitute('${NOPE}', {}, 4)).toThrow(/line 4: build argument NOPE has no value/);
  });
});

describe('dockerignore', () => {
  const ignored = dockerignore('# comment\n**/node_modules\n.git\n**/*.test.ts\ndocs/\n/bench\n*.md\n!README.md\n');

  it.each([
    ['node_modules/x/index.js', true],
    ['operator/node_modules/a', true],
    ['.git/HEAD', true],
    ['operator/src/config.test.ts', true],
    ['docs/install.md', true],
    ['bench/run.ts', true],
    ['CHANGES.md', true],
    ['README.md', false],
    ['operator/src/config.ts', false],
    ['operator/README.md', false],
    ['documents/a', false],
  ])('%s ignored: %s', (path, expected) => {
    expect(ignored(path)).toBe(expected);
  });
});
