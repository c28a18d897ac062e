// The congestion report page's script: plain browser JavaScript, no build step. Reads the query
// from the address (camera or corridor, from, to, interval, timeZone), fetches the report with the
// user's API key and draws it with Chart.js. `document.body.dataset.state` ends as 'ready' or 'error'
// (tests and print automation wait for it).
//
// Times are shown in the report's time zone: the one in the address or the form, else the API's
// default (the report says which). The API writes every time as local wall time with its offset, so
// the page shows those strings as they are; only the form's from/to inputs, which carry no zone, are
// converted here.
/* global Chart */

const LOS = ['A', 'B', 'C', 'D', 'E', 'F'];
const LOS_COLOURS = ['#1a9850', '#91cf60', '#d9ef8b', '#fee08b', '#fc8d59', '#d73027'];
const CLASS_COLOURS = {
  car: '#4e79a7',
  motorcycle: '#f28e2b',
  bus: '#e15759',
  truck: '#76b7b2',
  bicycle: '#59a14f',
  person: '#edc948',
};
const CAMERA_COLOURS = ['#4e79a7', '#e15759', '#59a14f', '#b07aa1', '#f28e2b', '#9c755f', '#76b7b2'];

const $ = (id) => document.getElementById(id);
const charts = [];
// A new form starts in the browser's zone; a report opened from an address without one, in the API's.
const BROWSER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

// The zone's offset from UTC at an instant, ms ("GMT+05:30" from Intl; "GMT" for zero).
function offsetMs(zone, ms) {
  const text = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).format(ms);
  const m = /GMT(?:([+-])(\d\d):(\d\d))?/.exec(text);
  if (!m?.[1]) return 0;
  const v = (Number(m[2]) * 60 + Number(m[3])) * 60_000;
  return m[1] === '-' ? -v : v;
}

// An instant as the zone's wall time, 'YYYY-MM-DDTHH:MM' (a datetime-local value).
const wallTime = (ms, zone) => new Date(ms + offsetMs(zone, ms)).toISOString().slice(0, 16);

// A datetime-local value read in the zone, as ISO 8601 with the zone's offset. The offset is looked up
// twice: at the wall time taken as UTC, then at the instant that gives (right except within a DST jump).
function zonedIso(value, zone) {
  if (/[zZ]|[+-]\d\d:\d\d$/.test(value)) return value;
  const wall = Date.parse(`${value.length === 16 ? `${value}:00` : value}Z`);
  if (Number.isNaN(wall)) return value; // the API answers with what is wrong with it
  const off = offsetMs(zone, wall - offsetMs(zone, wall));
  const mins = Math.abs(off) / 60_000;
  const hhmm = `${String(Math.floor(mins / 60)).padStart(2, '0')}:${String(mins % 60).padStart(2, '0')}`;
  return `${new Date(wall).toISOString().slice(0, 19)}${off < 0 ? '-' : '+'}${hhmm}`;
}

function isZone(zone) {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function showZone(zone) {
  $('zone-note').textContent = zone ? `Times in ${zone}.` : "Times in the report's time zone.";
}

function readQuery() {
  const p = new URLSearchParams(location.search);
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get('key')) {
    localStorage.setItem('cityflow-key', hash.get('key'));
    history.replaceState(null, '', location.pathname + location.search); // the key leaves the address bar
  }
  return {
    cameras: p.get('corridor') || p.get('camera') || '',
    from: p.get('from') || '',
    to: p.get('to') || '',
    interval: p.get('interval') || '15',
    timeZone: p.get('timeZone') || '',
    key: localStorage.getItem('cityflow-key') || '',
  };
}

// The form shows from/to in `zone` (UTC until the API has said which zone when it is empty).
function fillForm(q, zone) {
  const f = $('query');
  const shown = zone && isZone(zone) ? zone : 'UTC';
  const input = (v) => {
    const ms = Date.parse(toIso(v, q.timeZone));
    return Number.isNaN(ms) ? v.slice(0, 16) : wallTime(ms, shown);
  };
  f.cameras.value = q.cameras;
  f.from.value = q.from ? input(q.from) : '';
  f.to.value = q.to ? input(q.to) : '';
  f.interval.value = q.interval;
  f.tz.value = zone;
  f.key.value = q.key;
  showZone(zone);
}

function fillZones() {
  $('query').tz.placeholder = BROWSER_ZONE; // what an empty field means on Show
  const list = $('time-zones');
  for (const zone of ['UTC', ...(Intl.supportedValuesOf?.('timeZone') ?? [])]) {
    const option = document.createElement('option');
    option.value = zone;
    list.append(option);
  }
}

function apiParams(q) {
  const ids = q.cameras
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const p = new URLSearchParams();
  p.set(ids.length > 1 ? 'corridor' : 'camera', ids.join(','));
  p.set('from', toIso(q.from, q.timeZone));
  p.set('to', toIso(q.to, q.timeZone));
  p.set('interval', q.interval);
  if (q.timeZone) p.set('timeZone', q.timeZone);
  return p;
}

// A time without an offset (typed into the address) is read in the query's zone, else in UTC.
const toIso = (v, zone) => (zone && isZone(zone) ? zonedIso(v, zone) : zonedIso(v, 'UTC'));
const label = (iso) => iso.slice(5, 16).replace('T', ' ');
const fmt = (v, digits = 1) => (v === null || v === undefined ? '–' : Number(v).toFixed(digits));

async function load(q) {
  document.body.dataset.state = 'loading';
  $('message').textContent = '';
  const params = apiParams(q);
  $('csv').setAttribute('href', `/api/v1/reports/congestion?${params}&format=csv`);
  const res = await fetch(`/api/v1/reports/congestion?${params}`, { headers: { 'x-api-key': q.key } });
  const body = await res.json();
  if (!res.ok) throw new Error(body.message || `HTTP ${res.status}`);
  fillForm(q, body.timeZone);
  render(body);
  await renderForecast(params, q.key, body.timeZone);
  document.body.dataset.state = 'ready';
}

// The cameras' current forecasts (15, 30, 60 minutes ahead, 80 % bands): what comes after the report.
// A failure here leaves the report as it is and says why in the table.
async function renderForecast(params, key, zone) {
  const which = params.has('corridor')
    ? `corridor=${encodeURIComponent(params.get('corridor'))}`
    : `camera=${encodeURIComponent(params.get('camera'))}`;
  const at = (iso) => new Date(iso).toLocaleString('sv-SE', { timeZone: zone || 'UTC' }).slice(0, 16);
  const band = (v, lo, hi, d) => (v === null ? '–' : `${fmt(v, d)} (${fmt(lo, d)}–${fmt(hi, d)})`);
  try {
    const res = await fetch(`/api/v1/forecast?${which}`, { headers: { 'x-api-key': key } });
    const body = await res.json();
    if (!res.ok) throw new Error(body.message || `HTTP ${res.status}`);
    const rows = body.cameras.flatMap((c) =>
      c.status === 'ok'
        ? c.horizons.map((h) => [
            c.cameraId,
            `+${h.horizonMin} min`,
            at(h.targetStart),
            band(h.volume, h.volumeLow, h.volumeHigh, 0),
            band(h.speedKmh, h.speedLow, h.speedHigh, 1),
            h.los ?? '–',
          ])
        : [[c.cameraId, '', '', c.reason ?? c.status, '', '']],
    );
    table(
      $('forecast-table'),
      [
        'camera',
        'ahead',
        `interval from (${zone || 'UTC'})`,
        'vehicles (80 % band)',
        'mean speed km/h (80 % band)',
        'LOS',
      ],
      rows,
      'no forecast',
    );
  } catch (e) {
    table($('forecast-table'), ['forecast'], [[`not available: ${e.message}`]]);
  }
}

function render(report) {
  for (const c of charts.splice(0)) c.destroy();
  const cams = report.cameras;
  // By instant, not by text: across a DST change local wall times repeat with another offset.
  const starts = [...new Set(report.rows.map((r) => r.start))].sort((a, b) => Date.parse(a) - Date.parse(b));
  const rowsOf = (cam) => report.rows.filter((r) => r.cameraId === cam);
  const zone = report.timeZone;
  $('subtitle').textContent =
    `${cams.length > 1 ? 'Corridor' : 'Camera'} ${cams.join(' → ')} · ${report.from.slice(0, 16).replace('T', ' ')} – ` +
    `${report.to.slice(0, 16).replace('T', ' ')} ${zone} · ${report.intervalMinutes}-minute intervals`;

  // Volume by class, summed over the corridor's cameras.
  const classes = Object.keys(CLASS_COLOURS).filter((c) =>
    report.rows.some((r) => (r.volumeByClass[c] || 0) > 0),
  );
  const volumeData = classes.map((c) => ({
    label: c,
    backgroundColor: CLASS_COLOURS[c],
    data: starts.map((s) =>
      report.rows.filter((r) => r.start === s).reduce((n, r) => n + (r.volumeByClass[c] || 0), 0),
    ),
  }));
  charts.push(
    new Chart($('chart-volume'), {
      type: 'bar',
      data: { labels: starts.map(label), datasets: volumeData },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: 'vehicles' } } },
      },
    }),
  );
  charts.push(
    new Chart($('chart-speed'), {
      type: 'line',
      data: {
        labels: starts.map(label),
        datasets: cams.map((cam, i) => ({
          label: cam,
          borderColor: CAMERA_COLOURS[i % CAMERA_COLOURS.length],
          spanGaps: false,
          data: rowsOf(cam).map((r) => r.speedMeanKmh),
        })),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { y: { title: { display: true, text: 'km/h' } } },
      },
    }),
  );
  charts.push(
    new Chart($('chart-los'), {
      type: 'bar',
      data: {
        labels: starts.map(label),
        datasets: cams.map((cam) => ({
          label: cam,
          data: rowsOf(cam).map((r) => (r.los ? LOS.indexOf(r.los) + 1 : null)),
          backgroundColor: rowsOf(cam).map((r) => (r.los ? LOS_COLOURS[LOS.indexOf(r.los)] : '#ccc')),
        })),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: {
          legend: { display: cams.length > 1 },
          tooltip: { callbacks: { label: (c) => `${c.dataset.label}: LOS ${LOS[c.raw - 1]}` } },
        },
        scales: { y: { min: 0, max: 6, ticks: { stepSize: 1, callback: (v) => LOS[v - 1] || '' } } },
      },
    }),
  );

  const summary = cams.map((cam) => {
    const rows = rowsOf(cam);
    const volume = rows.reduce((n, r) => n + r.volume, 0);
    const speeds = rows.filter((r) => r.speedMeanKmh !== null);
    const worst =
      rows
        .map((r) => r.los)
        .filter(Boolean)
        .sort()
        .pop() || '–';
    const peak = rows.reduce((a, r) => (r.volume > (a?.volume ?? -1) ? r : a), null);
    return [
      cam,
      volume,
      speeds.length ? fmt(speeds.reduce((n, r) => n + r.speedMeanKmh, 0) / speeds.length) : '–',
      worst,
      peak ? label(peak.start) : '–',
      rows.reduce((n, r) => n + r.incidents, 0),
    ];
  });
  table(
    $('summary-table'),
    ['camera', 'vehicles', 'mean speed km/h', 'worst LOS', 'busiest interval', 'incidents'],
    summary,
  );
  table(
    $('incidents-table'),
    [`time (${zone})`, 'camera', 'type', 'severity', 'zone', 'message'],
    report.incidents.map((e) => [
      e.ts.slice(0, 19).replace('T', ' '),
      e.cameraId,
      e.type,
      e.severity,
      e.zoneId,
      e.message,
    ]),
    'no incidents in this period',
  );
  table(
    $('travel-table'),
    ['from', 'to', `departing (${zone})`, 'vehicles matched', 'median min', '85th pct min'],
    report.travelTimes.flatMap((t) =>
      t.intervals.map((i) => [
        t.fromCamera,
        t.toCamera,
        i.start.slice(0, 16).replace('T', ' '),
        i.matched,
        fmt(i.medianSeconds / 60),
        fmt(i.p85Seconds / 60),
      ]),
    ),
    report.cameras.length > 1
      ? 'no vehicle matched between consecutive cameras'
      : 'one camera: no travel times',
  );
  document.body.dataset.points = String(starts.length);
  document.body.dataset.incidents = String(report.incidents.length);
}

function table(el, head, rows, empty) {
  el.replaceChildren();
  const tr = (cells, tag) => {
    const row = document.createElement('tr');
    for (const c of cells) {
      const cell = document.createElement(tag);
      cell.textContent = String(c);
      if (typeof c === 'number') cell.className = 'num';
      row.append(cell);
    }
    return row;
  };
  el.append(tr(head, 'th'));
  for (const r of rows) el.append(tr(r, 'td'));
  if (!rows.length && empty) el.append(tr([empty], 'td'));
}

function fail(e) {
  $('message').textContent = e.message;
  document.body.dataset.state = 'error';
}

function main() {
  const q = readQuery();
  const ready = q.cameras && q.from && q.to;
  fillZones();
  fillForm(q, q.timeZone || (ready ? '' : BROWSER_ZONE));
  $('print').addEventListener('click', () => window.print());
  // The CSV needs the key in a header too, so it is fetched and handed over as a file.
  $('csv').addEventListener('click', async (ev) => {
    ev.preventDefault();
    const key = $('query').key.value;
    const res = await fetch($('csv').href, { headers: { 'x-api-key': key } });
    if (!res.ok) return fail(new Error((await res.json()).message));
    const a = document.createElement('a');
    a.href = URL.createObjectURL(await res.blob());
    a.download = 'congestion.csv';
    a.click();
    URL.revokeObjectURL(a.href);
  });
  $('query').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = ev.target;
    localStorage.setItem('cityflow-key', f.key.value);
    const zone = f.tz.value.trim() || BROWSER_ZONE;
    if (!isZone(zone))
      return fail(new Error(`unknown time zone "${zone}" (an IANA name, e.g. Asia/Ho_Chi_Minh)`));
    const next = {
      cameras: f.cameras.value,
      from: zonedIso(f.from.value, zone),
      to: zonedIso(f.to.value, zone),
      interval: f.interval.value,
      timeZone: zone,
      key: f.key.value,
    };
    const p = apiParams(next);
    history.replaceState(null, '', `${location.pathname}?${p}`);
    load(next).catch(fail);
  });
  if (ready) load(q).catch(fail);
  else document.body.dataset.state = 'idle';
}

main();
