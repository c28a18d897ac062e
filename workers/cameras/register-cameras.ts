import type { ClickHouseClient } from '@clickhouse/client';
import { insertRows } from '../../pipeline/store/insert-rows.ts';
import type { CameraConfig } from '../../schemas/config.ts';
import type { SceneConfig } from '../../schemas/scene.ts';

/**
 * Scenes set through the API (`PUT /api/v1/cameras/:id/scene`) win over the configuration file's,
 * across restarts: the API stores the camera's row with `"sceneSetBy": "api"` in its config JSON, and
 * `run` takes those scenes when it starts (and on SIGHUP) instead of the file's, writing the marker
 * again so the next restart keeps them too. Without it, the file's row was inserted as the newest
 * version at every start and the operator's scene was silently gone.
 */
export const SCENE_SET_BY = 'sceneSetBy';

/** The scenes set through the API, by camera id, from the newest row of each camera. */
export async function apiScenes(client: ClickHouseClient): Promise<Map<string, SceneConfig>> {
  const rs = await client.query({
    query: 'SELECT camera_id, config FROM cameras FINAL',
    format: 'JSONEachRow',
  });
  const out = new Map<string, SceneConfig>();
  for (const row of await rs.json<{ camera_id: string; config: string }>()) {
    let config: Record<string, unknown>;
    try {
      config = JSON.parse(row.config || '{}') as Record<string, unknown>;
    } catch {
      continue; // an unreadable row sets nothing
    }
    if (config[SCENE_SET_BY] === 'api' && config.scene) out.set(row.camera_id, config.scene as SceneConfig);
  }
  return out;
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
 * the scenes set through the API in place of the file's, marked again so that the next restart
 * keeps them too.
 *
 * @example
 *   const cameras = await registerCameras(client, config.cameras); // at every start of `run`
 */
export async function registerCameras(
  client: ClickHouseClient,
  cameras: readonly CameraConfig[],
): Promise<CameraConfig[]> {
  const scenes = await apiScenes(client);
  const effective = withApiScenes(cameras, scenes);
  await insertRows(
    client,
    'cameras',
    effective.map((cam) => ({
      camera_id: cam.id,
      name: cam.name ?? cam.id,
      source_uri: cam.source,
      config: JSON.stringify(scenes.has(cam.id) ? { ...cam, [SCENE_SET_BY]: 'api' } : cam),
    })),
  );
  return effective;
}
