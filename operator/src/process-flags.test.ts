import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { execForm, parseDockerfile } from '../../test/support/dockerfile/parse.ts';
import { OPERATOR_NODE_FLAGS, OPERATOR_PROCESS_ENV } from './process-flags.ts';

const dockerfile = parseDockerfile(readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8'));

describe('the operator image starts Node as the measured process flags say', () => {
  it('passes the flags to node in the ENTRYPOINT, before the script', () => {
    const entrypoint = execForm(dockerfile.find((i) => i.keyword === 'ENTRYPOINT')!);
    expect(entrypoint).toEqual(['node', ...OPERATOR_NODE_FLAGS, '/app/operator/bin/celeriac-operator.js']);
  });

  it('sets the process environment', () => {
    const env = dockerfile.filter((i) => i.keyword === 'ENV').map((i) => i.args);
    for (const [k, v] of Object.entries(OPERATOR_PROCESS_ENV)) expect(env).toContain(`${k}=${v}`);
  });
});
