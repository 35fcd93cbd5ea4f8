-- Ack mode of stored publishes: per app (default "queued"), optionally overridden per channel.
ALTER TABLE "apps" ADD COLUMN "ack_mode" VARCHAR(16) NOT NULL DEFAULT 'queued';
ALTER TABLE "channels" ADD COLUMN "ack_mode" VARCHAR(16);

-- Whether a channel's Redis stream was ever seeded. Channels that exist already may have a live
-- stream: they count as seeded, so a later loss of Redis data starts the new epoch above any offset
-- subscribers may have seen. New channels start unseeded.
ALTER TABLE "channels" ADD COLUMN "stream_seeded" BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE "channels" ALTER COLUMN "stream_seeded" SET DEFAULT false;
