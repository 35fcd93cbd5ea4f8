import { Injectable } from '@nestjs/common';

/**
 * Process-wide lifecycle flag. Once shutting down, readiness answers 503 and components skip work
 * that only makes sense while serving (e.g. presence writes on disconnect during a drain).
 */
@Injectable()
export class LifecycleService {
  private shuttingDown = false;
  private readonly listeners: (() => void)[] = [];

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  beginShutdown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const l of this.listeners) l();
  }

  onShutdown(listener: () => void): void {
    this.listeners.push(listener);
  }
}
