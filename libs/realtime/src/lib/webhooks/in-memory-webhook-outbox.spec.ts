import { InMemoryWebhookOutbox } from './in-memory-webhook-outbox';
import { describeWebhookOutboxContract } from './webhook-outbox.contract';

describeWebhookOutboxContract('in-memory', async () => new InMemoryWebhookOutbox());
