// Event-driven waiting for this package's tests (the project rule: no fixed
// sleeps). Every callback that feeds a probe — a WebSocket message or close,
// a ConvexClient onUpdate/auth callback, a log line, a child's stderr —
// calls notify(); until() re-checks its probe on each notify and never on a
// timer. Its one timer is the overall deadline, which fails the wait.

type Probe<T> = () => T | undefined | null | false;

export class Changes {
  private readonly waiters = new Set<() => void>();

  /** Something a probe may read has changed: wake every pending until(). */
  readonly notify = (): void => {
    const woken = [...this.waiters];
    this.waiters.clear();
    for (const wake of woken) wake();
  };

  /**
   * The probe's first truthy value, checked now and after each notify().
   * After `timeoutMs` the probe is checked once more, then the wait fails
   * with `new Error(failure())`.
   */
  async until<T>(probe: Probe<T>, timeoutMs: number, failure: () => string): Promise<T> {
    let timedOut = false;
    let wake: () => void = () => undefined;
    const deadline = setTimeout(() => {
      timedOut = true;
      wake();
    }, timeoutMs);
    try {
      for (;;) {
        const value = probe();
        if (value) return value;
        if (timedOut) throw new Error(failure());
        await new Promise<void>((resolve) => {
          wake = resolve;
          this.waiters.add(resolve);
        });
        this.waiters.delete(wake);
      }
    } finally {
      clearTimeout(deadline);
      this.waiters.delete(wake);
    }
  }
}
