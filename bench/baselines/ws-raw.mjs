// Baseline (c): a raw `ws` broadcast server — the floor of what fan-out costs in Node, with no
// protocol beyond JSON frames. Single node (no Redis).
//
//   connect   ws://host:PORT/?token=<jwt>&appID=<app>   (HS256 JWT verified at the upgrade)
//   {"t":"subscribe","id":n,"channels":[...]}           → {"t":"ack","id":n,"ok":true}
//   {"t":"publish","id":n,"channelID","eventType","payload"}
//       → every subscriber gets {"t":"event","id","channelID","eventType","payload","senderID","timestamp"}
//         (serialised once per publish), the publisher {"t":"ack","id":n,"ok":true,...}
//
// env: PORT, JWT_SECRET. GET /health answers 200. SIGTERM closes.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import jwt from 'jsonwebtoken';
import { WebSocketServer } from 'ws';

const PORT = Number(process.env.PORT ?? 4001);
const SECRET = process.env.JWT_SECRET ?? 'bench-secret';
const rooms = new Map(); // room → Set<ws>

const http = createServer((req, res) => {
  res.writeHead(req.url === '/health' ? 200 : 404).end();
});
const wss = new WebSocketServer({ noServer: true });

http.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url, 'http://localhost');
  const appID = url.searchParams.get('appID');
  let claims;
  try {
    claims = jwt.verify(url.searchParams.get('token'), SECRET, { algorithms: ['HS256'] });
    if (claims.AppID !== appID) throw new Error('app mismatch');
  } catch {
    socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, appID, claims.ClientID));
});

function onConnection(ws, appID, clientID) {
  const joined = new Set();
  ws.on('message', (data) => {
    let m;
    try {
      m = JSON.parse(data);
    } catch {
      return;
    }
    if (m.t === 'subscribe' && Array.isArray(m.channels)) {
      for (const c of m.channels) {
        const r = `${appID}:${c}`;
        if (!rooms.has(r)) rooms.set(r, new Set());
        rooms.get(r).add(ws);
        joined.add(r);
      }
      ws.send(JSON.stringify({ t: 'ack', id: m.id, ok: true }));
    } else if (m.t === 'publish') {
      const event = {
        t: 'event',
        id: randomUUID(),
        channelID: m.channelID,
        eventType: m.eventType,
        payload: m.payload,
        senderID: clientID,
        timestamp: Date.now(),
      };
      const frame = Buffer.from(JSON.stringify(event));
      for (const peer of rooms.get(`${appID}:${m.channelID}`) ?? []) peer.send(frame, { binary: false });
      ws.send(
        JSON.stringify({ t: 'ack', id: m.id, ok: true, eventID: event.id, timestamp: event.timestamp }),
      );
    }
  });
  ws.on('close', () => {
    for (const r of joined) {
      const set = rooms.get(r);
      set?.delete(ws);
      if (set && set.size === 0) rooms.delete(r);
    }
  });
}

http.listen(PORT, '127.0.0.1');

process.once('SIGTERM', () => {
  for (const ws of wss.clients) ws.terminate();
  http.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
