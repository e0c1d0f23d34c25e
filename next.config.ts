import type { NextConfig } from "next";

const config: NextConfig = {
  // No X-Powered-By; the security headers themselves are set on every response by proxy.ts.
  poweredByHeader: false,
  // The proxy only passes reads (405 to anything but GET and HEAD), so it never needs a request
  // body: buffer at most this much of one before it refuses. The one upload, POST /api/import,
  // is outside the proxy (its matcher), so its body streams to disk unbuffered.
  experimental: { proxyClientMaxBodySize: "16kb" },
  // tfjs and the native addon stay Node modules on the server, never bundled; so do the figure
  // exporters' server-side DOM (linkedom) and rasteriser (resvg, a native module); and pg-boss,
  // which the runs page's queue view loads with lib/queue (a Node library, like pg).
  serverExternalPackages: ["@tensorflow/tfjs-core", "@tensorflow/tfjs-backend-cpu", "@tensorflow/tfjs-backend-wasm", "linkedom", "@resvg/resvg-js", "pg-boss"],
};

export default config;
