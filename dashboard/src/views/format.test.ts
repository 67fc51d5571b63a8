import { describe, expect, it } from 'vitest';
import { num, polyline, yesNo } from './format.ts';

describe('format', () => {
  it('prints numbers for people and a dash for unknown', () => {
    expect(num(12345)).toBe('12,345');
    expect(num(2.345)).toBe('2.3');
    expect(num(undefined)).toBe('–');
    expect(yesNo(true)).toBe('paused');
  });
  it('scales a series into the chart box, highest value at the top', () => {
    expect(polyline([0, 5, 10], 100, 50)).toBe('0,50 50,25 100,0');
    expect(polyline([0, 0], 10, 10)).toBe('0,10 10,10');
    expect(polyline([], 10, 10)).toBe('');
  });
});
