import type { Handlers } from '../generated/server.js';
import type { Demo } from '../demo/services.js';
import { createNotification } from './createNotification.js';
import { createTask } from './createTask.js';
import { postChannelMessage } from './postChannelMessage.js';
import { streamChatRoom } from './streamChatRoom.js';
import { streamChatRooms } from './streamChatRooms.js';
import { streamLogs } from './streamLogs.js';
import { streamMetrics } from './streamMetrics.js';
import { streamNotifications } from './streamNotifications.js';
import { streamPrices } from './streamPrices.js';
import { streamSelectedPrices } from './streamSelectedPrices.js';
import { streamTaskProgress } from './streamTaskProgress.js';

/** The demo service's handlers, all working on one set of domain state. */
export function createHandlers(demo: Demo): Handlers {
  return {
    streamPrices: streamPrices(demo),
    streamSelectedPrices: streamSelectedPrices(demo),
    streamNotifications: streamNotifications(demo),
    createNotification: createNotification(demo),
    createTask: createTask(demo),
    streamTaskProgress: streamTaskProgress(demo),
    streamChatRoom: streamChatRoom(demo),
    streamChatRooms: streamChatRooms(demo),
    postChannelMessage: postChannelMessage(demo),
    streamMetrics: streamMetrics(demo),
    streamLogs: streamLogs(demo),
  };
}
