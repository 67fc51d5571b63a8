/** @celeriac/cli: `kubectl celeriac`, the command-line cockpit. The bin calls `main`. */
export { main, program } from './main.ts';
export { CliError } from './errors.ts';
// Shared with the web dashboard (@celeriac/dashboard), so both read a queue the same way.
export { natsTargetOf, type NatsTarget } from './nats-target.ts';
export { queueRow, type QueueRow } from './queue-row.ts';
export { ratesBetween, type Rates, type Sample } from './rates.ts';
