/**
 * JSON Schemas (TypeBox) shared by the API's routes: Fastify validates requests against them,
 * serialises responses with them, and @fastify/swagger publishes them in the OpenAPI document.
 */
import { type Static, Type } from '@sinclair/typebox';

/** The body of every 4xx/5xx answer. `message` names the field for validation errors. */
export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String(),
    message: Type.String(),
  },
  { $id: 'ErrorResponse' },
);
export type ErrorResponse = Static<typeof ErrorResponse>;

/** A camera id as a filter value: any text (an unknown id matches nothing). */
export const CameraIdValue = Type.String({ minLength: 1, maxLength: 128, description: 'camera id' });

/** A camera id that is written somewhere: the same pattern as the configuration's. */
export const CameraIdStrict = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$',
  description: 'camera id (letters, digits, _ . -)',
});

/** Reporting intervals, minutes. 1 and 5 come from the 1-minute measures, the others from the 15-minute ones. */
export const INTERVALS = [1, 5, 15, 30, 60] as const;
export type IntervalMinutes = (typeof INTERVALS)[number];
// An integer enum rather than a union of literals: query strings arrive as text and Fastify's ajv
// coerces them to numbers only for a plain `type`.
export const IntervalQuery = Type.Unsafe<IntervalMinutes>({
  type: 'integer',
  enum: [...INTERVALS],
  default: 15,
  description: 'interval in minutes: 1, 5, 15 (default), 30 or 60',
});

export const TimeRange = {
  from: Type.String({ format: 'date-time', description: 'start, ISO 8601 (inclusive)' }),
  to: Type.String({ format: 'date-time', description: 'end, ISO 8601 (exclusive)' }),
};

export const errorResponses = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  429: ErrorResponse,
  503: ErrorResponse,
};

/**
 * A number or null. As `type: ['number', 'null']` rather than anyOf: fast-json-stringify runs a schema
 * validation per value for anyOf, which made a 30-day corridor report's serialisation take ~0.4 s.
 */
export const NullableNumber = (description?: string) =>
  Type.Unsafe<number | null>({ type: ['number', 'null'], ...(description ? { description } : {}) });
export const NullableString = (description?: string) =>
  Type.Unsafe<string | null>({ type: ['string', 'null'], ...(description ? { description } : {}) });
