// Bundles the anywidget entry points and the shared stylesheet into the Python package
// (opik_jupyter/widgets/static/), self-contained: nothing is loaded from a CDN at run time.
import * as esbuild from "esbuild";

const outdir = "../opik_jupyter/widgets/static";
const options = {
  entryPoints: {
    trace_tree: "src/widgets/trace_tree.ts",
    traces_table: "src/widgets/traces_table.ts",
    experiment_table: "src/widgets/experiment_table.ts",
    score_chart: "src/widgets/score_chart.ts",
    prompt_history: "src/widgets/prompt_history.ts",
    threads: "src/widgets/threads.ts",
    annotation_queue: "src/widgets/annotation_queue.ts",
    opik: "src/styles.css",
    evaluation: "src/views/evaluation.css",
    prompts: "src/views/prompts.css",
    threads_view: "src/views/threads.css",
    dashboard: "src/widgets/dashboard.ts",
    dashboard_style: "src/views/dashboard.css",
  },
  outdir,
  bundle: true,
  format: "esm",
  target: "es2020",
  minify: true,
  legalComments: "none",
  logLevel: "info",
};

if (process.argv.includes("--watch")) {
  const context = await esbuild.context(options);
  await context.watch();
} else {
  await esbuild.build(options);
}
