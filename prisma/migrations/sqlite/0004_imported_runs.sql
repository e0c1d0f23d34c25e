-- Imported runs (bnlab import): the source of the weights, the recognised architecture, and why a
-- forward pass is unavailable. All null for runs bnlab trained.
ALTER TABLE "Run" ADD COLUMN "sourcePath" TEXT;
ALTER TABLE "Run" ADD COLUMN "sourceFormat" TEXT;
ALTER TABLE "Run" ADD COLUMN "architecture" TEXT;
ALTER TABLE "Run" ADD COLUMN "forwardUnavailable" TEXT;
