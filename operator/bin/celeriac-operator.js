#!/usr/bin/env node
// The operator process. Node 24 runs the TypeScript sources directly.
import { main } from '../src/main.ts';

main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
