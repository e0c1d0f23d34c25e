/**
 * bnlab's figures: d3 builders, data + typed options + `{ document }` → `<svg>`, the same code in
 * the browser (the page's document) and on the server (linkedom's) for export. Each builder has a
 * `…Table(data)` giving the exact numbers drawn, for CSV; `toSvgString` makes a standalone file.
 * Builders share the frame (./core), one plot area with its axes (./plot) and the marks (./marks),
 * and state only what is particular to their figure.
 */
export * from "./core";
export * from "./plot";
export * from "./marks";
export * from "./svg";
export * from "./theme";
export * from "./training-curves";
export * from "./gamma-histogram";
export * from "./gamma-heatmap";
export * from "./layer-bars";
export * from "./pruning-curve";
export * from "./depth-width";
