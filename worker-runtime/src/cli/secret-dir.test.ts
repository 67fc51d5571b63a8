import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { settingsFromSecretDir } from './secret-dir.ts';

describe('settingsFromSecretDir', () => {
  it('takes the keys present in a mounted Secret and leaves the rest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'secret-'));
    writeFileSync(join(dir, 'user'), 'app\n');
    writeFileSync(join(dir, 'password'), 's3cret');
    writeFileSync(join(dir, 'ca.crt'), 'PEM');
    const s = settingsFromSecretDir(dir, { servers: ['nats://a:4222'] });
    expect(s).toEqual({ servers: ['nats://a:4222'], user: 'app', password: 's3cret', tls: { caFile: join(dir, 'ca.crt') } });
  });
});
