/**
 * Lifecycle signals on `node:diagnostics_channel`, for tracing and APM tools.
 * Messages are published only while a channel has subscribers.
 */
import diagnosticsChannel from 'node:diagnostics_channel';

export interface StreamSignal {
  operationId: string;
  connectionId: string;
}

export const channels = {
  /** The request passed validation, auth and limits; the handler is about to run. */
  executing: diagnosticsChannel.channel('asyncapi-sse:stream:executing'),
  /** Headers and the opening comment were written. */
  started: diagnosticsChannel.channel('asyncapi-sse:stream:started'),
  /** The stream ended, for any reason (`reason` says which). */
  ended: diagnosticsChannel.channel('asyncapi-sse:stream:ended'),
  /** The client went away before the server ended the stream. */
  clientDisconnected: diagnosticsChannel.channel('asyncapi-sse:stream:client-disconnected'),
  /** A handler threw or rejected (`error` carries it). */
  error: diagnosticsChannel.channel('asyncapi-sse:stream:error'),
  /** A client fell behind past its byte cap (`policy` says what was done). */
  slowClientDropped: diagnosticsChannel.channel('asyncapi-sse:stream:slow-client-dropped'),
};

/** Signals of the runtime as a whole, not of one stream. */
export const runtimeChannels = {
  /** The shared broadcaster (Redis) became unreachable (`error` when known); local streams go on. */
  broadcasterDown: diagnosticsChannel.channel('asyncapi-sse:broadcaster:down'),
  /** The shared broadcaster is back; replayable streams are caught up. */
  broadcasterUp: diagnosticsChannel.channel('asyncapi-sse:broadcaster:up'),
};

export function publish(channel: diagnosticsChannel.Channel, message: Record<string, unknown>): void {
  if (channel.hasSubscribers) channel.publish(message);
}
