import type { IntervalMinutes } from '../../../schemas/api/common.ts';

/** ISO 8601 in UTC with milliseconds, as every timestamp of the API. */
export const isoOf = (ms: number) => new Date(ms).toISOString();

/** The pipeline grid a report interval is built from: 1-minute rows below 15 minutes, else 15-minute rows. */
export const sourceInterval = (minutes: IntervalMinutes) => (minutes < 15 ? 60 : 900);
