/**
 * Every name cityflow uses in Redis: its queues and its own keys. All live under one prefix
 * (`queues.prefix`, default `cityflow`), so several deployments can share one Redis.
 *
 *   <prefix>:<queue>:…               BullMQ's keys for each queue below (its lock: <queue>:<job id>:lock)
 *   <prefix>:cameras                 hash: camera id → its configuration (JSON); the camera registry
 *   <prefix>:health:<camera>         hash: a live camera's current status, for /status
 *   <prefix>:live:<camera>:last      the last segment index a live camera emitted (survives takeovers)
 *   <prefix>:track:<source>          hash: segment → tracker state after it (the track stage's chain)
 *   <prefix>:source:<source>[:part]  a source's progress: segments emitted, stored, lost
 *   <prefix>:events                  pub/sub channel of events (JSON EventRecord)
 *
 * The job graph:
 *
 *   extract ──(frames file on this host)──▶ detect@<host> ──(results)──▶ track ──▶ store
 *   live ─────(segments of live cameras)──▶ detect@<host>                    │
 *                                          track ──(events)──▶ alerts ──▶ webhooks
 *   backfill: one parent per archived file, its child the file's extract job
 */
export const QUEUE = {
  /** One job per source (file or URI): decoded and cut into segments. */
  extract: 'extract',
  /** Segments decoded on `host`, whose frames file lies there: frames never cross hosts. */
  detect: (host: string) => `detect@${host}`,
  /** A source's segments in order, through the camera's tracker, measures and rules. */
  track: 'track',
  /**
   * Tracked segments of cameras that read plates, on the host whose frames folder holds their
   * source-resolution frames; the plate stage sends them on to store.
   */
  plates: (host: string) => `plates@${host}`,
  /** Consumed by the one process that owns ClickHouse writes. */
  store: 'store',
  /**
   * Events and alerts (schemas/events.ts EventRecord, job id = eventId) from the rule engine and the
   * camera supervisors; the alert worker writes them to the `events` table, publishes them on Redis
   * pub/sub and delivers them to webhooks.
   */
  alerts: 'alerts',
  /** One job per event and matching webhook. */
  webhooks: 'webhooks',
  /**
   * One long-running job per live camera (job id `live-<cameraId>`): the worker holding its lock owns
   * the camera (workers/live/). A dead worker's lock expires and another worker takes the camera over.
   */
  live: 'live',
  /** camera_health rows from the live cameras' supervisors, written by the process that owns the store. */
  health: 'health',
  /** Backfill parents: one job per archived file, done when its file is stored. */
  backfill: 'backfill',
} as const;

/** cityflow's own keys under a prefix (see the table above). */
export function redisKeys(prefix: string) {
  return {
    cameras: `${prefix}:cameras`,
    health: (cameraId: string) => `${prefix}:health:${cameraId}`,
    liveLast: (cameraId: string) => `${prefix}:live:${cameraId}:last`,
    /** BullMQ's lock of a job: holds the token of the worker that owns it. */
    jobLock: (queue: string, jobId: string) => `${prefix}:${queue}:${jobId}:lock`,
    trackStates: (sourceId: string) => `${prefix}:track:${sourceId}`,
    /** The plate watch list: entry id → JSON (workers/plates/watchlist-store.ts). */
    plateWatchlist: `${prefix}:plates:watchlist`,
    /** A watch-list hit's cool-down: one alert per entry and vehicle while it lasts. */
    plateWatchHit: (entryId: string, plateHash: string) => `${prefix}:plates:hit:${entryId}:${plateHash}`,
    source: (sourceId: string, part = '') => `${prefix}:source:${sourceId}${part}`,
    events: `${prefix}:events`,
    /** Matches every queue's meta key: how the API finds the queues that exist. */
    queueMetas: `${prefix}:*:meta`,
  };
}

/** BullMQ job ids may not contain ':'; segment keys are made of ids, a file name and a number. */
export function jobId(key: string): string {
  return key.replace(/:/g, '_');
}
