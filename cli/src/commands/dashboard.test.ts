import { describe, expect, it } from 'vitest';
import { CliError } from '../errors.ts';
import { pickDashboardService } from './dashboard.ts';

describe('pickDashboardService', () => {
  it('takes the one Service found', () => {
    expect(pickDashboardService([{ namespace: 'celeriac', name: 'celeriac-dashboard' }], 'in any namespace')).toEqual({ namespace: 'celeriac', name: 'celeriac-dashboard' });
  });
  it('says how to install it when there is none', () => {
    const e = (() => {
      try {
        pickDashboardService([], 'in namespace ops');
      } catch (err) {
        return err as CliError;
      }
    })();
    expect(e).toBeInstanceOf(CliError);
    expect(e?.message).toBe('no Celeriac dashboard Service in namespace ops');
    expect(e?.hint).toContain('--set dashboard.enabled=true');
  });
  it('asks to choose when there are several', () => {
    expect(() => pickDashboardService([{ namespace: 'a', name: 'd' }, { namespace: 'b', name: 'd' }], 'in any namespace')).toThrow(/2 dashboard Services in any namespace: a\/d, b\/d/);
  });
});
