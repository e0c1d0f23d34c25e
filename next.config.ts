import type { NextConfig } from "next";

const config: NextConfig = {
  // No X-Powered-By; the security headers themselves are set on every response by proxy.ts.
  poweredByHeader: false,
  // The app only reads (proxy.ts answers 405 to anything but GET and HEAD), so a request body is
  // never needed: buffer at most this much of one before the proxy refuses it.
  experimental: { proxyClientMaxBodySize: "16kb" },
  // tfjs and the native addon stay Node modules on the server, never bundled; so do the figure
  // exporters' server-side DOM (linkedom) and rasteriser (resvg, a native module); and pg-boss,
  // which the runs page's queue view loads with lib/queue (a Node library, like pg).
  serverExternalPackages: ["@tensorflow/tfjs-core", "@tensorflow/tfjs-backend-cpu", "@tensorflow/tfjs-backend-wasm", "linkedom", "@resvg/resvg-js", "pg-boss"],
};

export default config;
