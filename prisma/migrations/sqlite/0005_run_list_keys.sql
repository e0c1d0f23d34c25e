-- The runs list at scale. "idKey": the run id's locale-order key (case folded, the punctuation of
-- run ids mapped below the digits in ICU root order: _ - . +), which the list sorts ties by; as a
-- generated column it needs no writer to keep it, and indexed it lets the default order (newest
-- first) and the id order read one page from an index instead of sorting every run.
-- The facet index covers the list's one GROUP BY (status, mode, dataset).
ALTER TABLE "Run" ADD COLUMN "idKey" TEXT GENERATED ALWAYS AS (REPLACE(REPLACE(REPLACE(REPLACE(LOWER("id"), '_', '!'), '-', '"'), '.', '#'), '+', '$')) VIRTUAL;
CREATE INDEX "Run_createdAt_idKey_idx" ON "Run"("createdAt" DESC, "idKey", "id");
CREATE INDEX "Run_idKey_idx" ON "Run"("idKey", "id");
CREATE INDEX "Run_status_mode_dataset_idx" ON "Run"("status", "mode", "dataset");
