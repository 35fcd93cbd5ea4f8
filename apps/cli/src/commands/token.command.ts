import { Command } from 'commander';
import { Role } from '@channels/contracts';
import { CliError, ExitCode } from '../errors';
import { fields, isoTime } from '../output';
import { checkToken, mintToken, parseDuration, parseRole } from '../tokens';
import type { Register } from './register';

interface MintOptions {
  role: string;
  client?: string;
  expires: string;
  secret?: string;
  privateKey?: string;
}

interface CheckOptions {
  secret?: string;
  publicKey?: string;
}

/** `token` (mint) and `token check`: offline, with the secret or key the services are configured with. */
export const tokenCommand: Register = (action) => {
  const token = new Command('token').description(
    'mint a token, or check one (offline: needs the secret or key)',
  );

  token
    .command('mint', { isDefault: true })
    .description('mint a token for a role (default command of `token`)')
    .requiredOption('--role <role>', 'Super_Admin, Admin or Client')
    .option('--client <clientID>', 'the ClientID claim (default: root for Super_Admin, admin for Admin)')
    .option('--expires <duration>', 'lifetime: 30m, 1h, 7d, … or never', '1h')
    .option('--secret <secret>', 'HS256 secret (default: $JWT_SECRET)')
    .option('--private-key <file>', 'sign RS256 with this PEM private key instead of the secret')
    .addHelpText('after', '\nThe app comes from --app or CHANNELS_APP (not for Super_Admin).')
    .action(
      action<[MintOptions]>(async (ctx, o) => {
        const role = parseRole(o.role);
        // A super admin token carries no app: only an explicit --app is an error, not CHANNELS_APP.
        const appID = role === Role.SuperAdmin ? ctx.options.app : ctx.appOrUndefined;
        const minted = mintToken({
          role,
          ...(appID !== undefined ? { appID } : {}),
          ...(o.client !== undefined ? { clientID: o.client } : {}),
          expiresInSeconds: parseDuration(o.expires),
          ...(o.privateKey !== undefined
            ? { privateKey: ctx.readFile(o.privateKey, '--private-key') }
            : { secret: o.secret ?? ctx.env.JWT_SECRET }),
        });
        ctx.out.result(minted, () => minted.token);
      }),
    );

  token
    .command('check <token>')
    .description('verify a token as the services do and print its claims; exit 1 when it is not valid')
    .option('--secret <secret>', 'HS256 secret (default: $JWT_SECRET)')
    .option('--public-key <file>', 'PEM public key for RS256 tokens (default: $JWT_PUBLIC_KEY)')
    .action(
      action<[string, CheckOptions]>(async (ctx, raw, o) => {
        const secret = o.secret ?? ctx.env.JWT_SECRET;
        const publicKey =
          o.publicKey !== undefined ? ctx.readFile(o.publicKey, '--public-key') : ctx.env.JWT_PUBLIC_KEY;
        const report = checkToken(raw, {
          ...(secret !== undefined ? { secret } : {}),
          ...(publicKey !== undefined ? { publicKey } : {}),
        });
        ctx.out.result(report, () =>
          fields([
            ['valid', report.valid ? 'yes' : `no (${report.error?.message ?? 'invalid'})`],
            ['algorithm', report.algorithm],
            ['role', report.role],
            ['app', report.appID],
            ['client', report.clientID],
            ['issued', report.issuedAt !== null ? isoTime(report.issuedAt) : null],
            ['expires', report.expiresAt !== null ? isoTime(report.expiresAt) : 'never'],
          ]),
        );
        if (report.error) throw new CliError(ExitCode.Failed, report.error.code, report.error.message);
      }),
    );
  return token;
};
