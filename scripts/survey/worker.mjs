// A survey worker: takes items from runPool over IPC and answers each with its result.
import { generateJob } from "./generate-stage.mjs";
import { jointJob } from "./joint-stage.mjs";
import { loadJob } from "./load-stage.mjs";

const STAGES = { generate: generateJob, joint: jointJob, load: loadJob };

process.on("message", async ({ stage, item, context }) => {
  process.send(await STAGES[stage](item, context));
});
