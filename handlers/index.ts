import type { Handlers } from '../generated/server.js';
import { streamPrices } from './streamPrices.js';
import { streamSelectedPrices } from './streamSelectedPrices.js';
import { streamNotifications } from './streamNotifications.js';
import { createNotification } from './createNotification.js';
import { createTask } from './createTask.js';
import { streamTaskProgress } from './streamTaskProgress.js';
import { streamChatRoom } from './streamChatRoom.js';
import { postChannelMessage } from './postChannelMessage.js';
import { streamMetrics } from './streamMetrics.js';
import { streamLogs } from './streamLogs.js';

const handlers: Handlers = {
  streamPrices,
  streamSelectedPrices,
  streamNotifications,
  createNotification,
  createTask,
  streamTaskProgress,
  streamChatRoom,
  postChannelMessage,
  streamMetrics,
  streamLogs,
};

export default handlers;
