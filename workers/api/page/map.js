// The city map page's script: plain browser JavaScript with Leaflet, no build step. Fetches
// /api/v1/map with the user's API key, draws every located camera as a circle coloured by its level
// of service (grey when offline or frozen) and each corridor as legs coloured by speed, and refreshes
// itself. `document.body.dataset.state` ends as 'ready' or 'error' after each load (tests wait for it).
/* global L, readKey */

const LOS_COLOURS = { A: '#1a9850', B: '#91cf60', C: '#d9ef8b', D: '#fee08b', E: '#fc8d59', F: '#d73027' };
// Without a calibrated zone there is no level of service; the congestion state stands in for it.
const CONGESTION_AS_LOS = { free: 'A', slow: 'C', heavy: 'E', jam: 'F' };
const MEASURING = '#5b7fa6';
const OFFLINE = '#b8b8b8';
const REFRESH_S = Number(new URLSearchParams(location.search).get('refresh')) || 30;
// 'now' colours cameras by their latest minute; 'next' by the forecast for the next hour.
const view = () => new URLSearchParams(location.search).get('view') || 'now';

const $ = (id) => document.getElementById(id);
const state = { map: null, layer: null, tiles: null, fitted: false, timer: null };

/** How a camera is drawn: its class names (status and level) and its colours. */
function cameraStyle(c) {
  if (c.status === 'offline' || c.status === 'frozen')
    return { cls: `status-${c.status}`, fill: OFFLINE, stroke: '#555', dash: '3 2' };
  if (view() === 'next') {
    const los = c.nextHour?.los;
    if (!los) return { cls: 'next-none', fill: '#ffffff', stroke: '#5b7fa6', dash: '2 2' };
    return { cls: `next-los-${los}`, fill: LOS_COLOURS[los], stroke: '#333', dash: null };
  }
  if (c.status === 'idle') return { cls: 'status-idle', fill: '#ffffff', stroke: '#888', dash: null };
  const los = c.los || CONGESTION_AS_LOS[c.congestion] || null;
  if (!los) return { cls: `status-${c.status} los-none`, fill: MEASURING, stroke: '#2d4b6e', dash: null };
  return { cls: `status-${c.status} los-${los}`, fill: LOS_COLOURS[los], stroke: '#333', dash: null };
}

function speedColour(kmh) {
  if (kmh == null) return '#9e9e9e';
  if (kmh >= 40) return '#1a9850';
  if (kmh >= 25) return '#d9ef8b';
  if (kmh >= 15) return '#fc8d59';
  return '#d73027';
}

const localTime = (iso) => (iso ? new Date(iso).toLocaleString() : '—');

// Built with DOM nodes, not HTML strings: names and districts come from configuration files.
function popup(c) {
  const box = document.createElement('div');
  box.className = 'popup';
  const title = document.createElement('b');
  title.textContent = `${c.name} (${c.cameraId})`;
  box.append(title);
  const rows = [
    ['District', c.district ?? '—'],
    ['Status', c.status],
    ['Level of service', c.los ?? '—'],
    ['Congestion', c.congestion ?? '—'],
    ['Vehicles, last 15 min', c.volume15m ?? '—'],
    ['Mean speed', c.speedKmh == null ? '—' : `${c.speedKmh} km/h`],
    ['Measured', localTime(c.measuredAt)],
    ['Open alerts, last hour', c.alerts1h ? `${c.alerts1h} (worst: ${c.worstSeverity})` : 'none'],
    [
      'Next hour (forecast)',
      c.nextHour
        ? `LOS ${c.nextHour.los ?? '—'}, ${c.nextHour.volume ?? '—'} vehicles / 15 min` +
          (c.nextHour.speedKmh == null ? '' : `, ${c.nextHour.speedKmh} km/h`)
        : 'none yet',
    ],
  ];
  const table = document.createElement('table');
  for (const [k, v] of rows) {
    const tr = table.insertRow();
    tr.insertCell().textContent = k;
    const td = tr.insertCell();
    td.textContent = String(v);
    if (k.startsWith('Open alerts') && c.worstSeverity) td.className = `sev-${c.worstSeverity}`;
  }
  box.append(table);
  const link = document.createElement('a');
  const to = new Date();
  const from = new Date(to.getTime() - 86_400_000);
  link.href = `/report?camera=${encodeURIComponent(c.cameraId)}&from=${from.toISOString()}&to=${to.toISOString()}&interval=15`;
  link.textContent = 'Congestion report, last 24 h';
  box.append(link);
  return box;
}

function draw(data) {
  if (!state.map) {
    state.map = L.map('map', { preferCanvas: false, zoomSnap: 0.25 }).setView([10.776, 106.7], 12);
    L.control.scale({ imperial: false }).addTo(state.map);
  }
  if (data.tiles && !state.tiles)
    state.tiles = L.tileLayer(data.tiles.url, { attribution: data.tiles.attribution, maxZoom: 19 }).addTo(
      state.map,
    );
  if (state.layer) state.layer.remove();
  state.layer = L.layerGroup().addTo(state.map);
  const byId = new Map(data.cameras.map((c) => [c.cameraId, c]));
  for (const corridor of data.corridors) {
    for (const leg of corridor.legs) {
      const a = byId.get(leg.from)?.location;
      const b = byId.get(leg.to)?.location;
      if (!a || !b) continue;
      L.polyline(
        [
          [a.lat, a.lon],
          [b.lat, b.lon],
        ],
        { color: speedColour(leg.speedKmh), weight: 5, opacity: 0.85, className: 'corridor-leg' },
      )
        .bindTooltip(
          `${corridor.name}: ${leg.speedKmh == null ? 'no speed' : `${leg.speedKmh} km/h`}` +
            (leg.lengthM ? `, ${leg.lengthM} m` : ''),
        )
        .addTo(state.layer);
    }
  }
  const points = [];
  for (const c of data.cameras) {
    if (!c.location) continue;
    const s = cameraStyle(c);
    const marker = L.circleMarker([c.location.lat, c.location.lon], {
      radius: 7,
      fillColor: s.fill,
      fillOpacity: 0.95,
      color: s.stroke,
      weight: 1.5,
      dashArray: s.dash,
      className: `camera-marker camera-${c.cameraId} ${s.cls}`,
    });
    marker.bindPopup(() => popup(c)).bindTooltip(c.name);
    marker.addTo(state.layer);
    points.push([c.location.lat, c.location.lon]);
  }
  if (!state.fitted && points.length) {
    state.map.fitBounds(points, { padding: [30, 30] });
    state.fitted = true;
  }
  return points.length;
}

function showCounts(data, drawn) {
  const n = (s) => data.cameras.filter((c) => c.status === s).length;
  const unplaced = data.cameras.length - drawn;
  $('counts').textContent =
    `${data.cameras.length} cameras: ${n('online') + n('measuring')} reporting, ${n('offline')} offline, ` +
    `${n('frozen')} frozen, ${n('idle')} without recent data` +
    (unplaced ? `; ${unplaced} without a location (not drawn)` : '');
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  $('updated').textContent =
    `Updated ${localTime(data.generatedAt)} (${zone}); refreshes every ${REFRESH_S} s.`;
}

function fillDistricts(districts, chosen) {
  $('controls').view.value = view();
  const select = $('controls').district;
  const known = new Set([...select.options].map((o) => o.value));
  for (const d of districts) if (!known.has(d)) select.add(new Option(d, d));
  select.value = chosen;
}

async function load() {
  document.body.dataset.state = 'loading';
  const key = readKey();
  const district = new URLSearchParams(location.search).get('district') || '';
  $('key-field').hidden = !!key;
  if (!key) {
    $('message').textContent = 'Enter an API key (any role that reads measures).';
    document.body.dataset.state = 'error';
    return;
  }
  try {
    const params = district ? `?district=${encodeURIComponent(district)}` : '';
    const res = await fetch(`/api/v1/map${params}`, { headers: { 'x-api-key': key } });
    const body = await res.json();
    if (!res.ok) throw new Error(body.message || `HTTP ${res.status}`);
    fillDistricts(body.districts, district);
    showCounts(body, draw(body));
    $('message').textContent = '';
    document.body.dataset.state = 'ready';
  } catch (e) {
    $('message').textContent = `Could not load the map: ${e.message}`;
    document.body.dataset.state = 'error';
  }
}

$('controls').addEventListener('submit', (e) => {
  e.preventDefault();
  const f = e.target;
  if (f.key.value) localStorage.setItem('cityflow-key', f.key.value);
  const p = new URLSearchParams(location.search);
  if (f.district.value) p.set('district', f.district.value);
  else p.delete('district');
  if (f.view.value === 'next') p.set('view', 'next');
  else p.delete('view');
  history.replaceState(null, '', `${location.pathname}?${p}`);
  state.fitted = false;
  load();
});

load();
state.timer = setInterval(load, REFRESH_S * 1000);
