-- Backend hooks (protocol §5.4): per app, and per namespace overriding the app's for its channels,
-- `{connect?: {url}, subscribe?: {url}, publish?: {url}, timeoutMs?, onFailure?}`; null: none.
ALTER TABLE "apps" ADD COLUMN "hooks" JSONB;
ALTER TABLE "namespaces" ADD COLUMN "hooks" JSONB;
