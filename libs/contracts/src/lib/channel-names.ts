/**
 * What a channel id says about itself (protocol §5.1): its namespace, and — for an id holding `#` —
 * the only clients that may use it.
 */

/** Namespace names: what may stand before the `:` of a channel id. */
export const NAMESPACE_NAME_PATTERN = /^[A-Za-z0-9_\-.@$]{1,50}$/;

/**
 * The namespace of `channelID`: the part before its first `:`, when that `:` comes before any `#`
 * (in `#alice:home`, the personal channel of client `alice:home`, there is none); else undefined.
 */
export function namespaceOf(channelID: string): string | undefined {
  const colon = channelID.indexOf(':');
  if (colon <= 0) return undefined;
  const hash = channelID.indexOf('#');
  if (hash !== -1 && hash < colon) return undefined;
  return channelID.slice(0, colon);
}

/**
 * The clients a user-limited channel `<prefix>#<clientID>[,<clientID>…]` is limited to (`#u`, the
 * personal channel of `u`, is limited to `u`); undefined for an id without `#`. Empty names between
 * commas are ignored, so `dm#a,,b` is limited to `a` and `b`.
 */
export function userLimitedClients(channelID: string): string[] | undefined {
  const hash = channelID.indexOf('#');
  if (hash === -1) return undefined;
  return channelID
    .slice(hash + 1)
    .split(',')
    .filter((c) => c.length > 0);
}

/** The personal channel of client `clientID`: every device of the client may subscribe to it. */
export const personalChannel = (clientID: string): string => `#${clientID}`;
