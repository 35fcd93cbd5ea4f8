import { Injectable } from '@nestjs/common';
import { AppRepository } from '@channels/db';

const APP_CACHE_MS = 5_000;

/** Whether an app exists, for handshakes: a found app is trusted for 5 s (`app_deleted` drops it). */
@Injectable()
export class KnownApps {
  private readonly known = new Map<string, number>();

  constructor(private readonly apps: AppRepository) {}

  async exists(appID: string): Promise<boolean> {
    const until = this.known.get(appID);
    if (until && until > Date.now()) return true;
    const exists = await this.apps.exists(appID);
    if (exists) this.known.set(appID, Date.now() + APP_CACHE_MS);
    return exists;
  }

  forget(appID: string): void {
    this.known.delete(appID);
  }

  /** Whether `appID` still exists, asked of the database (not of the cache). */
  async stillExists(appID: string): Promise<boolean> {
    this.forget(appID);
    return this.exists(appID);
  }
}
