import { Type } from '@sinclair/typebox';

export const PipelineStatus = Type.Object({
  queues: Type.Array(
    Type.Object({
      name: Type.String(),
      counts: Type.Record(Type.String(), Type.Integer(), { description: 'jobs per state' }),
      workers: Type.Integer({ description: 'workers connected to the queue' }),
      oldestWaitingS: Type.Number({
        description: 'age of the oldest job waiting to be taken, seconds (the lag)',
      }),
    }),
  ),
  cameras: Type.Array(
    Type.Object({
      cameraId: Type.String(),
      name: Type.String(),
      lastFrameAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
        description: 'newest stored frame in the last 7 days (null: none)',
      }),
      liveConfig: Type.Boolean({ description: 'has a configuration in the Redis hash <prefix>:cameras' }),
    }),
  ),
});
