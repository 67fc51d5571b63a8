#!/usr/bin/env node
// `kubectl celeriac ...` (kubectl runs kubectl-celeriac from PATH), also installed as `celeriac`.
// Node 24 runs the TypeScript sources directly.
import module from 'node:module';

module.enableCompileCache?.();
const { main } = await import('../src/main.ts');

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
