import type { Connections, Handlers } from '../generated/server.js';
import type { Demo } from '../demo/services.js';
import { SharedTicker } from '../demo/ticker.js';

/** One process sample a second, broadcast to every admin stream. */
export function streamMetrics(demo: Demo): Handlers['streamMetrics'] {
  const ticker = new SharedTicker<Connections>(1000, (connections) => {
    void demo.metrics.sample().then((sample) => connections.streamMetrics.broadcast('metrics', sample));
  });
  return async (stream, { connections }) => {
    const release = ticker.hold(connections);
    try {
      await stream.closed;
    } finally {
      release();
    }
  };
}
