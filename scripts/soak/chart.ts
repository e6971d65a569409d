/**
 * The soak's memory chart: RSS and heap used over time as one small SVG (two polylines on a
 * grid need no charting library).
 */
export interface MemorySample {
  /** Seconds since the soak started. */
  t: number;
  rss: number;
  heapUsed: number;
}

const WIDTH = 720;
const HEIGHT = 300;
const PAD = { left: 56, right: 16, top: 28, bottom: 36 };
const MB = 1024 * 1024;

export function memoryChart(samples: MemorySample[], title: string): string {
  const seconds = Math.max(1, samples.at(-1)?.t ?? 1);
  const topMb = Math.ceil(Math.max(1, ...samples.map((s) => s.rss / MB)) / 50) * 50;
  const x = (t: number) => PAD.left + (t / seconds) * (WIDTH - PAD.left - PAD.right);
  const y = (mb: number) => HEIGHT - PAD.bottom - (mb / topMb) * (HEIGHT - PAD.top - PAD.bottom);
  const line = (value: (s: MemorySample) => number) => samples.map((s) => `${x(s.t).toFixed(1)},${y(value(s) / MB).toFixed(1)}`).join(' ');
  const yTicks = Array.from({ length: 6 }, (_, i) => (topMb * i) / 5);
  const minutes = seconds / 60;
  const xStep = minutes > 20 ? 5 : minutes > 5 ? 1 : 0.5;
  const xTicks = Array.from({ length: Math.floor(minutes / xStep) + 1 }, (_, i) => i * xStep);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${PAD.left}" y="16" font-size="13">${escapeXml(title)}</text>`,
    ...yTicks.map((mb) => `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(mb)}" y2="${y(mb)}" stroke="#ddd"/><text x="${PAD.left - 6}" y="${y(mb) + 4}" text-anchor="end">${mb} MB</text>`),
    ...xTicks.map((m) => `<text x="${x(m * 60)}" y="${HEIGHT - PAD.bottom + 16}" text-anchor="middle">${m} min</text>`),
    `<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="${line((s) => s.rss)}"/>`,
    `<polyline fill="none" stroke="#d62728" stroke-width="1.5" points="${line((s) => s.heapUsed)}"/>`,
    `<text x="${WIDTH - PAD.right - 150}" y="16" fill="#1f77b4">— RSS</text><text x="${WIDTH - PAD.right - 80}" y="16" fill="#d62728">— heap used</text>`,
    '</svg>',
    '',
  ].join('\n');
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
