/**
 * Samples process figures once per interval: open connections by endpoint (counted by the
 * caller), event and byte rates (from cumulative totals read from the runtime), resident memory
 * and event-loop delay.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { MetricsSample } from '../generated/types.js';

export interface TrafficTotals {
  /** Events written since start. */
  events: number;
  /** Bytes written since start. */
  bytes: number;
}

const RESOLUTION_MS = 10;

export class MetricsSampler {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private previous: { at: number; events: number; bytes: number } | null = null;

  /** `staleMs`: an older previous sample is no base for rates (sampling had stopped). */
  constructor(
    private readonly readTotals: () => Promise<TrafficTotals>,
    private readonly now: () => number = Date.now,
    private readonly staleMs = 3000,
  ) {
    this.histogram.enable();
  }

  /**
   * Figures since the previous sample; `connections`: open streams per endpoint. Null when
   * there is no recent previous sample: this call only sets the base of the next one.
   */
  async sample(connections: Record<string, number>): Promise<MetricsSample | null> {
    const totals = await this.readTotals();
    const at = this.now();
    const previous = this.previous;
    this.previous = { at, events: totals.events, bytes: totals.bytes };
    if (!previous || at - previous.at > this.staleMs) {
      this.histogram.reset();
      return null;
    }
    const seconds = Math.max(at - previous.at, 1) / 1000;
    const sample: MetricsSample = {
      timestamp: new Date(at).toISOString(),
      connections,
      eventsPerSecond: round1((totals.events - previous.events) / seconds),
      bytesPerSecond: round1((totals.bytes - previous.bytes) / seconds),
      rssBytes: process.memoryUsage.rss(),
      eventLoopDelayMs: {
        mean: delayMs(this.histogram.mean),
        p99: delayMs(this.histogram.percentile(99)),
        max: delayMs(this.histogram.max),
      },
    };
    this.histogram.reset();
    return sample;
  }

  close(): void {
    this.histogram.disable();
  }
}

/**
 * The histogram records whole timer intervals (the resolution included) in nanoseconds, and NaN
 * before its first measurement; the delay is what exceeds the resolution.
 */
function delayMs(nanoseconds: number): number {
  return Number.isFinite(nanoseconds) ? round1(Math.max(0, nanoseconds / 1e6 - RESOLUTION_MS)) : 0;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
