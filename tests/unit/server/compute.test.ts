import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { getDataset } from "../../../lib/data/registry";
import { testSet } from "../../../lib/server/compute";
import { ApiError } from "../../../lib/server/errors";

describe("testSet", () => {
  const empty = mkdtempSync(path.join(tmpdir(), "bnlab-no-data-"));
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it("answers 503 for a dataset the server lacks each time, and logs where it looked once", () => {
    vi.stubEnv("BNLAB_DATA_DIR", empty);
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    for (let i = 0; i < 3; i++) {
      expect(() => testSet(getDataset("cifar10"))).toThrow(ApiError);
      try {
        testSet(getDataset("cifar10"));
      } catch (e) {
        expect((e as ApiError).status).toBe(503);
        expect((e as ApiError).message).toContain("cifar10 test split is not available");
      }
    }
    expect(log).toHaveBeenCalledTimes(1);
    expect(String(log.mock.calls[0][0])).toContain(`looked in ${empty}`);
    rmSync(empty, { recursive: true, force: true });
  });
});
