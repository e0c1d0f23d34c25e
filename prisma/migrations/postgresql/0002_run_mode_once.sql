-- A run's trainable groups are stored once, as its mode (lib/run/modes reads the groups back
-- from it); the comma-joined copy goes. The config JSON keeps the run's full config.
ALTER TABLE "Run" DROP COLUMN "trainable";
