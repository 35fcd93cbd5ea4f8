// Baseline (a): the plain socket.io server a user would write for this protocol, scaled out with
// the classic @socket.io/redis-adapter (ioredis pub/sub: every node receives every broadcast).
//
//   connect with auth {token, appID} (HS256 JWT, claims {Role, ClientID, AppID})
//   'subscribe' {channels}                    → joins one room per channel, ack {ok:true}
//   'publish'   {channelID, eventType, payload} → io.to(room).emit('event', {...}), ack {ok, id, timestamp}
//
// env: PORT, REDIS_URL, REDIS_PREFIX (the adapter key, `${REDIS_PREFIX}sio`), JWT_SECRET.
// GET /health answers 200 once Redis is connected. SIGTERM closes cleanly.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import jwt from 'jsonwebtoken';
import { Server } from 'socket.io';

const PORT = Number(process.env.PORT ?? 4001);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = process.env.REDIS_PREFIX ?? 'bench:';
const SECRET = process.env.JWT_SECRET ?? 'bench-secret';

const pubClient = new Redis(REDIS_URL);
const subClient = pubClient.duplicate();
const http = createServer((req, res) => {
  res.writeHead(req.url === '/health' ? 200 : 404).end();
});
const io = new Server(http, { adapter: createAdapter(pubClient, subClient, { key: `${PREFIX}sio` }) });
const room = (appID, channelID) => `${appID}:${channelID}`;

io.use((socket, next) => {
  const { token, appID } = socket.handshake.auth ?? {};
  try {
    const claims = jwt.verify(token, SECRET, { algorithms: ['HS256'] });
    if (claims.AppID !== appID) throw new Error('app mismatch');
    socket.data = { appID, clientID: claims.ClientID };
    next();
  } catch {
    next(Object.assign(new Error('unauthorized'), { data: { code: 401 } }));
  }
});

io.on('connection', (socket) => {
  const { appID, clientID } = socket.data;
  socket.on('subscribe', (msg, ack) => {
    const channels = Array.isArray(msg?.channels) ? msg.channels : [];
    socket.join(channels.map((c) => room(appID, c)));
    if (typeof ack === 'function') ack({ ok: true });
  });
  socket.on('publish', (msg, ack) => {
    const event = {
      id: randomUUID(),
      channelID: msg.channelID,
      eventType: msg.eventType,
      payload: msg.payload,
      senderID: clientID,
      timestamp: Date.now(),
    };
    io.to(room(appID, msg.channelID)).emit('event', event);
    if (typeof ack === 'function') ack({ ok: true, id: event.id, timestamp: event.timestamp });
  });
});

await Promise.all([pubClient.ping(), subClient.ping()]);
http.listen(PORT, '127.0.0.1');

process.once('SIGTERM', async () => {
  await new Promise((resolve) => io.close(resolve));
  await Promise.allSettled([pubClient.quit(), subClient.quit()]);
  process.exit(0);
});
