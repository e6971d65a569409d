import { afterEach, describe, it } from 'vitest';
import { createSseApp, MemoryReplayer, type SseApp } from '../../runtime/index.js';
import { audienceHandlers, audienceSpec, authenticate, runAudienceReplay, type Connections } from './audience-replay.js';
import { listen, type Running } from './helpers.js';

let app: SseApp<Connections> | undefined;
let running: Running | undefined;
afterEach(async () => {
  await app?.sse.close({ deadlineMs: 100 });
  await running?.close();
  [app, running] = [undefined, undefined];
});

describe('broadcasts to part of a topic, replayed after reconnect (one process)', () => {
  it('a returning stream gets exactly the events addressed to it and the topic-wide ones, in order, once, with no reset and no gap', async () => {
    const replayer = new MemoryReplayer();
    app = createSseApp<Connections>(audienceSpec, audienceHandlers, { authenticate, replayer });
    running = await listen(app);
    const url = running.url;
    await runAudienceReplay({ u1First: url, u1Back: url, u2: url, post: app.sse.connections.channelStream, openStreams: () => app!.sse.connections.channelStream.count(), replayer });
  });
});
