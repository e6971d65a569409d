/**
 * The connection inspector's page: one self-contained HTML document (no build step, nothing
 * loaded from elsewhere) that follows `<its path>/stream` with EventSource and redraws each
 * snapshot. Every value reaches the page as text (`textContent`), never as markup, and a
 * Content-Security-Policy allows only its own script, its own style and its own origin.
 */
import { createHash } from 'node:crypto';

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1b1f24; background: #f6f8fa; }
h1 { font-size: 1.3rem; margin: 0 0 .5rem; }
h2 { font-size: 1.1rem; margin: 0; }
h3 { font-size: .95rem; margin: .8rem 0 .3rem; }
section { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: .8rem 1rem; margin: .8rem 0; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: .2rem .5rem; border-bottom: 1px solid #eaeef2; vertical-align: top; }
td.data { font-family: ui-monospace, monospace; word-break: break-all; }
.figures span { margin-right: 1.2rem; }
.down, .waiting { color: #b42318; font-weight: 600; }
.up { color: #1a7f37; font-weight: 600; }
.empty { color: #6e7781; }
`;

const SCRIPT = `
const streamUrl = location.pathname.replace(/\\/$/, '') + '/stream';
const status = document.getElementById('status');
const root = document.getElementById('operations');
const broadcaster = document.getElementById('broadcaster');

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}
const bytes = (n) => n < 1024 ? n + ' B' : n < 1048576 ? (n / 1024).toFixed(1) + ' KiB' : (n / 1048576).toFixed(1) + ' MiB';
const age = (ms) => ms < 1000 ? ms + ' ms' : ms < 60000 ? (ms / 1000).toFixed(1) + ' s' : Math.round(ms / 60000) + ' min';
const time = (at) => new Date(at).toLocaleTimeString();

function table(headings, rows, empty) {
  if (rows.length === 0) return el('p', { class: 'empty' }, empty);
  return el('table', {}, el('thead', {}, el('tr', {}, ...headings.map((h) => el('th', {}, h)))), el('tbody', {}, ...rows));
}

function operation(op, now) {
  const connections = op.connections.map((c) => el('tr', { 'data-connection': c.id },
    el('td', {}, c.id), el('td', {}, c.topic || '—'), el('td', {}, c.identity ?? 'anonymous'),
    el('td', { class: 'data' }, c.metadata === '{}' ? '' : c.metadata), el('td', {}, age(now - c.connectedAt)),
    el('td', {}, c.lastEventId ?? ''), el('td', {}, bytes(c.bufferedBytes)),
    el('td', c.waitingMs === null ? {} : { class: 'waiting' }, c.waitingMs === null ? '' : 'waiting ' + age(c.waitingMs))));
  const hidden = op.open - op.connections.length;
  const topics = op.topics.map((t) => el('tr', {}, el('td', {}, t.topic || '—'), el('td', {}, t.connections),
    el('td', {}, t.replay ? t.replay.events + ' events, ' + bytes(t.replay.bytes) : op.replayable ? 'not reported by the replayer' : 'no replay')));
  const events = op.recentEvents.map((e) => el('tr', {}, el('td', {}, time(e.at)), el('td', {}, e.event ?? 'message'),
    el('td', {}, e.id ?? ''), el('td', {}, e.topic ? JSON.stringify(e.topic) : 'all'), el('td', {}, e.size),
    el('td', { class: 'data' }, e.data + (e.truncated ? '…' : ''))));
  return el('section', { 'data-operation': op.operationId },
    el('h2', {}, op.operationId + ' ', el('small', {}, 'GET ' + op.path)),
    el('p', { class: 'figures' },
      el('span', {}, 'open ', el('b', { class: 'open' }, op.open)),
      el('span', op.waiting ? { class: 'waiting' } : {}, 'waiting for drain ', op.waiting),
      el('span', {}, op.eventsPerSecond + ' events/s'), el('span', {}, bytes(op.bytesPerSecond) + '/s'),
      el('span', {}, op.eventsSent + ' events, ' + bytes(op.bytesSent) + ' sent')),
    el('h3', {}, 'Connections' + (hidden > 0 ? ' (slowest ' + op.connections.length + ' of ' + op.open + ')' : '')),
    table(['id', 'topic', 'identity', 'metadata', 'open for', 'last event id', 'buffered', ''], connections, 'No open connection'),
    el('h3', {}, 'Topics and replay logs'),
    table(['topic', 'connections', 'replay log'], topics, 'No topic with a connection'),
    el('h3', {}, 'Last events broadcast'),
    table(['at', 'event', 'id', 'topic', 'size', 'data'], events, 'None yet'));
}

function render(snapshot) {
  const b = snapshot.broadcaster;
  broadcaster.replaceChildren(
    'Broadcaster: ', el('span', { class: b.state === 'down' ? 'down' : 'up', id: 'broadcaster-state' }, b.state),
    ' since ' + time(b.since) + ', ' + b.outages + ' outage' + (b.outages === 1 ? '' : 's') + (b.error ? ' (' + b.error + ')' : ''));
  root.replaceChildren(...snapshot.operations.map((op) => operation(op, snapshot.at)));
  status.textContent = 'Live, updated ' + time(snapshot.at);
}

const source = new EventSource(streamUrl);
source.addEventListener('snapshot', (event) => render(JSON.parse(event.data)));
source.addEventListener('error', () => { status.textContent = source.readyState === EventSource.CLOSED ? 'Refused (see the network panel)' : 'Reconnecting…'; });
`;

const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** Allows the page's own script and style and requests to its own origin, nothing else. */
export const INSPECTOR_PAGE_POLICY = `default-src 'none'; script-src ${hash(SCRIPT)}; style-src ${hash(STYLE)}; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

export const INSPECTOR_PAGE = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Connection inspector</title>
<style>${STYLE}</style>
<h1>Connection inspector</h1>
<p id="status">Connecting…</p>
<p id="broadcaster"></p>
<div id="operations"></div>
<script>${SCRIPT}</script>
</html>
`;
