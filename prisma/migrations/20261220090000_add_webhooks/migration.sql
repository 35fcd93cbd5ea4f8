-- Webhooks (protocol §5.4): each app's setting, and every delivery with its attempts. Deliveries are
-- listed per app, newest first, optionally by status (the dead letters are the `failed` ones).
CREATE TABLE "webhook_settings" (
    "app_id" VARCHAR(150) NOT NULL,
    "url" VARCHAR(2048) NOT NULL,
    "types" VARCHAR(32)[] NOT NULL DEFAULT ARRAY[]::VARCHAR(32)[],
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_settings_pkey" PRIMARY KEY ("app_id"),
    CONSTRAINT "webhook_settings_app_id_fkey" FOREIGN KEY ("app_id") REFERENCES "apps"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL,
    "app_id" VARCHAR(150) NOT NULL,
    "type" VARCHAR(32) NOT NULL,
    "channel_id" VARCHAR(100),
    "client_id" VARCHAR(100),
    "sequence" BIGINT NOT NULL,
    "body" TEXT NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "attempts" JSONB NOT NULL DEFAULT '[]',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "webhook_deliveries_app_id_fkey" FOREIGN KEY ("app_id") REFERENCES "apps"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE INDEX "webhook_deliveries_app_id_status_created_at_id_idx" ON "webhook_deliveries"("app_id", "status", "created_at", "id");
CREATE INDEX "webhook_deliveries_app_id_created_at_id_idx" ON "webhook_deliveries"("app_id", "created_at", "id");
