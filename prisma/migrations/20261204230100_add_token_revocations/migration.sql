-- CreateTable
CREATE TABLE "token_revocations" (
    "app_id" VARCHAR(150) NOT NULL,
    "client_id" VARCHAR(100) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "token_revocations_pkey" PRIMARY KEY ("app_id","client_id")
);
