export * from "./arch";
export * from "./groups";
export * from "./init";
export * from "./state-dict";
export * from "./resnet";
export * from "./names";
