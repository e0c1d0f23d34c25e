-- The network family and its variants, so the runs list can filter by them. Every run indexed
-- before was open_lth's ResNet with BN before ReLU and projection shortcuts: the defaults say so.
ALTER TABLE "Run" ADD COLUMN "family" TEXT NOT NULL DEFAULT 'resnet';
ALTER TABLE "Run" ADD COLUMN "bnPlacement" TEXT NOT NULL DEFAULT 'before-relu';
ALTER TABLE "Run" ADD COLUMN "shortcut" TEXT NOT NULL DEFAULT 'projection';
