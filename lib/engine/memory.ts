/** Memory discipline: numbers for leak tests and step-level checks (DESIGN.md, habit 6). */
import { memory } from "@tensorflow/tfjs-core";

/** Live tensors known to the engine (`tf.memory().numTensors`); flat across steps when nothing leaks. */
export function tensorCount(): number {
  return memory().numTensors;
}

/** Bytes held by live tensors (`tf.memory().numBytes`). */
export function tensorBytes(): number {
  return memory().numBytes;
}
