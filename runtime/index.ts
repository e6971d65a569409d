export * from './types.js';
export { createSseApp, createSseRouter, type SseApp, type SseRouter } from './app.js';
export { appServerOptions, createHttp2AppServer, type AppServerOptions } from './server.js';
export { guardServer, type ServerGuardOptions } from './server-guard.js';
export type { AppOptions, CorsSettings, InspectorSettings, MetricsSettings, SlowClientPolicy } from './options.js';
export type { InspectorSnapshot, OperationView, ConnectionView, TopicView, RecentEvent, BroadcasterView } from './inspector-state.js';
export type {
  AppendedEvent,
  AudienceMember,
  Broadcaster,
  BroadcastAudience,
  BroadcasterStatus,
  BroadcastMessage,
  BroadcastRoute,
  BroadcastSubscriber,
  Logger,
  Missed,
  Replayer,
  ReplayKey,
  ReplayLimits,
  ReplayPosition,
  ReplayableEvent,
  RetainedLog,
  StoredEvent,
} from './ports.js';
export { PayloadValidationError } from './validation.js';
export { WireFormatError } from './wire.js';
export { HttpProblem, notFound, sendProblem, type Problem, type ProblemPointer } from './problem.js';
export { MemoryReplayer, parseReplayId, replayId, type MemoryReplayerOptions } from './replay.js';
export { MemoryBroadcaster } from './broadcaster.js';
export { channels as diagnosticsChannels, runtimeChannels as runtimeDiagnosticsChannels, type StreamSignal } from './diagnostics.js';
export { RedisBroadcaster, type RedisBroadcasterOptions, type RedisClient } from './redis/broadcaster.js';
export { RedisReplayer } from './redis/replayer.js';
export { redisServices, type RedisServices, type RedisSettings } from './redis/services.js';
