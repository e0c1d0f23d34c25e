/** One foreign checkpoint file as a bnlab state dict: PyTorch's zip format or safetensors. */
import { readPytorchCheckpoint } from "../checkpoint/pytorch";
import { readSafetensors } from "../checkpoint/safetensors";
import { toStateDict } from "../checkpoint/state-dict-io";
import type { StateDict } from "../models/state-dict";
import type { SourceFile } from "./sources";

export async function readForeignCheckpoint(f: Pick<SourceFile, "file" | "kind">): Promise<StateDict> {
  if (f.kind === "safetensors") {
    const parsed = await readSafetensors(f.file);
    // Same rule as PyTorch's: a DataParallel prefix on every name is not part of the model.
    const names = [...parsed.tensors.keys()];
    const strip = names.length > 0 && names.every((n) => n.startsWith("module.")) ? "module.".length : 0;
    return toStateDict(new Map([...parsed.tensors].map(([n, t]) => [n.slice(strip), t])), f.file);
  }
  return (await readPytorchCheckpoint(f.file)).stateDict;
}
