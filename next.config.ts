import type { NextConfig } from "next";

const config: NextConfig = {
  // tfjs and the native addon stay Node modules on the server, never bundled.
  serverExternalPackages: ["@tensorflow/tfjs-core", "@tensorflow/tfjs-backend-cpu", "@tensorflow/tfjs-backend-wasm"],
};

export default config;
