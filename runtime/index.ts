export * from './types.js';
export { createSseApp, createSseRouter, type SseApp, type SseRouter } from './app.js';
export type { AppOptions, CorsSettings, Logger, MetricsSettings, SlowClientPolicy } from './options.js';
export { PayloadValidationError } from './validation.js';
export { WireFormatError } from './wire.js';
export { HttpProblem, sendProblem, type Problem, type ProblemPointer } from './problem.js';
export { MemoryReplayer, type Replayer, type ReplayKey, type ReplayLimits, type ReplayableEvent, type StoredEvent } from './replay.js';
export { MemoryBroadcaster, type Broadcaster, type BroadcastMessage, type BroadcastSubscriber } from './broadcaster.js';
export { channels as diagnosticsChannels, type StreamSignal } from './diagnostics.js';
