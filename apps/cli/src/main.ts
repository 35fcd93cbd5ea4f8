import { readFileSync } from 'node:fs';
import { io as connect } from 'socket.io-client';
import { runCli } from './cli';
import type { CliIo } from './context';

/** `channels …`: the operators' CLI (docs/cli.md). */
const io: CliIo = {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  fetch: (input, init) => fetch(input, init),
  readFile: (path) => readFileSync(path, 'utf8'),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  onInterrupt: (handler) => {
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    return () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    };
  },
  connect: (url, options) => connect(url, options),
};

void runCli(process.argv.slice(2), io).then((code) => {
  // Exit once stdout is flushed: keep-alive HTTP sockets would otherwise hold the process a while.
  process.stdout.write('', () => process.exit(code));
});
