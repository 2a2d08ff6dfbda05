// Loaded by zisi verify: node runner.cjs ENTRY cjs|esm NAME RESULT_FILE
// Writes one JSON object to RESULT_FILE (stdout belongs to the function):
// {stage, missing, error, statusCode, body}.
const { writeFileSync } = require("fs");
const { pathToFileURL } = require("url");
const [entry, mode, name, resultFile] = process.argv.slice(2);
const done = (o) => {
  writeFileSync(resultFile, JSON.stringify(o));
  process.exit(0);
};
const isMissing = (e) => Boolean(e) && (e.code === "MODULE_NOT_FOUND" || e.code === "ERR_MODULE_NOT_FOUND");
const describe = (e) => String((e && e.stack) || e);

(async () => {
  let mod;
  try {
    mod = mode === "esm" ? await import(pathToFileURL(entry).href) : require(entry);
  } catch (e) {
    return done({ stage: "load", missing: isMissing(e), error: describe(e) });
  }
  const handler = mod.handler || (mod.default && mod.default.handler);
  if (typeof handler !== "function") {
    return done({ stage: "load", error: "the entry file exports no handler function" });
  }
  const event = {
    httpMethod: "GET",
    path: "/",
    rawUrl: "http://localhost/",
    headers: { host: "localhost" },
    multiValueHeaders: {},
    queryStringParameters: {},
    multiValueQueryStringParameters: {},
    body: null,
    isBase64Encoded: false,
    requestContext: { httpMethod: "GET", path: "/", identity: {} },
  };
  const context = {
    functionName: name,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 10000,
  };
  try {
    const res = await new Promise((resolve, reject) => {
      setTimeout(() => reject(new Error("the handler did not answer within 10 seconds")), 10000).unref();
      const r = handler(event, context, (err, out) => (err ? reject(err) : resolve(out)));
      if (r && typeof r.then === "function") r.then(resolve, reject);
    });
    done({
      stage: "ok",
      statusCode: res && res.statusCode,
      body: res && typeof res.body === "string" ? res.body.slice(0, 500) : undefined,
    });
  } catch (e) {
    done({ stage: "handler", missing: isMissing(e), error: describe(e) });
  }
})();
