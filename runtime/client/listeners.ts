/** A set of callbacks. A throwing callback does not stop the others; its error is rethrown asynchronously. */
export class Listeners<A extends unknown[]> {
  private readonly handlers = new Set<(...args: A) => void>();

  add(handler: (...args: A) => void): () => void {
    this.handlers.add(handler);
    return () => {
      this.handlers.delete(handler);
    };
  }

  emit(...args: A): void {
    for (const handler of [...this.handlers]) {
      try {
        handler(...args);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
