import { describe, expect, it } from 'vitest';
import { headerValue } from './header-peek.ts';

describe('headerValue', () => {
  const block = 'NATS/1.0\r\nX-Celeriac-Id: wrong\r\nCeleriac-Id:  abc \r\nCeleriac-Id: second\r\nCeleriac-Enqueued-At: 17\r\n\r\n';

  it('gives the first value of an exactly named header, trimmed as nats.js trims it', () => {
    expect(headerValue(block, 'Celeriac-Id')).toBe('abc');
    expect(headerValue(block, 'Celeriac-Enqueued-At')).toBe('17');
  });

  it('finds no header whose name only ends in the name asked for, nor an absent one', () => {
    expect(headerValue('NATS/1.0\r\nX-Celeriac-Id: x\r\n\r\n', 'Celeriac-Id')).toBeUndefined();
    expect(headerValue(block, 'Celeriac-Prior-Attempts')).toBeUndefined();
  });

  it('keeps a colon inside the value and reads a last line without its CRLF', () => {
    expect(headerValue('NATS/1.0\r\nCeleriac-Id: a:b', 'Celeriac-Id')).toBe('a:b');
  });
});
