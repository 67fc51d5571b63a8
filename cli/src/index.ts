/** @celeriac/cli: `kubectl celeriac`, the command-line cockpit. The bin calls `main`. */
export { main, program } from './main.ts';
export { CliError } from './errors.ts';
