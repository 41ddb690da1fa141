// `npm run lint:deps` (part of `npm test`): the generator's layers import one way,
// ir → target → parse → model → lint | emit → cli, with no cycles; the runtime and the
// generator never import each other. ARCHITECTURE.md explains the layers.
const layers = ["ir", "target", "parse", "model", "lint|emit", "cli"];
const folder = (l) => `^generator/(${l})/`;

const backEdges = layers.flatMap((layer, i) => {
  const higher = layers.slice(i + 1);
  if (!higher.length) return [];
  return [{
    name: `layer-${layer.replace("|", "-")}`,
    comment: `${layer}/ may import only the layers before it`,
    severity: "error",
    from: { path: folder(layer) },
    to: { path: folder(higher.join("|")) },
  }];
});

module.exports = {
  forbidden: [
    ...backEdges,
    {
      name: "lint-emit-apart",
      comment: "lint/ and emit/ both consume the model and never each other",
      severity: "error",
      from: { path: "^generator/lint/" },
      to: { path: "^generator/emit/" },
    },
    {
      name: "emit-lint-apart",
      comment: "lint/ and emit/ both consume the model and never each other",
      severity: "error",
      from: { path: "^generator/emit/" },
      to: { path: "^generator/lint/" },
    },
    {
      name: "no-reparse",
      comment: "lint/ and emit/ read the parsed kerneldoc the model carries; they never re-parse",
      severity: "error",
      from: { path: "^generator/(lint|emit)/" },
      to: { path: "^generator/parse/" },
    },
    {
      name: "no-cycles",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "runtime-apart",
      comment: "generated code imports the runtime by package name; the generator never does",
      severity: "error",
      from: { path: "^generator/" },
      to: { path: "^(runtime|linux)/" },
    },
    {
      name: "generator-apart",
      severity: "error",
      from: { path: "^(runtime|linux)/" },
      to: { path: "^generator/" },
    },
    {
      name: "layer-folders-only",
      comment: "every generator source lives in a layer folder",
      severity: "error",
      from: { path: "^generator/[^/]+\\.ts$" },
      to: {},
    },
  ],
  options: {
    parser: "swc",
    tsPreCompilationDeps: true,
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)dist/|/generated/|\\.d\\.ts$" },
  },
};
