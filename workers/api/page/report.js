// The congestion report page's script: plain browser JavaScript, no build step. Reads the query
// from the address (camera or corridor, from, to, interval), fetches the report with the user's API
// key and draws it with Chart.js. `document.body.dataset.state` ends as 'ready' or 'error' (tests
// and print automation wait for it).
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
    key: localStorage.getItem('cityflow-key') || '',
  };
}

function fillForm(q) {
  const f = $('query');
  f.cameras.value = q.cameras;
  f.from.value = q.from ? q.from.slice(0, 16) : '';
  f.to.value = q.to ? q.to.slice(0, 16) : '';
  f.interval.value = q.interval;
  f.key.value = q.key;
}

function apiParams(q) {
  const ids = q.cameras
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const p = new URLSearchParams();
  p.set(ids.length > 1 ? 'corridor' : 'camera', ids.join(','));
  p.set('from', toIso(q.from));
  p.set('to', toIso(q.to));
  p.set('interval', q.interval);
  return p;
}

// datetime-local values carry no zone: the page works in UTC, like the report.
const toIso = (v) => (/[zZ]|[+-]\d\d:\d\d$/.test(v) ? v : `${v.length === 16 ? `${v}:00` : v}Z`);
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
  render(body);
  document.body.dataset.state = 'ready';
}

function render(report) {
  for (const c of charts.splice(0)) c.destroy();
  const cams = report.cameras;
  const starts = [...new Set(report.rows.map((r) => r.start))].sort();
  const rowsOf = (cam) => report.rows.filter((r) => r.cameraId === cam);
  $('subtitle').textContent =
    `${cams.length > 1 ? 'Corridor' : 'Camera'} ${cams.join(' → ')} · ${report.from.slice(0, 16).replace('T', ' ')} – ` +
    `${report.to.slice(0, 16).replace('T', ' ')} UTC · ${report.intervalMinutes}-minute intervals`;

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
    ['time (UTC)', 'camera', 'type', 'severity', 'zone', 'message'],
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
    ['from', 'to', 'departing (UTC)', 'vehicles matched', 'median min', '85th pct min'],
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
  fillForm(q);
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
    const next = {
      cameras: f.cameras.value,
      from: f.from.value,
      to: f.to.value,
      interval: f.interval.value,
      key: f.key.value,
    };
    const p = apiParams(next);
    history.replaceState(null, '', `${location.pathname}?${p}`);
    load(next).catch(fail);
  });
  if (q.cameras && q.from && q.to) load(q).catch(fail);
  else document.body.dataset.state = 'idle';
}

main();
