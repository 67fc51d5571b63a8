#!/usr/bin/env node
// The dashboard's process (the chart's Deployment runs it); Node 24 runs the TypeScript directly.
import module from 'node:module';

module.enableCompileCache?.();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
