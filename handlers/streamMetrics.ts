import type { Connections, Handlers } from '../generated/server.js';
import type { Demo } from '../demo/services.js';
import { SharedTicker } from '../demo/ticker.js';

/** One process sample a second (from the second tick on: rates need a base), broadcast to every admin stream. */
export function streamMetrics(demo: Demo): Handlers['streamMetrics'] {
  const ticker = new SharedTicker<Connections>(1000, (connections) => {
    const open = Object.fromEntries(Object.entries(connections).map(([operationId, manager]) => [operationId, manager.count()]));
    void demo.metrics.sample(open).then((sample) => sample && connections.streamMetrics.broadcast('metrics', sample));
  });
  return async (stream, { connections }) => {
    await ticker.holdUntil(connections, stream.closed);
  };
}
