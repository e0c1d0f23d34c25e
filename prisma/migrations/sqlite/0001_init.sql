-- The tables of prisma/schema.prisma, as Prisma names them, for SQLite.
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
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    "indexedAt" DATETIME NOT NULL,
    "finalTestAccuracy" REAL,
    "bestTestAccuracy" REAL,
    "runJsonMtime" REAL NOT NULL,
    "metricsBytes" INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX "Run_dataset_depth_width_mode_idx" ON "Run"("dataset", "depth", "width", "mode");

CREATE TABLE "Checkpoint" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "runId" TEXT NOT NULL,
    "epoch" INTEGER NOT NULL,
    "path" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "mtime" REAL NOT NULL,
    "hash" TEXT NOT NULL,
    "error" TEXT,
    CONSTRAINT "Checkpoint_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "Checkpoint_runId_epoch_key" ON "Checkpoint"("runId", "epoch");

CREATE TABLE "MetricPoint" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "runId" TEXT NOT NULL,
    "line" INTEGER NOT NULL,
    "epoch" INTEGER NOT NULL,
    "step" INTEGER NOT NULL,
    "split" TEXT NOT NULL,
    "loss" REAL NOT NULL,
    "accuracy" REAL NOT NULL,
    "lr" REAL NOT NULL,
    "seconds" REAL NOT NULL,
    CONSTRAINT "MetricPoint_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "MetricPoint_runId_line_key" ON "MetricPoint"("runId", "line");

CREATE TABLE "GammaSummary" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "checkpointId" INTEGER NOT NULL,
    "layer" TEXT NOT NULL,
    "channels" INTEGER NOT NULL,
    "meanAbsGamma" REAL NOT NULL,
    "fractionBelow001" REAL NOT NULL,
    "fractionBelow01" REAL NOT NULL,
    CONSTRAINT "GammaSummary_checkpointId_fkey" FOREIGN KEY ("checkpointId") REFERENCES "Checkpoint" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "GammaSummary_checkpointId_layer_key" ON "GammaSummary"("checkpointId", "layer");

CREATE TABLE "AnalysisCache" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "ckptHash" TEXT NOT NULL,
    "analysis" TEXT NOT NULL,
    "params" TEXT NOT NULL,
    "result" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX "AnalysisCache_ckptHash_idx" ON "AnalysisCache"("ckptHash");
