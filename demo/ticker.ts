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

  /** Starts the timer for the first holder; the returned function releases this hold once. */
  hold(target: T): () => void {
    if (this.holders++ === 0) this.timer = setInterval(() => this.tick(target), this.intervalMs);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      if (--this.holders === 0) clearInterval(this.timer);
    };
  }
}
