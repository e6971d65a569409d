import type { Handlers } from '../generated/server.js';

/**
 * Every symbol's price, once a second.
 *
 * Mock until implemented: sends the spec's example events, one a second, until the client leaves.
 */
export const streamPrices: Handlers['streamPrices'] = async (stream) => {
  const examples = [
    () => stream.send("priceUpdate", {"symbol":"AAPL","price":189.52,"change":1.27,"timestamp":1735732800000}),
  ];
  let next = 0;
  const sendNext = () => examples[next++ % examples.length]!();
  sendNext();
  const timer = setInterval(sendNext, 1000);
  await stream.closed;
  clearInterval(timer);
};
