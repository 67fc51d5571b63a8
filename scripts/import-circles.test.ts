import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importCircles } from './import-circles.ts';

const root = resolve(import.meta.dirname, '..');

describe('import circles', () => {
  it('finds none in the runtime, the operator or the CRDs', () => {
    const dirs = ['worker-runtime/src', 'operator/src', 'crds/src'].map((d) => join(root, d));
    expect(importCircles(dirs, root)).toEqual([]);
  });

  it('finds a circle, type-only imports included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'circles-'));
    try {
      mkdirSync(join(dir, 'sub'));
      writeFileSync(join(dir, 'a.ts'), "import { b } from './sub/b.ts';\nexport const a = b;\n");
      writeFileSync(join(dir, 'sub', 'b.ts'), "import type { A } from '../a.ts';\nexport const b = 1 as unknown as A;\n");
      writeFileSync(join(dir, 'c.ts'), "import { a } from './a.ts';\nexport const c = a;\n");
      expect(importCircles([dir], dir)).toEqual([['a.ts', 'sub/b.ts', 'a.ts']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
