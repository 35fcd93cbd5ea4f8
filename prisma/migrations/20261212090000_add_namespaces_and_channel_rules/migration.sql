-- Namespaces (protocol §5.1): per-app channel defaults for the channels whose id starts with
-- "<name>:". `auto_create` lets such a channel come into existence on first subscribe or publish.
CREATE TABLE "namespaces" (
    "app_id" VARCHAR(150) NOT NULL,
    "name" VARCHAR(50) NOT NULL,
    "persistent" BOOLEAN NOT NULL DEFAULT false,
    "private" BOOLEAN NOT NULL DEFAULT false,
    "presence" BOOLEAN NOT NULL DEFAULT false,
    "history_size" INTEGER,
    "history_ttl_seconds" INTEGER,
    "client_publish" BOOLEAN NOT NULL DEFAULT true,
    "join_leave" BOOLEAN NOT NULL DEFAULT true,
    "auto_create" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "namespaces_pkey" PRIMARY KEY ("app_id","name")
);
ALTER TABLE "namespaces" ADD CONSTRAINT "namespaces_app_id_fkey" FOREIGN KEY ("app_id") REFERENCES "apps"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Channel rules beside persistent/private/presence: whether clients may publish, whether members
-- joining or leaving are pushed, and whether the row was made implicitly (from its namespace, or a
-- user-limited id) and so follows its namespace's settings when they change.
ALTER TABLE "channels" ADD COLUMN "client_publish" BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE "channels" ADD COLUMN "join_leave" BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE "channels" ADD COLUMN "auto_created" BOOLEAN NOT NULL DEFAULT false;
