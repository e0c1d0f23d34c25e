import * as tf from "@tensorflow/tfjs-core";
import { availableBackends } from "../../lib/engine/backend";
import { registerBnlabKernels } from "../../lib/engine/register";

/** The CPU backends available here (native, wasm, cpu), for tests that must hold on each. */
export async function cpuBackends(): Promise<string[]> {
  registerBnlabKernels();
  const all = await availableBackends();
  return all.filter((b) => b.available && ["native", "wasm", "cpu"].includes(b.name)).map((b) => b.name);
}

export async function useBackend(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} did not start`);
  await tf.ready();
}
