#!/usr/bin/env node
// The operator process. Node 24 runs the TypeScript sources directly.
import module from 'node:module';

// Caches compiled code in the OS temp dir (an emptyDir in our pods): later starts skip parsing and
// type stripping, which is most of a cold start. A pool scaling from zero waits on this.
module.enableCompileCache?.();
const { main } = await import('../src/main.ts');

main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
