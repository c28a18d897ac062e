import type { FastifyInstance } from 'fastify';
import { isLiveSource } from '../../../pipeline/live/live-source.ts';
import { validateScene } from '../../../pipeline/scene/validate-scene.ts';
import {
  CameraList,
  CameraParams,
  CameraPlaceBody,
  CameraWriteParams,
  PlaceAnswer,
  SceneAnswer,
} from '../../../schemas/api/cameras.ts';
import { errorResponses } from '../../../schemas/api/common.ts';
import {
  type CameraPlace,
  type Corridor,
  type CorridorMembership,
  placeOf,
  withoutPlace,
} from '../../../schemas/place.ts';
import type { SceneConfig as Scene } from '../../../schemas/scene.ts';
import { SceneConfig } from '../../../schemas/scene.ts';
import { check } from '../../../schemas/validate.ts';
import { PLACE_SET_BY, SCENE_SET_BY } from '../../cameras/register-cameras.ts';
import { redisKeys } from '../../redis-keys.ts';
import { requireRole } from '../plugins/auth.ts';
import { httpError } from '../plugins/errors.ts';
import type { ApiStore } from '../store.ts';

interface CameraDbRow {
  camera_id: string;
  name: string;
  source_uri: string;
  config: string;
  updated_ms: number | string;
}

/** The Redis hash of live camera configurations: field = camera id, value = its config JSON. */

async function cameraRows(store: ApiStore, id?: string): Promise<CameraDbRow[]> {
  return store.query<CameraDbRow>(
    `SELECT camera_id, name, source_uri, config, toUnixTimestamp64Milli(updated_at) AS updated_ms
     FROM cameras FINAL ${id === undefined ? '' : 'WHERE camera_id = {id:String}'} ORDER BY camera_id`,
    id === undefined ? {} : { id },
  );
}

const parseConfig = (row: CameraDbRow): Record<string, unknown> => {
  try {
    return JSON.parse(row.config || '{}') as Record<string, unknown>;
  } catch {
    return {};
  }
};

/** GET /cameras: every camera with the number of lines and zones in its scene. */
function listCameras(app: FastifyInstance): void {
  const { keys, store } = app.ctx;
  app.get(
    '/cameras',
    {
      onRequest: requireRole(keys, 'analyst', 'transport', 'operator'),
      schema: {
        tags: ['cameras'],
        summary: 'List cameras',
        response: { 200: CameraList, ...errorResponses },
      },
    },
    async () => ({
      cameras: (await cameraRows(store)).map((r) => {
        const scene = (parseConfig(r).scene ?? {}) as Partial<Scene>;
        return {
          cameraId: r.camera_id,
          name: r.name,
          source: r.source_uri,
          lines: scene.lines?.length ?? 0,
          zones: scene.zones?.length ?? 0,
          place: placeOf(parseConfig(r)),
          updatedAt: new Date(Number(r.updated_ms)).toISOString(),
        };
      }),
    }),
  );
}

/** GET /cameras/:id/scene: a camera's stored scene configuration. */
function getScene(app: FastifyInstance): void {
  const { keys, store } = app.ctx;
  app.get<{ Params: { id: string } }>(
    '/cameras/:id/scene',
    {
      onRequest: requireRole(keys, 'analyst', 'transport', 'operator'),
      schema: {
        tags: ['cameras'],
        summary: "A camera's scene configuration",
        params: CameraParams,
        response: { 200: SceneAnswer, 404: errorResponses[400], ...errorResponses },
      },
    },
    async (request) => {
      const [row] = await cameraRows(store, request.params.id);
      if (!row) throw httpError(404, `params.id: no camera "${request.params.id}"`);
      const scene = (parseConfig(row).scene as Scene | undefined) ?? null;
      // Fill the schema's defaults (e.g. inertiaFrames) into scenes stored before they existed.
      if (scene && check(SceneConfig, scene).length)
        throw new Error(`camera ${row.camera_id}: stored scene is invalid`);
      return {
        cameraId: row.camera_id,
        scene,
        updatedAt: new Date(Number(row.updated_ms)).toISOString(),
      };
    },
  );
}

/** PUT /cameras/:id/scene (admin): validate and store a camera's new scene. */
function putScene(app: FastifyInstance): void {
  const { keys, store } = app.ctx;
  app.put<{ Params: { id: string }; Body: Scene }>(
    '/cameras/:id/scene',
    {
      onRequest: requireRole(keys), // admin only
      schema: {
        tags: ['cameras'],
        summary: "Replace a camera's scene configuration (admin)",
        description:
          'Validated like the configuration file (shapes, then geometry: unique ids, lines of non-zero length, ' +
          'simple polygons, points inside `frame`, a calibration that does not fold). Stored in the cameras table, ' +
          'where it wins over the configuration file from the next `run` on, and, for a live camera, in the Redis ' +
          'hash `<prefix>:cameras`, which the running pipeline watches.',
        params: CameraWriteParams,
        body: SceneConfig,
        response: { 200: SceneAnswer, 404: errorResponses[400], ...errorResponses },
      },
    },
    async (request) => {
      const id = request.params.id;
      const scene = request.body;
      validateScene(scene, `PUT /api/v1/cameras/${id}/scene`, 'body'); // ConfigError → 400 naming the item
      const [row] = await cameraRows(store, id);
      if (!row) throw httpError(404, `params.id: no camera "${id}" (cameras are added by the configuration)`);
      const config = { ...parseConfig(row), id, scene, [SCENE_SET_BY]: 'api' };
      const updatedMs = Math.max(Date.now(), Number(row.updated_ms) + 1); // strictly newer: it must win
      await store.insert('cameras', [
        {
          camera_id: id,
          name: row.name,
          source_uri: row.source_uri,
          config: JSON.stringify(config),
          updated_at: new Date(updatedMs).toISOString().replace('T', ' ').replace('Z', ''),
        },
      ]);
      // Live cameras run from the registry: give it the new scene. A file camera is not in it (a
      // worker would take it for a live one); its next run picks the scene up from the table.
      if (isLiveSource(row.source_uri)) {
        const { [SCENE_SET_BY]: _by, ...camera } = config;
        await app.ctx.redis.hset(redisKeys(app.ctx.prefix).cameras, id, JSON.stringify(camera));
      }
      request.log.info({ camera: id, lines: scene.lines.length, zones: scene.zones.length }, 'scene updated');
      return { cameraId: id, scene, updatedAt: new Date(updatedMs).toISOString() };
    },
  );
}

/** Corridors named in a place must be declared (when the API knows the list) and positions free. */
async function checkCorridors(
  store: ApiStore,
  id: string,
  place: CameraPlace,
  declared?: readonly Corridor[],
) {
  const names = declared ? new Set(declared.map((c) => c.id)) : null;
  const others = (await cameraRows(store)).filter((r) => r.camera_id !== id);
  (place.corridors ?? []).forEach((m, j) => {
    if (names && !names.has(m.id))
      throw httpError(
        400,
        `body.corridors[${j}].id: unknown corridor "${m.id}"; declared: ${[...names].join(', ') || 'none'}`,
      );
    if ((place.corridors ?? []).findIndex((x) => x.id === m.id) !== j)
      throw httpError(400, `body.corridors[${j}].id: corridor "${m.id}" twice`);
    const holder = others.find((r) =>
      ((parseConfig(r).corridors ?? []) as CorridorMembership[]).some(
        (x) => x.id === m.id && x.position === m.position,
      ),
    );
    if (holder)
      throw httpError(
        400,
        `body.corridors[${j}].position: position ${m.position} of corridor "${m.id}" is already camera "${holder.camera_id}"'s`,
      );
  });
}

/** PUT /cameras/:id/place (admin): a camera's location, heading, district and corridors. */
function putPlace(app: FastifyInstance, declared?: readonly Corridor[]): void {
  const { keys, store } = app.ctx;
  app.put<{ Params: { id: string }; Body: CameraPlaceBody }>(
    '/cameras/:id/place',
    {
      onRequest: requireRole(keys), // admin only
      schema: {
        tags: ['cameras'],
        summary: "Replace a camera's place: location, heading, district, corridors (admin)",
        description:
          'Validated like the configuration file: coordinates in range, corridors declared (`corridors:` of the ' +
          "API's configuration), a corridor position held by one camera. Stored in the cameras table, where it wins " +
          'over the configuration file from the next `run` on. An empty body clears the place.',
        params: CameraWriteParams,
        body: CameraPlaceBody,
        response: { 200: PlaceAnswer, 404: errorResponses[400], ...errorResponses },
      },
    },
    async (request) => {
      const id = request.params.id;
      const place = request.body;
      const [row] = await cameraRows(store, id);
      if (!row) throw httpError(404, `params.id: no camera "${id}" (cameras are added by the configuration)`);
      await checkCorridors(store, id, place, declared);
      const bare = withoutPlace(parseConfig(row));
      const updatedMs = Math.max(Date.now(), Number(row.updated_ms) + 1); // strictly newer: it must win
      await store.insert('cameras', [
        {
          camera_id: id,
          name: row.name,
          source_uri: row.source_uri,
          config: JSON.stringify({ ...bare, ...place, id, [PLACE_SET_BY]: 'api' }),
          updated_at: new Date(updatedMs).toISOString().replace('T', ' ').replace('Z', ''),
        },
      ]);
      request.log.info({ camera: id, place }, 'place updated');
      return { cameraId: id, place, updatedAt: new Date(updatedMs).toISOString() };
    },
  );
}

/**
 * Cameras and their scene configuration (lines, zones, calibration).
 *
 * PUT stores a new scene where the pipeline picks it up: a new version of the camera's row in the
 * `cameras` table (ReplacingMergeTree: the latest wins) and the camera's configuration JSON in the
 * Redis hash `<prefix>:cameras` (field = camera id), which the live-camera manager watches.
 */
export async function cameraRoutes(app: FastifyInstance, o: { corridors?: readonly Corridor[] }) {
  listCameras(app);
  getScene(app);
  putScene(app);
  putPlace(app, o.corridors);
}
