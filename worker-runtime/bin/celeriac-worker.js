#!/usr/bin/env node
// The worker process of the runtime image. Node 24 runs the TypeScript sources directly.
import { main } from '../src/cli/worker-main.ts';

main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
