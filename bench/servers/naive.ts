/** Baseline: a hand-written node:http SSE server that serializes each event once and writes it to every response. */
import { EVENT_NAME, type BenchEvent } from '../payload.js';
import { serveBench } from './harness.js';
import { naiveStreams } from './naive-streams.js';

const { server, streams } = naiveStreams();

function broadcast(event: BenchEvent): void {
  const frame = Buffer.from(`event: ${EVENT_NAME}\ndata: ${JSON.stringify(event)}\n\n`);
  for (const res of streams) res.write(frame);
}

await serveBench({ server, broadcast, connections: () => streams.size });
