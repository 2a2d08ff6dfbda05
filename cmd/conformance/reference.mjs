// Runs the reference zip-it-and-ship-it on each function of a job, one
// zipFunctions call per function so that one failure does not hide the
// others. Usage: node reference.mjs REFERENCE_DIR < job.json
// job: {site, config, functions: [{path, dest}]}; prints
// [{path, result | error, manifest}] as JSON on stdout.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const refDir = process.argv[2];
const { zipFunctions } = await import(
  pathToFileURL(join(refDir, "node_modules/@netlify/zip-it-and-ship-it/dist/main.js")).href
);
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const job = JSON.parse(Buffer.concat(chunks).toString("utf8"));
process.chdir(job.site);

const out = [];
for (const fn of job.functions) {
  try {
    const [result] = await zipFunctions({ user: { functions: [fn.path] } }, fn.dest, {
      config: job.config,
      basePath: job.site,
      // Netlify Build's local behavior: Go binaries are zipped as bootstrap.
      zipGo: true,
    });
    const manifest = JSON.parse(await readFile(join(fn.dest, "manifest.json"), "utf8"));
    out.push({ path: fn.path, result, manifest: manifest.functions[0] });
  } catch (error) {
    out.push({ path: fn.path, error: String(error && error.message ? error.message : error) });
  }
}
process.stdout.write(JSON.stringify(out));
