// The demo chat: every line of real-time behaviour comes from @channels/client (window.Channels).
// Pick a user (?as=<clientID> keeps it across reloads), load the last messages from history,
// subscribe, show who is online, send; reconnection, recovery and exactly-once sending are the SDK's.
(async () => {
  const $ = (id) => document.getElementById(id);
  const HISTORY = 50;

  let config;
  try {
    const res = await fetch('config.json', { cache: 'no-store' });
    if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
    config = await res.json();
  } catch (e) {
    $('config-error').hidden = false;
    $('config-error').textContent = `The demo is not configured (${e.message}); start it with npm start.`;
    return;
  }
  const names = new Map(config.users.map((u) => [u.clientID, u.name]));
  const nameOf = (clientID) => names.get(clientID) ?? clientID;

  const me = config.users.find((u) => u.clientID === new URLSearchParams(location.search).get('as'));
  if (!me) {
    for (const u of config.users) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = `Join as ${u.name}`;
      b.addEventListener('click', () => (location.search = `?as=${encodeURIComponent(u.clientID)}`));
      $('users').append(b);
    }
    return;
  }

  $('pick').hidden = true;
  $('chat').hidden = false;
  $('me').textContent = me.name;
  $('channel-name').textContent = config.channelID;
  document.title = `${me.name} · Channels demo chat`;

  const log = (text) => {
    const li = document.createElement('li');
    li.textContent = `${new Date().toLocaleTimeString()} ${text}`;
    $('log').prepend(li);
  };

  // Messages by offset (stored events), so history and live events merge in order without repeats;
  // messages sent but not yet acknowledged are shown greyed until their ack.
  const messages = new Map();
  const pending = new Map();
  const render = () => {
    const list = $('messages');
    const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
    list.replaceChildren();
    const line = (sender, text, meta, cls) => {
      const li = document.createElement('li');
      if (cls) li.className = cls;
      const who = document.createElement('span');
      who.className = 'who';
      who.textContent = nameOf(sender);
      const body = document.createElement('span');
      body.className = 'text';
      body.textContent = text;
      const small = document.createElement('span');
      small.className = 'meta';
      small.textContent = meta;
      li.append(who, body, small);
      list.append(li);
    };
    for (const e of [...messages.values()].sort((a, b) => a.offset - b.offset))
      line(
        e.senderID,
        String(e.payload?.text ?? ''),
        `#${e.offset} ${new Date(e.timestamp).toLocaleTimeString()}`,
      );
    for (const p of pending.values()) line(me.clientID, p.text, p.state, 'pending');
    if (atBottom) list.scrollTop = list.scrollHeight;
  };
  const add = (e) => {
    if (e.offset === undefined || e.eventType !== 'chat') return;
    messages.set(e.offset, e);
    pending.delete(e.id);
    render();
  };

  const renderOnline = (statuses) => {
    const online = [...statuses].filter(([, s]) => s.status).map(([id]) => id);
    if (!online.includes(me.clientID) && client.state === 'connected') online.push(me.clientID);
    $('online').replaceChildren(
      ...online.sort().map((id) => {
        const li = document.createElement('li');
        li.textContent = id === me.clientID ? `${nameOf(id)} (you)` : nameOf(id);
        return li;
      }),
    );
  };

  const client = new Channels.ChannelsClient({ url: location.origin, appID: config.appID, token: me.token });
  const room = client.channel(config.channelID);
  window.demo = { client, room };

  client.on('state', (s) => {
    $('state').textContent = s;
    $('state').dataset.state = s;
    renderOnline(room.presence());
  });
  client.on('connected', () => log('connected'));
  client.on('disconnected', (d) =>
    log(`connection lost (${d.reason})${d.willReconnect ? `, retrying in ${d.retryInMs} ms` : ''}`),
  );
  client.on('error', (e) => log(`error: ${e.code}: ${e.message}`));
  room.on('event', add);
  room.on('presence', renderOnline);
  room.on('gap', (g) =>
    log(`could not recover everything: ${g.backfilled} read back from history, ${g.lost} lost`),
  );
  room.on('state', (s) => {
    if (s === 'subscribed') log(`subscribed to ${config.channelID} at #${room.position?.offset ?? '-'}`);
  });

  $('send').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = $('text').value.trim();
    if (!text) return;
    $('text').value = '';
    const id = crypto.randomUUID?.() ?? `${Date.now()}-${Math.random()}`;
    pending.set(id, { text, state: client.state === 'connected' ? 'sending…' : 'queued until reconnected' });
    render();
    room.publish('chat', { text }, { id }).then(
      () => {
        // The event itself arrives through the subscription; the ack only confirms it is stored.
      },
      (e) => {
        pending.delete(id);
        render();
        log(`not sent: ${e.code}: ${e.message}`);
      },
    );
  });

  try {
    await client.connect();
    const sub = await room.subscribe();
    // The last messages up to where the subscription started; live ones follow it.
    const { events } = await room.history({ limit: HISTORY });
    for (const e of events) if (sub.offset === undefined || e.offset <= sub.offset) add(e);
    render();
  } catch (e) {
    log(`could not join: ${e.code ?? ''} ${e.message}`);
  }
})();
