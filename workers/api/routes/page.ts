import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';

const here = (f: string) => new URL(`../page/${f}`, import.meta.url);
// chart.js exports no subpath for its UMD build: find the package through its main entry.
const chartJs = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');
// Leaflet's main entry is its dist/leaflet-src.js: its folder holds the minified build and the CSS.
const leafletDist = dirname(createRequire(import.meta.url).resolve('leaflet'));

/**
 * The pages: the congestion report and the city map: plain HTML and one script, with Chart.js's UMD build served from
 * node_modules, so a browser needs nothing installed and nothing is built. The page holds no data:
 * its script calls the report endpoint with the user's API key (from the form, kept in the browser's
 * localStorage, or given once in the address as `#key=...`).
 *
 *   /report?camera=cam-07&from=2026-11-02T00:00:00Z&to=2026-11-03T00:00:00Z&interval=15
 *   /report?corridor=cam-07,cam-08,cam-09&from=...&to=...
 *
 * The city map works the same way with Leaflet (BSD-2-Clause), also from node_modules; its base-map
 * tiles come from the configured URL (`map.tiles`), so it works offline on a plain background.
 *
 *   /map?district=District%201&refresh=30
 *
 * The alert console lists alerts, follows new ones live and lets operators acknowledge them:
 *
 *   /alerts?severity=warning&state=open&district=District%201&hours=24
 */
export async function pageRoutes(app: FastifyInstance) {
  const files: Record<string, { path: string | URL; type: string }> = {
    '/report': { path: here('report.html'), type: 'text/html; charset=utf-8' },
    '/report/report.js': { path: here('report.js'), type: 'text/javascript; charset=utf-8' },
    '/report/report.css': { path: here('report.css'), type: 'text/css; charset=utf-8' },
    '/report/chart.umd.min.js': { path: chartJs, type: 'text/javascript; charset=utf-8' },
    '/pages/api-key.js': { path: here('api-key.js'), type: 'text/javascript; charset=utf-8' },
    '/alerts': { path: here('alerts.html'), type: 'text/html; charset=utf-8' },
    '/alerts/alerts.js': { path: here('alerts.js'), type: 'text/javascript; charset=utf-8' },
    '/alerts/alerts.css': { path: here('alerts.css'), type: 'text/css; charset=utf-8' },
    '/map': { path: here('map.html'), type: 'text/html; charset=utf-8' },
    '/map/map.js': { path: here('map.js'), type: 'text/javascript; charset=utf-8' },
    '/map/map.css': { path: here('map.css'), type: 'text/css; charset=utf-8' },
    '/map/leaflet.js': { path: join(leafletDist, 'leaflet.js'), type: 'text/javascript; charset=utf-8' },
    '/map/leaflet.css': { path: join(leafletDist, 'leaflet.css'), type: 'text/css; charset=utf-8' },
  };
  for (const [url, f] of Object.entries(files)) {
    const body = readFileSync(f.path);
    app.get(url, { schema: { hide: true } }, async (_request, reply) =>
      reply.type(f.type).header('cache-control', 'no-cache').send(body),
    );
  }
}
