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
// v2 functions run behind the bootstrap, which uses the Lambda runtime's
// response streaming globals; this is a minimal stand-in for them.
const { Writable } = require("stream");
const streaming = Symbol("streaming");
globalThis.awslambda = {
  streamifyResponse: (fn) => Object.assign(fn, { [streaming]: true }),
  HttpResponseStream: {
    from: (stream, prelude) => {
      stream.prelude = prelude;
      return stream;
    },
  },
};
const responseStream = () => {
  const chunks = [];
  const s = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  s.finished = new Promise((resolve, reject) => {
    s.on("finish", () => resolve(Buffer.concat(chunks).toString("utf8")));
    s.on("error", reject);
  });
  return s;
};
// Modules the Lambda runtime provides (the AWS SDK) are not in archives;
// resolve them from the site instead, for CommonJS and ESM importers.
const runtimeFrom = process.env.ZISI_VERIFY_RUNTIME_FROM;
if (runtimeFrom) {
  const Module = require("module");
  const path = require("path");
  const provided = (s) => s.startsWith("@aws-sdk/") || s === "aws-sdk" || s.startsWith("aws-sdk/");
  const standIn = path.join(runtimeFrom, "runtime.js");
  const fakeParent = { id: standIn, filename: standIn, paths: Module._nodeModulePaths(runtimeFrom) };
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function (request, parent, ...rest) {
    try {
      return resolveFilename.call(this, request, parent, ...rest);
    } catch (e) {
      if (e && e.code === "MODULE_NOT_FOUND" && provided(request)) {
        return resolveFilename.call(this, request, fakeParent, ...rest);
      }
      throw e;
    }
  };
  if (typeof Module.register === "function") {
    const hooks = `
      let parentURL;
      const provided = (s) => s.startsWith("@aws-sdk/") || s === "aws-sdk" || s.startsWith("aws-sdk/");
      export function initialize(data) { parentURL = data.parentURL; }
      export async function resolve(specifier, context, next) {
        try {
          return await next(specifier, context);
        } catch (e) {
          if (e && e.code === "ERR_MODULE_NOT_FOUND" && provided(specifier)) {
            return next(specifier, { ...context, parentURL });
          }
          throw e;
        }
      }`;
    Module.register("data:text/javascript," + encodeURIComponent(hooks), {
      data: { parentURL: pathToFileURL(standIn).href },
    });
  }
}
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
      if (handler[streaming]) {
        const stream = responseStream();
        Promise.resolve(handler(event, stream, context))
          .then(() => stream.finished)
          .then((body) => resolve({ statusCode: (stream.prelude || {}).statusCode, body }), reject);
        return;
      }
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
