import { Command, CommanderError, Option } from 'commander';
import { appsCommand } from './commands/apps.command';
import { channelsCommand } from './commands/channels.command';
import { namespacesCommand } from './commands/namespaces.command';
import { clientsCommand } from './commands/clients.command';
import { historyCommand, publishCommand, sendCommand } from './commands/events.command';
import type { ActionFactory } from './commands/register';
import { statsCommand } from './commands/stats.command';
import { tailCommand } from './commands/tail.command';
import { tokenCommand } from './commands/token.command';
import { CommandContext, type CliIo } from './context';
import { CliError, ExitCode } from './errors';
import { Output } from './output';

const EXAMPLES = `
Environment (flags win):
  CHANNELS_ADMIN_URL  admin-api URL for --url (default http://localhost:3000)
  CHANNELS_URL        gateways' front door for --gateway-url (default http://localhost:8080)
  CHANNELS_TOKEN      token for --token
  CHANNELS_APP        app for --app
  JWT_SECRET          secret for \`token\` and \`token check\` (--secret)

Exit codes: 0 done, 1 refused by the API (or an invalid token), 2 usage, 3 unreachable.

Examples:
  export CHANNELS_TOKEN=$(channels token --role Super_Admin --expires 1h)
  channels apps create shop --name "Shop" && channels --app shop channels create news --persistent
  channels --app shop publish news headline '{"title":"hello"}'
  channels --app shop history news --json | jq '.events[].payload'
  channels --app shop tail news`;

/**
 * How a command is listed in its parent's help: top-level commands by name only (their arguments
 * are in their own --help), so the list stays narrow enough to wrap to the terminal.
 */
const subcommandTerm = (cmd: Command): string =>
  cmd.parent?.parent
    ? [
        cmd.name(),
        ...cmd.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`)),
      ].join(' ')
    : cmd.name();

/** The `channels` program: global options, every command, errors turned into exit codes. */
export function buildProgram(io: CliIo, action: ActionFactory): Command {
  const program = new Command('channels')
    .description('operate a Channels deployment: tokens, apps, clients, channels, events, live tail, stats')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true, subcommandTerm })
    .addOption(
      new Option('--url <url>', 'admin-api URL (env CHANNELS_ADMIN_URL, default http://localhost:3000)'),
    )
    .addOption(
      new Option(
        '--gateway-url <url>',
        'socket.io front door for tail (env CHANNELS_URL, default http://localhost:8080)',
      ),
    )
    .addOption(new Option('--token <jwt>', 'token for admin-api and the gateway (env CHANNELS_TOKEN)'))
    .addOption(new Option('--app <appID>', 'the app app-scoped commands act on (env CHANNELS_APP)'))
    .addOption(new Option('--json', 'machine-readable JSON on stdout; errors as JSON on stderr'))
    .addHelpText('after', EXAMPLES);
  for (const register of [
    tokenCommand,
    appsCommand,
    clientsCommand,
    channelsCommand,
    namespacesCommand,
    publishCommand,
    sendCommand,
    historyCommand,
    tailCommand,
    statsCommand,
  ]) {
    program.addCommand(register(action));
  }
  inheritSettings(program);
  return program;
}

/** Gives every (sub)command the program's error, output and help settings. */
function inheritSettings(parent: Command): void {
  for (const sub of parent.commands) {
    sub.copyInheritedSettings(parent);
    inheritSettings(sub);
  }
}

/**
 * Runs one `channels …` invocation (`argv` without node and the script) and answers its exit
 * code; never throws. Results go to stdout, notices and errors to stderr.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  // Commander calls an action with the positional arguments, the options and the command itself.
  const action: ActionFactory =
    (fn) =>
    async (...args) => {
      const command = args[args.length - 1] as Command;
      const body = fn as (ctx: CommandContext, ...rest: unknown[]) => Promise<void>;
      await body(new CommandContext(io, command), ...args.slice(0, -1));
    };
  const program = buildProgram(io, action);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.Ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; commander has already printed its usage message otherwise.
      return e.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    const err =
      e instanceof CliError
        ? e
        : new CliError(ExitCode.Failed, 'internal', e instanceof Error ? e.message : String(e));
    new Output(io, json).error(err);
    return err.exitCode;
  }
}
