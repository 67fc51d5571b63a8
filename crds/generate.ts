/** Writes the CRD YAML and docs/crd-reference.md from crds/src. Run: node crds/generate.ts */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from './src/artifacts.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const file of generatedFiles()) {
  writeFileSync(join(root, file.path), file.content);
  console.log(`wrote ${file.path}`);
}
