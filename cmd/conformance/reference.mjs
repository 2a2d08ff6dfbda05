// Runs the reference zip-it-and-ship-it on each function of a job, one
// zipFunctions call per function so that one failure does not hide the
// others. Usage: node reference.mjs REFERENCE_DIR < job.json
// job: {site, repositoryRoot?, list?, config, featureFlags?, functions: [{name, path, dest}]};
// prints {results: [{path, result | error | unlisted, manifest}], listed,
// listError} as JSON on stdout. With `list` (source folders), the
// reference's listFunctions runs first and only the functions it finds are
// built; the others come back `unlisted`. `featureFlags` go to both calls
// as Netlify Build passes them.
//
// A job with `sources` (Netlify Build mode) is built with ONE zipFunctions
// call, as Netlify Build makes it: {sources: {generated, user}, dest,
// options}; it prints {results, manifest} or {error}. Its options carry
// the feature flags.
//
// A job with `server` builds the Netlify Server with zipServer, as a deploy
// tool calls it: {server: {path, dest, options}}, path the server's folder
// (its entry found with findServerEntry) or entry file; options are
// zipServer's (basePath, repositoryRoot, manifest, featureFlags). It prints
// {result, manifest} or {error}.
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const refDir = process.argv[2];
const { findServerEntry, listFunctions, zipFunctions, zipServer } = await import(
  pathToFileURL(join(refDir, "node_modules/@netlify/zip-it-and-ship-it/dist/main.js")).href
);
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const job = JSON.parse(Buffer.concat(chunks).toString("utf8"));
process.chdir(job.site);

const message = (error) => String(error && error.message ? error.message : error);

// One zipFunctions call, as Netlify Build makes it.
const buildSite = async () => {
  try {
    const results = await zipFunctions(job.sources, job.dest, { ...job.options, config: job.config });
    const manifest = JSON.parse(await readFile(job.options.manifest, "utf8"));
    return { results, manifest };
  } catch (error) {
    return { error: message(error) };
  }
};

// One zipServer call.
const buildServer = async () => {
  const { path, dest, options } = job.server;
  try {
    const entry = (await stat(path)).isDirectory() ? await findServerEntry(path) : path;
    if (!entry) throw new Error(`the reference's findServerEntry finds no server entry in ${path}`);
    const result = await zipServer(entry, dest, options);
    const manifest = JSON.parse(await readFile(options.manifest, "utf8"));
    return { result, manifest };
  } catch (error) {
    return { error: message(error) };
  }
};

// One zipFunctions call per function.
const buildFunctions = async () => {
  let listed = null;
  let listError = "";
  if (job.list) {
    try {
      const fns = await listFunctions(
        { user: { directories: job.list } },
        { config: job.config, ...(job.featureFlags ? { featureFlags: job.featureFlags } : {}) },
      );
      listed = fns.map(({ name, mainFile }) => ({ name, mainFile }));
    } catch (error) {
      listError = message(error);
    }
  }

  const results = [];
  for (const fn of job.functions) {
    if (listed && !listed.some(({ name }) => name === fn.name)) {
      results.push({ path: fn.path, unlisted: true });
      continue;
    }
    try {
      const [result] = await zipFunctions({ user: { functions: [fn.path] } }, fn.dest, {
        config: job.config,
        basePath: job.site,
        ...(job.repositoryRoot ? { repositoryRoot: job.repositoryRoot } : {}),
        ...(job.featureFlags ? { featureFlags: job.featureFlags } : {}),
        // Netlify Build's local behavior: Go binaries are zipped as bootstrap.
        zipGo: true,
      });
      if (!result) throw new Error(`the reference finds no function in ${fn.path}`);
      const manifest = JSON.parse(await readFile(join(fn.dest, "manifest.json"), "utf8"));
      results.push({ path: fn.path, result, manifest: manifest.functions[0] });
    } catch (error) {
      results.push({ path: fn.path, error: message(error) });
    }
  }
  return { results, listed, listError };
};

// Written once, without process.exit: a pipe is flushed asynchronously.
const build = job.server ? buildServer : job.sources ? buildSite : buildFunctions;
process.stdout.write(JSON.stringify(await build()));
