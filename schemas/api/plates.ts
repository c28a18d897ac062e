import { type Static, Type } from '@sinclair/typebox';
import { WatchlistEntry } from '../plates.ts';
import { CameraIdValue, TimeRange } from './common.ts';

export const PlateReadsQuery = Type.Object(
  {
    camera: Type.Optional(CameraIdValue),
    plate: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9]{1,12}$', description: 'exact plate, A-Z0-9' })),
    ...TimeRange,
    limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
  },
  { additionalProperties: false },
);
export type PlateReadsQuery = Static<typeof PlateReadsQuery>;

export const PlateReadRow = Type.Object({
  cameraId: Type.String(),
  ts: Type.String({ format: 'date-time' }),
  trackId: Type.Integer(),
  plate: Type.String(),
  display: Type.String(),
  confidence: Type.Number(),
  reads: Type.Integer(),
  layout: Type.String(),
  country: Type.String(),
  vehicleClass: Type.String(),
});
export const PlateReads = Type.Object({ reads: Type.Array(PlateReadRow) });
export type PlateReads = Static<typeof PlateReads>;

/** A watch-list entry as sent: the plate in any case (it is stored in capitals), without its id (in the path). */
export const WatchlistBody = Type.Composite(
  [
    Type.Omit(WatchlistEntry, ['id', 'plate']),
    Type.Object({
      plate: Type.String({ pattern: '^[A-Za-z0-9]{4,12}$', description: 'A-Z0-9, no separators' }),
    }),
  ],
  { additionalProperties: false },
);
export type WatchlistBody = Static<typeof WatchlistBody>;
export const Watchlist = Type.Object({ entries: Type.Array(WatchlistEntry) });
