/**
 * The namespace a channel id belongs to: the part before its first `:` (`room` for `room:lobby`,
 * `chat` for `chat:dialog#alice,bob`); null without one.
 */
export function namespaceOf(channelID: string): string | null {
  const colon = channelID.indexOf(':');
  return colon > 0 ? channelID.slice(0, colon) : null;
}

/** The dashboard path of a channel's page (ids percent-encoded: they may hold `#`, `,`, `$`). */
export const channelLink = (appID: string, channelID: string) =>
  `/apps/${encodeURIComponent(appID)}/channels/${encodeURIComponent(channelID)}`;
