/**
 * One timer shared by every stream that needs the same periodic work (one price broadcast a
 * second, whatever the number of listeners); it runs only while someone holds it.
 */
export class SharedTicker<T> {
  private holders = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly tick: (target: T) => void,
  ) {}

  /** Holds the ticker (starting it for the first holder) until `released` settles: a stream's `closed`, say. */
  async holdUntil(target: T, released: Promise<unknown>): Promise<void> {
    if (this.holders++ === 0) this.timer = setInterval(() => this.tick(target), this.intervalMs);
    try {
      await released;
    } finally {
      if (--this.holders === 0) clearInterval(this.timer);
    }
  }
}
