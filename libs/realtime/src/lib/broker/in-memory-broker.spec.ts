import { describeBrokerContract } from './broker.contract';
import { FakeStreamSource } from './fake-stream-source';
import { InMemoryBroker } from './in-memory-broker';

describeBrokerContract('in-memory', async (windowSize, maxUncommitted) => {
  const source = new FakeStreamSource();
  const broker = new InMemoryBroker(source, { windowSize, idempotencyTtlSeconds: 300, maxUncommitted });
  return { broker, source, loseStreams: async () => broker.loseStreams() };
});
