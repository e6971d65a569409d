/**
 * Compile-time checks on the demo's generated types (run by `send-types.test.ts` and by the
 * repo-wide `tsc --noEmit`): each `@ts-expect-error` line must fail to compile.
 */
import { createClient, type HttpError } from '../../generated/client/index.js';
import type { Handlers } from '../../generated/server.js';

export const chatRoom: Handlers['streamChatRoom'] = async (stream, { params, connections }) => {
  const room: string = params.channel;
  stream.send('typing', { channel: room, userId: 'u1' });
  // @ts-expect-error `shout` is not an event of streamChatRoom
  stream.send('shout', { channel: room, userId: 'u1' });
  // @ts-expect-error `userId` must be a string
  stream.send('typing', { channel: room, userId: 42 });
  // @ts-expect-error `userId` is required
  stream.send('join', { channel: room, timestamp: '2024-01-01T00:00:00Z' });
  connections.streamChatRoom.broadcast('message', { id: '1', channel: room, userId: 'u1', content: 'hi', timestamp: '2024-01-01T00:00:00Z' });
  // @ts-expect-error `priceUpdate` belongs to another operation
  connections.streamChatRoom.broadcast('priceUpdate', { symbol: 'AAPL', price: 1, change: 0, timestamp: 0 });
  // @ts-expect-error progress events carry a number, not a string
  connections.streamTaskProgress.broadcast('progress', { taskId: 't', status: 'running', progress: 'half', message: '' });
};

export const taskProgress: Handlers['streamTaskProgress'] = (stream) => {
  stream.send('progress', { taskId: 't', status: 'completed', progress: 1, message: 'done' });
  // @ts-expect-error `paused` is not one of the declared statuses
  stream.send('progress', { taskId: 't', status: 'paused', progress: 1, message: 'done' });
};

export function subscribeToRoom(): void {
  const client = createClient({ baseUrl: 'http://localhost:3000' });
  const room = client.streamChatRoom({ params: { channel: 'general' } });
  room.on('message', (message) => console.log(message.content.toUpperCase()));
  // @ts-expect-error the client only offers declared events
  room.on('shout', () => {});
  // @ts-expect-error the body of postChannelMessage needs `content`
  void client.postChannelMessage({ params: { channel: 'general' }, body: { text: 'hi' } });
}

export function callWithRequiredParts(): void {
  const client = createClient({ baseUrl: 'http://localhost:3000' });
  void client.streamChatRoom({ params: { channel: 'general' } });
  void client.createNotification({ body: { userId: 'u1', type: 'info', title: 'Hi', body: 'there' } });
  void client.streamPrices();
  // @ts-expect-error streamChatRoom needs its path parameter `channel`
  void client.streamChatRoom({});
  // @ts-expect-error streamChatRoom needs a request with its path parameter
  void client.streamChatRoom();
  // @ts-expect-error createNotification needs its body
  void client.createNotification({});
  // @ts-expect-error streamSelectedPrices needs its body
  void client.streamSelectedPrices({ lastEventId: '1' });
  // @ts-expect-error postChannelMessage needs its path parameter too
  void client.postChannelMessage({ body: { content: 'hi' } });
}

export function refusedPointers(error: HttpError): string[] {
  const pointers = error.problem?.errors?.map((issue) => `${issue.pointer}: ${issue.message}`) ?? [];
  // @ts-expect-error a problem's error pointer is a string
  const position: number | undefined = error.problem?.errors?.[0]?.pointer;
  void position;
  return pointers;
}
