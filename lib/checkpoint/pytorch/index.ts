export { readPytorchCheckpoint, MAX_PICKLE_BYTES, STATE_DICT_KEYS, type PytorchCheckpoint } from "./read";
export { RefusedGlobalError } from "./torch-globals";
