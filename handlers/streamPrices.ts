import type { Connections, Handlers } from '../generated/server.js';
import { DEFAULT_SYMBOLS } from '../demo/prices.js';
import type { Demo } from '../demo/services.js';
import { SharedTicker } from '../demo/ticker.js';

/**
 * Every default symbol's price: the current quotes at once, then one broadcast a second to
 * every open stream (each event serialized once, whatever the number of listeners).
 */
export function streamPrices(demo: Demo): Handlers['streamPrices'] {
  const ticker = new SharedTicker<Connections>(1000, (connections) => {
    for (const symbol of DEFAULT_SYMBOLS) connections.streamPrices.broadcast('priceUpdate', demo.prices.quote(symbol));
  });
  return async (stream, { connections }) => {
    for (const symbol of DEFAULT_SYMBOLS) stream.send('priceUpdate', demo.prices.quote(symbol));
    await ticker.holdUntil(connections, stream.closed);
  };
}
