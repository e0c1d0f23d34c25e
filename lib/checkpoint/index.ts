export * from "./atomic";
export * from "./errors";
export * from "./safetensors";
export * from "./state-dict-io";
export * from "./read-file";
