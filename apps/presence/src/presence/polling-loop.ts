/**
 * Runs `tick` over and over until stopped. `tick` resolves to how long to wait before the next run
 * (0 = more work is waiting, run again at once); a failing tick is reported and retried after
 * `errorDelayMs`. `stop` wakes a sleeping loop and resolves once the running tick has finished.
 */
export class PollingLoop {
  private running?: Promise<void>;
  private stopped = false;
  private wake?: () => void;

  constructor(
    private readonly tick: () => Promise<number>,
    private readonly onError: (e: unknown) => void,
    private readonly errorDelayMs: number,
  ) {}

  start(): void {
    if (this.running) return;
    this.stopped = false;
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
    this.running = undefined;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let delay: number;
      try {
        delay = await this.tick();
      } catch (e) {
        this.onError(e);
        delay = this.errorDelayMs;
      }
      if (delay > 0 && !this.stopped) await this.sleep(delay);
      else if (delay <= 0) await new Promise<void>((r) => setImmediate(r));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }
}
