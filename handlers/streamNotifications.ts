import type { Handlers } from '../generated/server.js';

/**
 * The caller's unread notifications, then new ones as they arrive.
 *
 * Mock until implemented: sends the spec's example events, one a second, until the client leaves.
 */
export const streamNotifications: Handlers['streamNotifications'] = async (stream) => {
  const examples = [
    () => stream.send("unread", {"id":"example id","userId":"example userId","type":"example type","title":"example title","body":"example body","createdAt":"2024-01-01T12:00:00Z"}),
    () => stream.send("new", {"id":"example id","userId":"example userId","type":"example type","title":"example title","body":"example body","createdAt":"2024-01-01T12:00:00Z"}),
  ];
  let next = 0;
  const sendNext = () => examples[next++ % examples.length]!();
  sendNext();
  const timer = setInterval(sendNext, 1000);
  await stream.closed;
  clearInterval(timer);
};
