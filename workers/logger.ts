import { pino } from 'pino';

/** JSON logs on stderr (stdout is kept for command output such as the demo summary). */
export const logger = pino(
  { level: process.env.LOG_LEVEL ?? 'info', base: { pid: process.pid } },
  pino.destination(2),
);
export type Logger = typeof logger;
