import type { Handlers } from '../generated/server.js';

/**
 * Open connections, event and byte rates, memory and event-loop delay, once a second.
 *
 * Mock until implemented: sends the spec's example events, one a second, until the client leaves.
 */
export const streamMetrics: Handlers['streamMetrics'] = async (stream) => {
  const examples = [
    () => stream.send("metrics", {"timestamp":"2024-01-01T12:00:00Z","connections":{},"eventsPerSecond":0,"bytesPerSecond":0,"rssBytes":0,"eventLoopDelayMs":{"mean":1,"p99":1,"max":1}}),
  ];
  let next = 0;
  const sendNext = () => examples[next++ % examples.length]!();
  sendNext();
  const timer = setInterval(sendNext, 1000);
  await stream.closed;
  clearInterval(timer);
};
