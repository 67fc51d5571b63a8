import { pino, type Logger } from 'pino';

export type { Logger };

/** For components created without a logger (mostly tests): they stay quiet. */
export const silentLogger: Logger = pino({ level: 'silent' });
