/**
 * Samples process figures once per interval: open connections by endpoint (counted by the
 * caller), event and byte rates (from cumulative totals read from the runtime), resident memory
 * and event-loop delay.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface TrafficTotals {
  /** Events written since start. */
  events: number;
  /** Bytes written since start. */
  bytes: number;
}

export interface MetricsSample {
  timestamp: string;
  connections: Record<string, number>;
  eventsPerSecond: number;
  bytesPerSecond: number;
  rssBytes: number;
  eventLoopDelayMs: { mean: number; p99: number; max: number };
}

export class MetricsSampler {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private previous: { at: number; events: number; bytes: number } | null = null;

  constructor(
    private readonly readTotals: () => Promise<TrafficTotals>,
    private readonly now: () => number = Date.now,
  ) {
    this.histogram.enable();
  }

  /** Figures since the previous sample (the first one reports zero rates); `connections`: open streams per endpoint. */
  async sample(connections: Record<string, number>): Promise<MetricsSample> {
    const totals = await this.readTotals();
    const at = this.now();
    const previous = this.previous ?? { at, events: totals.events, bytes: totals.bytes };
    const seconds = Math.max(at - previous.at, 1) / 1000;
    const sample: MetricsSample = {
      timestamp: new Date(at).toISOString(),
      connections,
      eventsPerSecond: round1((totals.events - previous.events) / seconds),
      bytesPerSecond: round1((totals.bytes - previous.bytes) / seconds),
      rssBytes: process.memoryUsage.rss(),
      eventLoopDelayMs: {
        mean: nsToMs(this.histogram.mean),
        p99: nsToMs(this.histogram.percentile(99)),
        max: nsToMs(this.histogram.max),
      },
    };
    this.previous = { at, events: totals.events, bytes: totals.bytes };
    this.histogram.reset();
    return sample;
  }

  close(): void {
    this.histogram.disable();
  }
}

/** The histogram reports NaN before its first measurement. */
function nsToMs(nanoseconds: number): number {
  return Number.isFinite(nanoseconds) ? round1(nanoseconds / 1e6) : 0;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
