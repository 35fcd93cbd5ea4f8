import {
  type ChannelEvent,
  ChannelsClient,
  type ChannelsError,
  type ConnectionState,
  type PresenceMap,
} from '@channels/client';
import { useEffect, useRef, useState } from 'react';

/** Most events the live tail keeps (older ones are dropped from view; history has them all). */
export const TAIL_LIMIT = 500;

export interface LiveChannel {
  state: ConnectionState;
  /** Newest first. */
  events: ChannelEvent[];
  /** Events received while paused, shown when resumed. */
  held: number;
  paused: boolean;
  setPaused(p: boolean): void;
  clear(): void;
  presence: PresenceMap;
  subscribed: boolean;
  error: ChannelsError | null;
}

/**
 * Subscribes to one channel through the gateways with `@channels/client` and the signed-in token,
 * for as long as the component is mounted: its events (each once, in offset order, recovered
 * after a reconnect; a bounded tail that can be paused) and its presence.
 */
export function useLiveChannel(opts: {
  /** The gateways' address; empty: this page's origin; undefined: not known yet. */
  url: string | undefined;
  appID: string;
  channelID: string;
  token: string;
}): LiveChannel {
  const { url, appID, channelID, token } = opts;
  const [state, setState] = useState<ConnectionState>('disconnected');
  const [events, setEvents] = useState<ChannelEvent[]>([]);
  const [presence, setPresence] = useState<PresenceMap>(new Map());
  const [subscribed, setSubscribed] = useState(false);
  const [error, setError] = useState<ChannelsError | null>(null);
  const [paused, setPausedState] = useState(false);
  const [held, setHeld] = useState(0);
  const pausedRef = useRef(false);
  const heldRef = useRef<ChannelEvent[]>([]);

  useEffect(() => {
    if (url === undefined) return;
    const client = new ChannelsClient({ url: url || window.location.origin, appID, token });
    const sub = client.channel(channelID);
    const offs = [
      client.on('state', setState),
      client.on('error', setError),
      sub.on('event', (e) => {
        if (pausedRef.current) {
          heldRef.current.unshift(e);
          heldRef.current.length = Math.min(heldRef.current.length, TAIL_LIMIT);
          setHeld((n) => n + 1);
        } else {
          setEvents((list) => [e, ...list].slice(0, TAIL_LIMIT));
        }
      }),
      sub.on('presence', (p) => setPresence(new Map(p))),
      sub.on('state', (s) => {
        setSubscribed(s === 'subscribed');
        if (s === 'subscribed') setError(null);
      }),
      sub.on('error', setError),
    ];
    client
      .connect()
      .then(() => sub.subscribe())
      .catch((e: ChannelsError) => setError(e));
    return () => {
      for (const off of offs) off();
      void client.disconnect();
      setEvents([]);
      setPresence(new Map());
      setSubscribed(false);
    };
  }, [url, appID, channelID, token]);

  const setPaused = (p: boolean) => {
    pausedRef.current = p;
    setPausedState(p);
    if (!p && heldRef.current.length > 0) {
      const released = heldRef.current;
      heldRef.current = [];
      setEvents((list) => [...released, ...list].slice(0, TAIL_LIMIT));
    }
    if (!p) setHeld(0);
  };

  return {
    state,
    events,
    held,
    paused,
    setPaused,
    clear: () => setEvents([]),
    presence,
    subscribed,
    error,
  };
}
