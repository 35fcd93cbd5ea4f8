import type { Command } from 'commander';
import { stripBearer } from '@channels/auth';
import type { ManagerOptions, Socket, SocketOptions } from 'socket.io-client';
import { AdminClient } from './admin-client';
import { baseUrl, type CliEnv, loadCliEnv } from './config';
import { usageError } from './errors';
import { Output, type Streams } from './output';

/** Everything a command touches outside itself, so tests can run commands in-process. */
export interface CliIo extends Streams {
  env: Record<string, string | undefined>;
  fetch: typeof fetch;
  readFile: (path: string) => string;
  readStdin: () => Promise<string>;
  /** Calls `handler` on Ctrl-C / SIGTERM until the returned function is called. */
  onInterrupt: (handler: () => void) => () => void;
  connect: (url: string, options: Partial<ManagerOptions & SocketOptions>) => Socket;
}

/** Options every command takes (before or after the command's name). */
export interface GlobalOptions {
  url?: string;
  gatewayUrl?: string;
  token?: string;
  app?: string;
  json?: boolean;
}

/** What one command run needs: settings (flags over environment), output, clients. */
export class CommandContext {
  readonly env: CliEnv;
  readonly options: GlobalOptions;
  readonly out: Output;

  constructor(
    readonly io: CliIo,
    command: Command,
  ) {
    this.options = command.optsWithGlobals<GlobalOptions>();
    this.out = new Output(io, this.options.json === true);
    this.env = loadCliEnv(io.env);
  }

  get adminUrl(): string {
    return this.options.url !== undefined
      ? baseUrl(this.options.url, '--url')
      : baseUrl(this.env.CHANNELS_ADMIN_URL, 'CHANNELS_ADMIN_URL');
  }

  get gatewayUrl(): string {
    return this.options.gatewayUrl !== undefined
      ? baseUrl(this.options.gatewayUrl, '--gateway-url')
      : baseUrl(this.env.CHANNELS_URL, 'CHANNELS_URL');
  }

  /** The app given with `--app` or `CHANNELS_APP`, if any. */
  get appOrUndefined(): string | undefined {
    return this.options.app ?? this.env.CHANNELS_APP;
  }

  get app(): string {
    const app = this.appOrUndefined;
    if (app === undefined) throw usageError('no app: pass --app <appID> or set CHANNELS_APP');
    return app;
  }

  get token(): string {
    const token = this.options.token ?? this.env.CHANNELS_TOKEN;
    if (token === undefined) {
      throw usageError(
        'no token: pass --token <jwt> or set CHANNELS_TOKEN (mint one with `channels token --role Super_Admin`)',
      );
    }
    // Accepted with the `Bearer ` prefix too, as copied from an Authorization header.
    return stripBearer(token);
  }

  admin(): AdminClient {
    return new AdminClient(this.adminUrl, this.token, this.io.fetch);
  }

  /** Reads a file named by a flag, refusing a missing or unreadable one with a usage error. */
  readFile(path: string, flag: string): string {
    try {
      return this.io.readFile(path);
    } catch (e) {
      throw usageError(`${flag}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  }
}
