/**
 * Exit codes of every command (docs/cli.md): scripts branch on them.
 * - 0: done.
 * - 1: refused or failed — the API answered an error, `token check` found the token invalid,
 *   `tail` lost its channel.
 * - 2: usage — bad flags, arguments, JSON or settings; nothing was sent.
 * - 3: unreachable — admin-api or the gateway could not be reached (connection refused, DNS,
 *   timeout).
 */
export const ExitCode = { Ok: 0, Failed: 1, Usage: 2, Unreachable: 3 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * A failure the CLI reports and exits with. `code` is the API's error code when the API answered
 * one (`not_found`, `forbidden`, …), else `usage` or `unreachable`.
 */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usageError = (message: string) => new CliError(ExitCode.Usage, 'usage', message);
export const unreachable = (message: string) => new CliError(ExitCode.Unreachable, 'unreachable', message);
