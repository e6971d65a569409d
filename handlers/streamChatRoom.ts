import type { Handlers } from '../generated/server.js';

/**
 * Joins, leaves, messages and typing in one room; messages are replayed after a reconnect.
 *
 * Mock until implemented: sends the spec's example events, one a second, until the client leaves.
 */
export const streamChatRoom: Handlers['streamChatRoom'] = async (stream) => {
  const examples = [
    () => stream.send("join", {"channel":"example channel","userId":"example userId","timestamp":"2024-01-01T12:00:00Z"}),
    () => stream.send("leave", {"channel":"example channel","userId":"example userId","timestamp":"2024-01-01T12:00:00Z"}),
    () => stream.send("message", {"id":"example id","channel":"example channel","userId":"example userId","content":"example content","timestamp":"2024-01-01T12:00:00Z"}),
    () => stream.send("typing", {"channel":"example channel","userId":"example userId"}),
  ];
  let next = 0;
  const sendNext = () => examples[next++ % examples.length]!();
  sendNext();
  const timer = setInterval(sendNext, 1000);
  await stream.closed;
  clearInterval(timer);
};
