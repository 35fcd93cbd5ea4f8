import { describeEventQueueContract } from './event-queue.contract';
import { InMemoryEventQueue } from './in-memory-event-queue';

describeEventQueueContract('in-memory', async (options) => {
  const queue = new InMemoryEventQueue(options);
  return {
    queue,
    handedOff: async () => queue.batches,
    breakStore: async () => queue.failHandOffs(new Error('store down')),
    healStore: async () => queue.failHandOffs(null),
  };
});
