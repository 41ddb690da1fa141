// `npm run lint:deps` (part of `npm test`): the generator's layers import one way,
// ir → target → parse → model → lint | emit | abi → cli, with no cycles; the runtime and the
// generator never import each other. ARCHITECTURE.md explains the layers.
const layers = ["ir", "target", "parse", "model", "lint|emit|abi", "cli"];
// lint/, emit/ and abi/ all consume the model and never each other.
const consumers = ["lint", "emit", "abi"];
const folder = (l) => `^generator/(${l})/`;

const backEdges = layers.flatMap((layer, i) => {
  const higher = layers.slice(i + 1);
  if (!higher.length) return [];
  return [{
    name: `layer-${layer.replaceAll("|", "-")}`,
    comment: `${layer}/ may import only the layers before it`,
    severity: "error",
    from: { path: folder(layer) },
    to: { path: folder(higher.join("|")) },
  }];
});

module.exports = {
  forbidden: [
    ...backEdges,
    ...consumers.map((c) => ({
      name: `${c}-apart`,
      comment: "lint/, emit/ and abi/ all consume the model and never each other",
      severity: "error",
      from: { path: `^generator/${c}/` },
      to: { path: `^generator/(${consumers.filter((x) => x !== c).join("|")})/` },
    })),
    {
      name: "no-reparse",
      comment: "lint/, emit/ and abi/ read the parsed kerneldoc the model carries; they never re-parse",
      severity: "error",
      from: { path: "^generator/(lint|emit|abi)/" },
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
