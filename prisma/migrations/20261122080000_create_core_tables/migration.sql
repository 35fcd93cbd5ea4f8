-- CreateTable
CREATE TABLE "apps" (
    "id" VARCHAR(150) NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "apps_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "clients" (
    "app_id" VARCHAR(150) NOT NULL,
    "id" VARCHAR(100) NOT NULL,
    "username" VARCHAR(200) NOT NULL DEFAULT '',
    "extra" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "clients_pkey" PRIMARY KEY ("app_id","id")
);

-- CreateTable
CREATE TABLE "channels" (
    "app_id" VARCHAR(150) NOT NULL,
    "id" VARCHAR(100) NOT NULL,
    "name" VARCHAR(200) NOT NULL DEFAULT '',
    "persistent" BOOLEAN NOT NULL DEFAULT false,
    "private" BOOLEAN NOT NULL DEFAULT false,
    "presence" BOOLEAN NOT NULL DEFAULT false,
    "is_closed" BOOLEAN NOT NULL DEFAULT false,
    "extra" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retention_max_age_seconds" INTEGER,
    "retention_max_count" INTEGER,

    CONSTRAINT "channels_pkey" PRIMARY KEY ("app_id","id")
);

-- CreateTable
CREATE TABLE "memberships" (
    "app_id" VARCHAR(150) NOT NULL,
    "channel_id" VARCHAR(100) NOT NULL,
    "client_id" VARCHAR(100) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "memberships_pkey" PRIMARY KEY ("app_id","channel_id","client_id")
);

-- CreateTable
CREATE TABLE "events" (
    "app_id" VARCHAR(150) NOT NULL,
    "channel_id" VARCHAR(100) NOT NULL,
    "offset" BIGINT NOT NULL,
    "epoch" VARCHAR(64) NOT NULL,
    "id" VARCHAR(128) NOT NULL,
    "event_type" VARCHAR(50) NOT NULL,
    "payload" JSONB NOT NULL,
    "sender_id" VARCHAR(100) NOT NULL,
    "timestamp" BIGINT NOT NULL,

    CONSTRAINT "events_pkey" PRIMARY KEY ("app_id","channel_id","offset")
);

-- CreateTable
CREATE TABLE "dead_letters" (
    "id" BIGSERIAL NOT NULL,
    "app_id" VARCHAR(150) NOT NULL,
    "channel_id" VARCHAR(100) NOT NULL,
    "offset" BIGINT,
    "event_id" VARCHAR(128),
    "event" JSONB NOT NULL,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dead_letters_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "channels_app_id_private_id_idx" ON "channels"("app_id", "private", "id");

-- CreateIndex
CREATE INDEX "memberships_app_id_client_id_idx" ON "memberships"("app_id", "client_id");

-- CreateIndex
CREATE INDEX "events_app_id_channel_id_timestamp_idx" ON "events"("app_id", "channel_id", "timestamp");

-- CreateIndex
CREATE UNIQUE INDEX "events_app_id_channel_id_id_key" ON "events"("app_id", "channel_id", "id");

-- CreateIndex
CREATE INDEX "dead_letters_created_at_idx" ON "dead_letters"("created_at");

-- AddForeignKey
ALTER TABLE "clients" ADD CONSTRAINT "clients_app_id_fkey" FOREIGN KEY ("app_id") REFERENCES "apps"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "channels" ADD CONSTRAINT "channels_app_id_fkey" FOREIGN KEY ("app_id") REFERENCES "apps"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_app_id_channel_id_fkey" FOREIGN KEY ("app_id", "channel_id") REFERENCES "channels"("app_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_app_id_client_id_fkey" FOREIGN KEY ("app_id", "client_id") REFERENCES "clients"("app_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "events" ADD CONSTRAINT "events_app_id_channel_id_fkey" FOREIGN KEY ("app_id", "channel_id") REFERENCES "channels"("app_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;
