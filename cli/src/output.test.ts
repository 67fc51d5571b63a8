import { describe, expect, it } from 'vitest';
import { formatTable, parseOutputFormat } from './output.ts';
import { CliError } from './errors.ts';

describe('formatTable', () => {
  it('pads columns under upper-case headers and shows <none> for missing values', () => {
    const rows = [{ name: 'billing', backlog: 1200 }, { name: 'emails', backlog: undefined }];
    const text = formatTable(rows, [
      { header: 'name', value: (r) => r.name },
      { header: 'backlog', value: (r) => r.backlog },
    ]);
    expect(text).toBe('NAME      BACKLOG\nbilling   1200\nemails    <none>\n');
  });
});

describe('parseOutputFormat', () => {
  it('accepts table, json and yaml and refuses anything else with the choices', () => {
    expect(parseOutputFormat('yaml')).toBe('yaml');
    expect(() => parseOutputFormat('wide')).toThrow(CliError);
  });
});
