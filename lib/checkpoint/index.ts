export * from "./atomic";
export * from "./errors";
export * from "./safetensors";
export * from "./state-dict-io";
export * from "./run-config";
export * from "./run-files";
export * from "./read-file";
