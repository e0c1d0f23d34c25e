import type { NextConfig } from "next";

const config: NextConfig = {
  // tfjs and the native addon stay Node modules on the server, never bundled; so do the figure
  // exporters' server-side DOM (linkedom) and rasteriser (resvg, a native module).
  serverExternalPackages: ["@tensorflow/tfjs-core", "@tensorflow/tfjs-backend-cpu", "@tensorflow/tfjs-backend-wasm", "linkedom", "@resvg/resvg-js"],
};

export default config;
