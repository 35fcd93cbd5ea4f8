// What Nest's WebSocket layer (@nestjs/websockets + @nestjs/platform-socket.io) costs per client
// call, against the same socket.io server with a plain `socket.on` handler — the figure behind
// docs/design/framework-choices.md. Not part of the product: the two packages are not dependencies.
//
//   mkdir /tmp/nestws && cd /tmp/nestws && npm init -y && npm i @nestjs/websockets@12 \
//     @nestjs/platform-socket.io@12 @nestjs/platform-express@12 @nestjs/core@12 @nestjs/common@12 \
//     socket.io@4.8 socket.io-client@4.8 reflect-metadata rxjs
//   node <repo>/bench/decisions/nest-websockets.mjs            # in /tmp/nestws
//
// Each round starts one server process per kind (pinned to CPU 0 with taskset when available),
// sends CALLS acknowledged calls from 20 clients (a window of 20 in flight per client) and reports
// the server process's CPU time per call; kinds alternate, 5 rounds, medians.
import { execFileSync, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(join(process.cwd(), 'index.js'));
const CALLS = 200_000;
const CLIENTS = 20;
const WINDOW = 20;

async function server(kind) {
  require('reflect-metadata');
  const { Server } = require('socket.io');
  const http = require('node:http');
  let port;
  if (kind === 'plain') {
    const srv = http.createServer();
    const io = new Server(srv, { transports: ['websocket'] });
    io.on('connection', (s) => s.on('publish', (p, ack) => ack({ ok: true, id: p.id })));
    await new Promise((r) => srv.listen(0, '127.0.0.1', r));
    port = srv.address().port;
  } else {
    const { Module } = require('@nestjs/common');
    const { NestFactory } = require('@nestjs/core');
    const { WebSocketGateway, SubscribeMessage, MessageBody } = require('@nestjs/websockets');
    const { IoAdapter } = require('@nestjs/platform-socket.io');
    class Gateway {
      handle(p) {
        return { ok: true, id: p.id };
      }
    }
    MessageBody()(Gateway.prototype, 'handle', 0);
    SubscribeMessage('publish')(
      Gateway.prototype,
      'handle',
      Object.getOwnPropertyDescriptor(Gateway.prototype, 'handle'),
    );
    WebSocketGateway({ transports: ['websocket'] })(Gateway);
    class AppModule {}
    Module({ providers: [Gateway] })(AppModule);
    const app = await NestFactory.create(AppModule, { logger: false });
    app.useWebSocketAdapter(new IoAdapter(app));
    await app.listen(0, '127.0.0.1');
    port = app.getHttpServer().address().port;
  }
  process.send({ port });
  process.on('message', (m) => {
    if (m === 'cpu') process.send({ cpu: process.cpuUsage() });
    if (m === 'exit') process.exit(0);
  });
}

async function load(port) {
  const { io } = require('socket.io-client');
  const sockets = await Promise.all(
    Array.from(
      { length: CLIENTS },
      () =>
        new Promise((resolve) => {
          const s = io(`http://127.0.0.1:${port}`, { transports: ['websocket'] });
          s.once('connect', () => resolve(s));
        }),
    ),
  );
  const perClient = CALLS / CLIENTS;
  await Promise.all(
    sockets.map(
      (s) =>
        new Promise((resolve) => {
          let sent = 0;
          let done = 0;
          const send = () => {
            sent++;
            s.emit(
              'publish',
              { channelID: 'c', eventType: 't', payload: { n: sent }, id: String(sent) },
              () => {
                done++;
                if (done === perClient) resolve();
                else if (sent < perClient) send();
              },
            );
          };
          for (let i = 0; i < WINDOW; i++) send();
        }),
    ),
  );
  for (const s of sockets) s.close();
}

const ask = (child, msg) =>
  new Promise((r) => {
    child.once('message', r);
    child.send(msg);
  });

async function round(kind) {
  const pin = (() => {
    try {
      execFileSync('taskset', ['-V'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  const child = fork(fileURLToPath(import.meta.url), ['--server', kind], {
    cwd: process.cwd(),
    stdio: 'inherit',
  });
  const { port } = await new Promise((r) => child.once('message', r));
  if (pin) execFileSync('taskset', ['-pc', '0', String(child.pid)], { stdio: 'ignore' });
  await load(port); // warm-up round: JIT, connections
  const before = (await ask(child, 'cpu')).cpu;
  const t0 = performance.now();
  await load(port);
  const wall = performance.now() - t0;
  const after = (await ask(child, 'cpu')).cpu;
  child.send('exit');
  const cpuUs = after.user - before.user + (after.system - before.system);
  return { cpuPerCall: cpuUs / CALLS, callsPerSec: (CALLS / wall) * 1000 };
}

if (process.argv[2] === '--server') {
  await server(process.argv[3]);
} else {
  const results = { plain: [], nest: [] };
  for (let i = 0; i < 5; i++) {
    for (const kind of ['plain', 'nest']) results[kind].push(await round(kind));
  }
  const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const kind of ['plain', 'nest']) {
    const cpu = results[kind].map((r) => r.cpuPerCall);
    console.log(
      `${kind.padEnd(6)} server CPU per acked call: ${median(cpu).toFixed(2)} µs (runs ${cpu.map((c) => c.toFixed(2)).join(', ')}); ${Math.round(median(results[kind].map((r) => r.callsPerSec)))} calls/s`,
    );
  }
  const ratio =
    median(results.nest.map((r) => r.cpuPerCall)) / median(results.plain.map((r) => r.cpuPerCall));
  console.log(`Nest WebSocket layer ÷ plain socket.on: ${ratio.toFixed(2)}×`);
}
