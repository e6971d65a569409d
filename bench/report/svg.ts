/** A plain SVG bar chart: throughput and CPU per event (back-to-back), p99 latency (100 ms interval), per server and case. */
import { SERVERS, type ServerName } from '../run-once.js';
import type { MedianRow } from '../summary.js';

const COLORS: Record<ServerName, string> = {
  'asyncapi-sse': '#2f6fdf',
  'asyncapi-sse-unbatched': '#8fb3f0',
  'better-sse': '#e08a1e',
  naive: '#8a8a8a',
  'naive-batched': '#c4c4c4',
  'asyncapi-sse-redis': '#1a9a6a',
  'asyncapi-sse-cluster': '#7a3fb0',
};
const PANEL_WIDTH = 900;
const PANEL_HEIGHT = 220;
const MARGIN = { left: 70, top: 34, bottom: 40 };
const TICKS = 4;

interface Panel {
  title: string;
  rows: MedianRow[];
  value: (row: MedianRow) => number;
  label: (row: MedianRow) => string;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 2.5, 5, 10].map((step) => step * magnitude).find((candidate) => candidate >= value)!;
}

function formatTick(value: number): string {
  return value >= 1000 ? `${value / 1000}k` : String(Number(value.toPrecision(3)));
}

function panel(spec: Panel, top: number): string {
  const groups = [...new Set(spec.rows.map(spec.label))];
  const plotWidth = PANEL_WIDTH - MARGIN.left - 20;
  const plotHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const max = niceMax(Math.max(0, ...spec.rows.map(spec.value).filter(Number.isFinite)));
  const groupWidth = plotWidth / Math.max(1, groups.length);
  const shown = SERVERS.filter((server) => spec.rows.some((row) => row.server === server));
  const barWidth = (groupWidth * 0.8) / Math.max(1, shown.length);
  const baseY = top + MARGIN.top + plotHeight;
  const parts = [`<text x="${MARGIN.left}" y="${top + 20}" font-size="14" font-weight="bold">${escape(spec.title)}</text>`];
  for (let tick = 0; tick <= TICKS; tick++) {
    const value = (max * tick) / TICKS;
    const y = baseY - (plotHeight * tick) / TICKS;
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${y + 4}" font-size="11" text-anchor="end">${formatTick(value)}</text>`);
  }
  groups.forEach((group, index) => {
    const groupX = MARGIN.left + index * groupWidth + groupWidth * 0.1;
    shown.forEach((server, slot) => {
      const row = spec.rows.find((candidate) => candidate.server === server && spec.label(candidate) === group);
      const value = row ? spec.value(row) : Number.NaN;
      if (!Number.isFinite(value)) return;
      const height = (plotHeight * value) / max;
      const x = groupX + slot * barWidth;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${(baseY - height).toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${height.toFixed(1)}" fill="${COLORS[server]}"><title>${escape(`${server} ${group}: ${value.toPrecision(4)}`)}</title></rect>`,
      );
    });
    parts.push(`<text x="${(groupX + groupWidth * 0.4).toFixed(1)}" y="${baseY + 16}" font-size="11" text-anchor="middle">${escape(group)}</text>`);
  });
  return parts.join('\n');
}

/** Null when no row belongs to a charted scenario. */
export function chart(rows: MedianRow[], caption: string): string | null {
  const burst = rows.filter((row) => row.scenario === 'burst');
  const interval = rows.filter((row) => row.scenario === 'interval');
  const burstLabel = (row: MedianRow) => `N=${row.connections} ${row.size} B`;
  const panels: Panel[] = [
    { title: 'Back-to-back broadcast: delivered events/s (higher is better)', rows: burst, value: (row) => row.eventsPerSec, label: burstLabel },
    { title: 'Back-to-back broadcast: server CPU µs per delivered event (lower is better)', rows: burst, value: (row) => row.serverCpuPerEventUs, label: burstLabel },
    { title: 'One broadcast every 100 ms: p99 publish→receive latency, ms (lower is better)', rows: interval, value: (row) => row.latencyP99Ms, label: (row) => `N=${row.connections}` },
  ];
  if (burst.length + interval.length === 0) return null;
  const height = panels.length * PANEL_HEIGHT + 64;
  const legend = SERVERS.filter((server) => rows.some((row) => row.server === server)).map(
    (server, index) =>
      `<rect x="${MARGIN.left + index * 180}" y="${height - 48}" width="12" height="12" fill="${COLORS[server]}"/><text x="${MARGIN.left + index * 180 + 18}" y="${height - 38}" font-size="12">${server}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${PANEL_WIDTH}" height="${height}" viewBox="0 0 ${PANEL_WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...panels.map((spec, index) => panel(spec, index * PANEL_HEIGHT)),
    ...legend,
    `<text x="${PANEL_WIDTH - 20}" y="${height - 12}" font-size="11" text-anchor="end" fill="#555">${escape(caption)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
