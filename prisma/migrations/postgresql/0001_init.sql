-- The tables of prisma/schema.prisma, as Prisma names them, for PostgreSQL.
CREATE TABLE "Run" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "dir" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "error" TEXT,
    "dataset" TEXT NOT NULL,
    "depth" INTEGER NOT NULL,
    "width" INTEGER NOT NULL,
    "mode" TEXT NOT NULL,
    "trainable" TEXT NOT NULL,
    "seed" INTEGER NOT NULL,
    "bnInit" TEXT NOT NULL,
    "epochs" INTEGER NOT NULL,
    "epochsDone" INTEGER NOT NULL,
    "paramsTotal" INTEGER NOT NULL,
    "paramsTrainable" INTEGER NOT NULL,
    "backend" TEXT NOT NULL,
    "codeVersion" TEXT NOT NULL,
    "config" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "indexedAt" TIMESTAMP(3) NOT NULL,
    "finalTestAccuracy" DOUBLE PRECISION,
    "bestTestAccuracy" DOUBLE PRECISION,
    "runJsonMtime" DOUBLE PRECISION NOT NULL,
    "metricsBytes" INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX "Run_dataset_depth_width_mode_idx" ON "Run"("dataset", "depth", "width", "mode");

CREATE TABLE "Checkpoint" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "runId" TEXT NOT NULL,
    "epoch" INTEGER NOT NULL,
    "path" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "mtime" DOUBLE PRECISION NOT NULL,
    "hash" TEXT NOT NULL,
    "error" TEXT,
    CONSTRAINT "Checkpoint_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "Checkpoint_runId_epoch_key" ON "Checkpoint"("runId", "epoch");

CREATE TABLE "MetricPoint" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "runId" TEXT NOT NULL,
    "line" INTEGER NOT NULL,
    "epoch" INTEGER NOT NULL,
    "step" INTEGER NOT NULL,
    "split" TEXT NOT NULL,
    "loss" DOUBLE PRECISION NOT NULL,
    "accuracy" DOUBLE PRECISION NOT NULL,
    "lr" DOUBLE PRECISION NOT NULL,
    "seconds" DOUBLE PRECISION NOT NULL,
    CONSTRAINT "MetricPoint_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "MetricPoint_runId_line_key" ON "MetricPoint"("runId", "line");

CREATE TABLE "GammaSummary" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "checkpointId" INTEGER NOT NULL,
    "layer" TEXT NOT NULL,
    "channels" INTEGER NOT NULL,
    "meanAbsGamma" DOUBLE PRECISION NOT NULL,
    "fractionBelow001" DOUBLE PRECISION NOT NULL,
    "fractionBelow01" DOUBLE PRECISION NOT NULL,
    CONSTRAINT "GammaSummary_checkpointId_fkey" FOREIGN KEY ("checkpointId") REFERENCES "Checkpoint" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "GammaSummary_checkpointId_layer_key" ON "GammaSummary"("checkpointId", "layer");

CREATE TABLE "AnalysisCache" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "ckptHash" TEXT NOT NULL,
    "analysis" TEXT NOT NULL,
    "params" TEXT NOT NULL,
    "result" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX "AnalysisCache_ckptHash_idx" ON "AnalysisCache"("ckptHash");
