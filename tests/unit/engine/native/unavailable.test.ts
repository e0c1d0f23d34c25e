/** Without the addon, registration reports why instead of throwing. */
import { expect, it } from "vitest";

it("registerNativeBackend() says why when the addon is missing", async () => {
  process.env.BNLAB_NATIVE_ADDON = "/nonexistent/bnlab_native.node";
  const { registerNativeBackend } = await import("../../../../lib/engine/native");
  const r = await registerNativeBackend();
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.why).toMatch(/not built.*native\/build\.mjs/);
});
