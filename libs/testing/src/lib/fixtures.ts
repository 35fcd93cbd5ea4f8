import { Client } from 'pg';

export interface ChannelFlags {
  persistent?: boolean;
  private?: boolean;
  presence?: boolean;
  isClosed?: boolean;
  name?: string;
}

/** Writes apps, clients, channels and memberships straight into a test database. */
export class Fixtures {
  private constructor(private readonly pg: Client) {}

  static async connect(databaseUrl: string): Promise<Fixtures> {
    const pg = new Client({ connectionString: databaseUrl });
    await pg.connect();
    return new Fixtures(pg);
  }

  async app(appID: string, name = appID): Promise<void> {
    await this.pg.query('INSERT INTO apps (id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [appID, name]);
  }

  async client(appID: string, clientID: string, username = clientID): Promise<void> {
    await this.pg.query(
      'INSERT INTO clients (app_id, id, username) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [appID, clientID, username],
    );
  }

  async channel(appID: string, channelID: string, flags: ChannelFlags = {}): Promise<void> {
    await this.pg.query(
      `INSERT INTO channels (app_id, id, name, persistent, private, presence, is_closed) VALUES ($1,$2,$3,$4,$5,$6,$7)
       ON CONFLICT DO NOTHING`,
      [
        appID,
        channelID,
        flags.name ?? channelID,
        flags.persistent ?? false,
        flags.private ?? false,
        flags.presence ?? false,
        flags.isClosed ?? false,
      ],
    );
  }

  async member(appID: string, channelID: string, clientID: string): Promise<void> {
    await this.client(appID, clientID);
    await this.pg.query(
      'INSERT INTO memberships (app_id, channel_id, client_id) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING',
      [appID, channelID, clientID],
    );
  }

  /** Stored events of a channel in offset order. */
  async storedEvents(
    appID: string,
    channelID: string,
  ): Promise<{ offset: number; id: string; payload: unknown }[]> {
    const { rows } = await this.pg.query<{ offset: string; id: string; payload: unknown }>(
      'SELECT "offset", id, payload FROM events WHERE app_id = $1 AND channel_id = $2 ORDER BY "offset"',
      [appID, channelID],
    );
    return rows.map((r) => ({ offset: Number(r.offset), id: r.id, payload: r.payload }));
  }

  async query<T extends object>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pg.query(sql, params)).rows as T[];
  }

  async close(): Promise<void> {
    await this.pg.end();
  }
}
