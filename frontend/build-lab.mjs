// First step of the JupyterLab extension's build: src/lab (TypeScript, with the shared views)
// bundled into lib/index.js, JupyterLab's own packages left as imports. The second step,
// `jupyter labextension build .`, turns that into the federated extension in
// ../opik_jupyter/labextension (see "jupyterlab" in package.json).
import * as esbuild from "esbuild";

await esbuild.build({
  entryPoints: ["src/lab/index.ts"],
  outfile: "lib/index.js",
  bundle: true,
  format: "esm",
  target: "es2020",
  external: ["@jupyterlab/*", "@lumino/*"],
  legalComments: "none",
  logLevel: "info",
});
