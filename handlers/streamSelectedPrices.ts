import type { Handlers } from '../generated/server.js';
import type { Demo } from '../demo/services.js';

/** The chosen symbols' prices, at once and then every `interval` ms, until the client leaves. */
export function streamSelectedPrices(demo: Demo): Handlers['streamSelectedPrices'] {
  return async (stream, { body }) => {
    const symbols = [...new Set(body.symbols)];
    const sendQuotes = () => {
      for (const symbol of symbols) stream.send('priceUpdate', demo.prices.quote(symbol));
    };
    sendQuotes();
    const timer = setInterval(sendQuotes, body.interval);
    try {
      await stream.closed;
    } finally {
      clearInterval(timer);
    }
  };
}
