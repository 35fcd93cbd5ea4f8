import type { WindowTextRead } from '@channels/realtime';

/** A window read as plain data, for comparing two reads in specs. */
export const windowView = (r: WindowTextRead) => ({
  top: r.top,
  first: r.first,
  epoch: r.epoch,
  complete: r.complete,
  events: r.events.map((e) => e.json),
});
