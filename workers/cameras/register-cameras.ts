import type { ClickHouseClient } from '@clickhouse/client';
import { insertRows } from '../../pipeline/store/insert-rows.ts';
import type { CameraConfig } from '../../schemas/config.ts';
import { type CameraPlace, placeOf, withoutPlace } from '../../schemas/place.ts';
import type { SceneConfig } from '../../schemas/scene.ts';

/**
 * Scenes set through the API (`PUT /api/v1/cameras/:id/scene`) win over the configuration file's,
 * across restarts: the API stores the camera's row with `"sceneSetBy": "api"` in its config JSON, and
 * `run` takes those scenes when it starts (and on SIGHUP) instead of the file's, writing the marker
 * again so the next restart keeps them too. Without it, the file's row was inserted as the newest
 * version at every start and the operator's scene was silently gone.
 */
export const SCENE_SET_BY = 'sceneSetBy';
/** The same for a camera's place (`PUT /api/v1/cameras/:id/place`): location, heading, district, corridors. */
export const PLACE_SET_BY = 'placeSetBy';

/** The newest config JSON of each camera (unreadable rows left out). */
async function storedConfigs(client: ClickHouseClient): Promise<Map<string, Record<string, unknown>>> {
  const rs = await client.query({
    query: 'SELECT camera_id, config FROM cameras FINAL',
    format: 'JSONEachRow',
  });
  const out = new Map<string, Record<string, unknown>>();
  for (const row of await rs.json<{ camera_id: string; config: string }>()) {
    try {
      out.set(row.camera_id, JSON.parse(row.config || '{}') as Record<string, unknown>);
    } catch {
      // an unreadable row sets nothing
    }
  }
  return out;
}

/** The places set through the API, by camera id. */
export async function apiPlaces(client: ClickHouseClient): Promise<Map<string, CameraPlace>> {
  const out = new Map<string, CameraPlace>();
  for (const [id, config] of await storedConfigs(client)) {
    if (config[PLACE_SET_BY] !== 'api') continue;
    out.set(id, placeOf(config));
  }
  return out;
}

/** The scenes set through the API, by camera id, from the newest row of each camera. */
export async function apiScenes(client: ClickHouseClient): Promise<Map<string, SceneConfig>> {
  const out = new Map<string, SceneConfig>();
  for (const [id, config] of await storedConfigs(client))
    if (config[SCENE_SET_BY] === 'api' && config.scene) out.set(id, config.scene as SceneConfig);
  return out;
}

/** The cameras with their API-set place where they have one (it replaces the file's place keys). */
export function withApiPlaces(
  cameras: readonly CameraConfig[],
  places: ReadonlyMap<string, CameraPlace>,
): CameraConfig[] {
  return cameras.map((c) => {
    const place = places.get(c.id);
    if (!place) return c;
    return { ...withoutPlace(c), ...place } as CameraConfig;
  });
}

/** The cameras with their API-set scene where they have one. */
export function withApiScenes(
  cameras: readonly CameraConfig[],
  scenes: ReadonlyMap<string, SceneConfig>,
): CameraConfig[] {
  return cameras.map((c) => {
    const scene = scenes.get(c.id);
    return scene ? { ...c, scene } : c;
  });
}

/**
 * Records the cameras in the `cameras` table and returns them as the pipeline must run them: with
 * the scenes and places set through the API in place of the file's, marked again so that the next
 * restart keeps them too.
 *
 * @example
 *   const cameras = await registerCameras(client, config.cameras); // at every start of `run`
 */
export async function registerCameras(
  client: ClickHouseClient,
  cameras: readonly CameraConfig[],
): Promise<CameraConfig[]> {
  const [scenes, places] = await Promise.all([apiScenes(client), apiPlaces(client)]);
  const effective = withApiPlaces(withApiScenes(cameras, scenes), places);
  await insertRows(
    client,
    'cameras',
    effective.map((cam) => ({
      camera_id: cam.id,
      name: cam.name ?? cam.id,
      source_uri: cam.source,
      config: JSON.stringify({
        ...cam,
        ...(scenes.has(cam.id) ? { [SCENE_SET_BY]: 'api' } : {}),
        ...(places.has(cam.id) ? { [PLACE_SET_BY]: 'api' } : {}),
      }),
    })),
  );
  return effective;
}
