import type { Handlers } from '../generated/server.js';

/**
 * The last 50 matching entries, then live ones while `follow` is true.
 *
 * Mock until implemented: sends the spec's example events, one a second, until the client leaves.
 */
export const streamLogs: Handlers['streamLogs'] = async (stream) => {
  const examples = [
    () => stream.send("log", {"timestamp":"2024-01-01T12:00:00Z","level":"debug","service":"example service","message":"example message"}),
  ];
  let next = 0;
  const sendNext = () => examples[next++ % examples.length]!();
  sendNext();
  const timer = setInterval(sendNext, 1000);
  await stream.closed;
  clearInterval(timer);
};
