import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../defaults.ts';
import { desiredConsumer } from './desired.ts';
import { defaultQueueSettings } from './settings.ts';

describe('desiredConsumer', () => {
  it('bounds deliveries on the server, by default above any task’s attempts', () => {
    expect(desiredConsumer(defaultQueueSettings('q')).max_deliver).toBe(DEFAULTS.maxDeliveries);
    expect(DEFAULTS.maxDeliveries).toBeGreaterThan(DEFAULTS.maxAttempts);
    expect(desiredConsumer(defaultQueueSettings('q', { maxDeliveries: 7 })).max_deliver).toBe(7);
  });
});
