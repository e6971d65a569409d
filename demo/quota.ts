/**
 * Creation quotas: each caller may create `limit` things per window of `windowMs`. Counts are
 * dropped when their window ends, so the quota holds only the callers of the current window.
 */
import { HttpProblem } from '../runtime/index.js';

export class CreationQuota {
  private readonly used = new Map<string, number>();
  private windowEnds = 0;

  constructor(
    /** What is created, for the 429 detail: `tasks`, say. */
    private readonly what: string,
    private readonly limit: number,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one creation by `caller`; throws 429 with `Retry-After` once its quota is used up. */
  take(caller: string): void {
    const now = this.now();
    if (now >= this.windowEnds) {
      this.used.clear();
      this.windowEnds = now + this.windowMs;
    }
    const used = this.used.get(caller) ?? 0;
    if (used >= this.limit) {
      const retryAfter = String(Math.ceil((this.windowEnds - now) / 1000));
      throw new HttpProblem(429, `At most ${this.limit} ${this.what} per ${this.windowMs / 1000} s per caller`, { 'Retry-After': retryAfter });
    }
    this.used.set(caller, used + 1);
  }
}
