// The alert console's script: plain browser JavaScript, no build step. Lists alerts with the
// filters from the address, follows new ones live (the SSE stream, read with fetch so the API key
// travels in a header), acknowledges with a comment, and counts alerts per district and day.
// `document.body.dataset.state` ends as 'ready' or 'error' after each load (tests wait for it).

/* global readKey */

const $ = (id) => document.getElementById(id);
const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;
const REFRESH_S = Number(new URLSearchParams(location.search).get('refresh')) || 60;
const fresh = new Set(); // ids that arrived live: highlighted once
let streamAbort = null;

function filters() {
  const p = new URLSearchParams(location.search);
  return {
    severity: p.get('severity') || '',
    type: p.get('type') || '',
    district: p.get('district') || '',
    state: p.get('state') || 'all',
    hours: Number(p.get('hours')) || 24,
  };
}

async function api(path, init = {}) {
  const res = await fetch(path, { ...init, headers: { ...init.headers, 'x-api-key': readKey() } });
  const body = res.headers.get('content-type')?.includes('json') ? await res.json() : null;
  if (!res.ok) throw new Error(body?.message || `HTTP ${res.status}`);
  return body;
}

const localTime = (ms) => new Date(ms).toLocaleString();

function cell(tr, text, cls) {
  const td = tr.insertCell();
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function stateCell(tr, a) {
  const td = tr.insertCell();
  if (a.acknowledged) {
    td.className = 'acked';
    td.textContent = `acknowledged by ${a.acknowledged.by} at ${localTime(a.acknowledged.at)}: ${a.acknowledged.comment}`;
    return;
  }
  const b = document.createElement('button');
  b.textContent = 'Acknowledge';
  b.className = 'ack';
  b.addEventListener('click', () => openAck(a));
  td.append(b);
}

function evidenceCell(tr, a) {
  const td = tr.insertCell();
  if (!a.snapshot) return;
  const b = document.createElement('button');
  b.textContent = 'snapshot';
  b.addEventListener('click', async () => {
    const res = await fetch(`/api/v1/alerts/${encodeURIComponent(a.eventId)}/snapshot`, {
      headers: { 'x-api-key': readKey() },
    });
    if (!res.ok) {
      $('message').textContent = `snapshot: HTTP ${res.status}`;
      return;
    }
    window.open(URL.createObjectURL(await res.blob()), '_blank');
  });
  td.append(b);
}

// Built with DOM nodes, not HTML strings: messages and names come from rules and configuration.
function drawAlerts(alerts) {
  const body = $('alerts').tBodies[0];
  body.replaceChildren();
  for (const a of alerts) {
    const tr = body.insertRow();
    tr.dataset.eventId = a.eventId;
    if (fresh.has(a.eventId)) tr.className = 'new';
    cell(tr, localTime(a.tsMs));
    const sev = tr.insertCell();
    const badge = document.createElement('span');
    badge.className = `sev sev-${a.severity}`;
    badge.textContent = a.severity;
    sev.append(badge);
    cell(tr, a.type.replaceAll('_', ' '));
    cell(tr, a.cameraId);
    cell(tr, a.district ?? '—');
    cell(tr, a.message);
    evidenceCell(tr, a);
    stateCell(tr, a);
  }
  const types = $('filters').type;
  const known = new Set([...types.options].map((o) => o.value));
  for (const t of new Set(alerts.map((a) => a.type)))
    if (!known.has(t)) types.add(new Option(t.replaceAll('_', ' '), t));
  const districts = new Set(alerts.map((a) => a.district).filter(Boolean));
  $('districts').replaceChildren(...[...districts].sort().map((d) => new Option(d)));
}

function drawCounts(counts) {
  const body = $('counts').tBodies[0];
  body.replaceChildren();
  for (const r of counts.rows) {
    const tr = body.insertRow();
    for (const v of [r.day, r.district || '(none)', r.critical, r.warning, r.info, r.acknowledged])
      cell(tr, String(v));
  }
}

async function load() {
  document.body.dataset.state = 'loading';
  $('key-field').hidden = !!readKey();
  const f = filters();
  const to = new Date(Date.now() + 60_000);
  const from = new Date(to.getTime() - f.hours * 3600_000);
  const p = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), state: f.state });
  for (const k of ['severity', 'type', 'district']) if (f[k]) p.set(k, f[k]);
  try {
    const range = new URLSearchParams({
      from: new Date(to - 7 * 86_400_000).toISOString(),
      to: to.toISOString(),
      timeZone: ZONE,
    });
    const [list, counts] = await Promise.all([
      api(`/api/v1/alerts?${p}`),
      api(`/api/v1/alerts/counts?${range}`),
    ]);
    drawAlerts(list.alerts);
    drawCounts(counts);
    $('message').textContent = '';
    document.body.dataset.state = 'ready';
  } catch (e) {
    $('message').textContent = `Could not load the alerts: ${e.message}`;
    document.body.dataset.state = 'error';
  }
}

let reloadTimer = null;
const reloadSoon = () => {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(load, 300);
};

/** Follows /api/v1/events/stream; each alert reloads the list (which adds district and state). */
async function follow() {
  streamAbort?.abort();
  streamAbort = new AbortController();
  const f = filters();
  const p = new URLSearchParams();
  for (const k of ['severity', 'type']) if (f[k]) p.set(k, f[k]);
  const live = $('live');
  try {
    const res = await fetch(`/api/v1/events/stream?${p}`, {
      headers: { 'x-api-key': readKey() },
      signal: streamAbort.signal,
    });
    if (!res.ok) {
      live.textContent = `live: off (${res.status === 403 ? 'needs the operator role' : `HTTP ${res.status}`}); refreshing every ${REFRESH_S} s`;
      return;
    }
    live.textContent = 'live: on';
    live.className = 'live-on';
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let end = buf.indexOf('\n\n');
      while (end >= 0) {
        const data = buf
          .slice(0, end)
          .split('\n')
          .find((l) => l.startsWith('data: '));
        buf = buf.slice(end + 2);
        end = buf.indexOf('\n\n');
        if (!data) continue;
        fresh.add(JSON.parse(data.slice(6)).eventId);
        reloadSoon();
      }
    }
  } catch (e) {
    if (e.name === 'AbortError') return;
  }
  live.textContent = 'live: reconnecting';
  live.className = 'live-off';
  setTimeout(follow, 5000);
}

function openAck(a) {
  const dialog = $('ack-dialog');
  $('ack-title').textContent = `${a.severity} ${a.type.replaceAll('_', ' ')} at ${a.cameraId}: ${a.message}`;
  const form = $('ack-form');
  form.comment.value = '';
  dialog.onclose = async () => {
    if (dialog.returnValue !== 'ok') return;
    try {
      await api(`/api/v1/alerts/${encodeURIComponent(a.eventId)}/ack`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ comment: form.comment.value }),
      });
      await load();
    } catch (e) {
      $('message').textContent = `Not acknowledged: ${e.message}`;
    }
  };
  dialog.showModal();
}

$('filters').addEventListener('submit', (e) => {
  e.preventDefault();
  const f = e.target;
  if (f.key.value) localStorage.setItem('cityflow-key', f.key.value);
  const p = new URLSearchParams();
  for (const k of ['severity', 'type', 'district', 'state', 'hours']) if (f[k].value) p.set(k, f[k].value);
  history.replaceState(null, '', `${location.pathname}?${p}`);
  load();
  follow();
});

const f0 = filters();
for (const k of ['severity', 'district', 'state']) $('filters')[k].value = f0[k];
$('filters').hours.value = String(f0.hours);
if (f0.type) $('filters').type.add(new Option(f0.type.replaceAll('_', ' '), f0.type, true, true));
$('zone').textContent =
  `Times in ${ZONE}. Acknowledging needs the operator role; every acknowledgement is kept with who and when.`;
load();
follow();
setInterval(load, REFRESH_S * 1000);
