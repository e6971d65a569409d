import type { Handlers } from '../generated/server.js';

/**
 * Progress of a task; the stream ends after `completed` or `failed`.
 *
 * Mock until implemented: sends the spec's example events, one a second, until the client leaves.
 */
export const streamTaskProgress: Handlers['streamTaskProgress'] = async (stream) => {
  const examples = [
    () => stream.send("progress", {"taskId":"7d1b6a52-2f1e-4f0e-9a38-1c7f6c0e5b1a","status":"running","progress":0.4,"message":"Step 4 of 10"}),
  ];
  let next = 0;
  const sendNext = () => examples[next++ % examples.length]!();
  sendNext();
  const timer = setInterval(sendNext, 1000);
  await stream.closed;
  clearInterval(timer);
};
