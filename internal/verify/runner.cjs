// Loaded by zisi verify: node runner.cjs ENTRY cjs|esm NAME RESULT_FILE API
// load|invoke offline|online (API is 1 or 2), with the unpacked archive as
// the working directory. Writes one JSON object to RESULT_FILE (stdout
// belongs to the function): {stage, missing, error, frames, ran, note,
// invoked, statusCode, body}. The runner reports what happened; verify.go
// decides what passes. With "load" the handler is never called.
const { readFileSync, realpathSync, writeFileSync } = require("fs");
const path = require("path");
const { fileURLToPath, pathToFileURL } = require("url");
const [entry, mode, name, resultFile, api, call, network] = process.argv.slice(2);

// offline: DNS lookups and connections to anything but the loopback fail,
// for the module's own code and every package it loads (http, https,
// fetch and database drivers all connect through net). Best effort: a
// native addon or a child process is not covered.
if (network === "offline") {
  const dns = require("dns");
  const net = require("net");
  const loopback = (h) => {
    const host = String(h || "localhost").replace(/^\[|\]$/g, "");
    return host === "localhost" || host.endsWith(".localhost") || host === "::1" || /^127\./.test(host) || host === "::ffff:127.0.0.1";
  };
  const blocked = (host, code) =>
    Object.assign(new Error(`zisi verify blocks network access to ${host} (only the loopback is reachable); pass --allow-network to allow it`), {
      code,
      hostname: host,
    });
  const lookup = dns.lookup;
  dns.lookup = function (host, ...rest) {
    if (loopback(host)) return lookup.call(this, host, ...rest);
    const cb = rest[rest.length - 1];
    if (typeof cb === "function") process.nextTick(cb, blocked(host, "ENOTFOUND"));
    return {};
  };
  const plookup = dns.promises.lookup;
  dns.promises.lookup = async function (host, ...rest) {
    if (loopback(host)) return plookup.call(this, host, ...rest);
    throw blocked(host, "ENOTFOUND");
  };
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (...args) {
    let o = args[0];
    if (Array.isArray(o)) o = o[0];
    if (typeof o !== "object" || o === null) o = { port: args[0], host: typeof args[1] === "string" ? args[1] : undefined };
    if (o.path === undefined && !loopback(o.host)) {
      process.nextTick(() => this.destroy(blocked(o.host, "ENETUNREACH")));
      return this;
    }
    return connect.apply(this, args);
  };
}
const done = (o) => {
  writeFileSync(resultFile, JSON.stringify(o));
  process.exit(0);
};
// Deep library stacks must still reach the function's frames.
Error.stackTraceLimit = 200;
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
// describe is an error's stack, its first line extended with the causes
// (fetch wraps the network error it failed with: "fetch failed: …").
const describe = (e) => {
  // zisi's own frames (this runner, its loader hook) are not the
  // function's business: they are left out.
  let text = String((e && e.stack) || e)
    .split("\n")
    .filter((l) => !(/^\s+at /.test(l) && (l.includes("runner.cjs") || l.includes("data:text/javascript"))))
    .join("\n");
  for (let c = e && e.cause, n = 0; c && n < 5; c = c.cause, n++) {
    const msg = c && c.message ? c.message : String(c);
    const nl = text.indexOf("\n");
    text = nl < 0 ? text + ": " + msg : text.slice(0, nl) + ": " + msg + text.slice(nl);
  }
  return text;
};

// The archive's own files, as stack frames and V8 report them: file URLs
// (ESM) or absolute paths (CommonJS), under the real path of the working
// directory (node reports real paths).
const roots = [...new Set([process.cwd(), realpathSync(process.cwd())])];
const inArchive = (file) => {
  if (file.startsWith("file://")) {
    try {
      file = fileURLToPath(file);
    } catch {
      return "";
    }
  }
  if (!path.isAbsolute(file)) return "";
  for (const root of roots) {
    const rel = path.relative(root, file);
    if (rel && !rel.startsWith("..") && !path.isAbsolute(rel)) return rel.split(path.sep).join("/");
  }
  return "";
};
// The files zisi adds to v2 archives; everything else in the archive is
// the function's code (its own files and the packages it ships).
const zisiFiles = new Set(["___netlify-entry-point.mjs", "___netlify-bootstrap.mjs", "___netlify-metadata.json"]);
const functionCode = (rel) => rel !== "" && !zisiFiles.has(rel);

// frames parses V8's stack text ("    at fn (LOCATION)", "    at LOCATION",
// "    at async fn (LOCATION)") into {loc, archive}: loc is archive-relative
// for the archive's files, as printed for the rest (node:…, <anonymous>).
const frames = (e) => {
  const out = [];
  for (const line of String((e && e.stack) || "").split("\n")) {
    let s = line.trim();
    if (!s.startsWith("at ")) continue;
    s = s.replace(/^at (async )?/, "");
    if (s.endsWith(")") && s.includes("(")) s = s.slice(s.lastIndexOf("(") + 1, -1);
    const m = /^(.*?)(:\d+:\d+)$/.exec(s);
    const rel = inArchive(m ? m[1] : s);
    out.push({ loc: rel ? rel + (m ? m[2] : "") : s, archive: rel !== "" });
  }
  return out;
};

// V8 precise coverage tells whether any of the function's code ran during
// the handler call, for throws whose stack shows none of it (an error
// created by node's net module after the function awaited a connection).
// Null when this node cannot measure it.
let session = null;
try {
  const { Session } = require("inspector");
  session = new Session();
  session.connect();
} catch {
  session = null;
}
const post = (method, params) =>
  new Promise((resolve, reject) => session.post(method, params || {}, (e, r) => (e ? reject(e) : resolve(r))));
const startCoverage = async () => {
  if (!session) return;
  try {
    await post("Profiler.enable");
    await post("Profiler.startPreciseCoverage", { callCount: true, detailed: false });
  } catch {
    session = null;
  }
};
// takeCoverage resets V8's counters and reports whether a function of the
// function's code ran since the previous call. Module bodies (a script's
// nameless function at offset 0) do not count: loading is not running.
const takeCoverage = async () => {
  if (!session) return null;
  try {
    const { result } = await post("Profiler.takePreciseCoverage");
    return result.some(
      (script) =>
        functionCode(inArchive(script.url)) &&
        script.functions.some((f) => f.ranges[0].count > 0 && !(f.functionName === "" && f.ranges[0].startOffset === 0)),
    );
  } catch {
    return null;
  }
};

const kind = (v) => {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (v === undefined) return "undefined";
  return (typeof v === "object" ? "an " : "a ") + typeof v;
};
const keys = (o) => {
  const k = o !== null && (typeof o === "object" || typeof o === "function") ? Object.keys(o) : [];
  return k.length > 10 ? k.slice(0, 10).join(", ") + ", …" : k.join(", ");
};
const exportsOf = (mod) => {
  const k = keys(mod);
  if (k) return "exports: " + k;
  return typeof mod === "function" ? "the module itself is a function" : "it exports nothing";
};

// v1: the handler the Lambda runtime calls is the module's `handler`.
const v1Shape = (mod) => {
  const handler = mod.handler || (mod.default && mod.default.handler);
  if (typeof handler === "function") return { handler };
  const found = [];
  if (mod.handler !== undefined) found.push("handler is " + kind(mod.handler));
  found.push(exportsOf(mod));
  return { error: `the entry file exports no handler function (${found.join("; ")})` };
};

// v2: mirrors the bootstrap's getLambdaHandler (2.x): the main module's
// default export, unwrapped twice (CommonJS interop), is the handler, or
// an object with a fetch method or with event handlers.
const eventHandlers = [
  "deployBuilding",
  "deploySucceeded",
  "deployFailed",
  "deployDeleted",
  "deployLocked",
  "deployUnlocked",
  "formSubmitted",
  "userLogin",
  "userSignup",
  "userValidate",
  "userModified",
  "userDeleted",
];
const unwrap = (m) => (m && typeof m === "object" && "default" in m ? m.default : m);
const v2Shape = (rel, ns) => {
  const main = unwrap(unwrap(ns));
  if (typeof main === "function") return {};
  if (main && typeof main === "object") {
    if (typeof main.fetch === "function") return {};
    const events = eventHandlers.filter((k) => typeof main[k] === "function");
    if (events.length > 0) {
      return { note: `the default export has only event handlers (${events.join(", ")}); not called with the HTTP test event` };
    }
  }
  const found = [];
  if ("default" in ns) {
    const k = main && typeof main === "object" ? keys(main) : "";
    found.push("default is " + kind(main) + (k ? " with " + k : ""));
  }
  found.push(exportsOf(ns));
  return { error: `the main module ${rel} has no default export function (${found.join("; ")})` };
};

// mainModule reads the function's main module from the entry point zisi
// (and the reference) writes: getLambdaHandler('./path/to/main.mjs').
const mainModule = () => {
  try {
    const m = /getLambdaHandler\(\s*(['"])(.+?)\1\s*\)/.exec(readFileSync(entry, "utf8"));
    return m ? m[2] : "";
  } catch {
    return "";
  }
};

(async () => {
  await startCoverage();
  let mod;
  try {
    mod = mode === "esm" ? await import(pathToFileURL(entry).href) : require(entry);
  } catch (e) {
    return done({ stage: "load", missing: isMissing(e), error: describe(e) });
  }
  let handler = mod.handler;
  if (api === "2") {
    if (typeof handler !== "function") {
      return done({ stage: "shape", error: `the entry point exports no handler function (${exportsOf(mod)})` });
    }
    // The bootstrap imports the main module on the first request; load
    // it here (the same URL, so the same instance) to check its shape and
    // to tell load failures from handler failures.
    const rel = mainModule();
    if (rel) {
      let ns;
      try {
        ns = await import(new URL(rel, pathToFileURL(entry)).href);
      } catch (e) {
        return done({ stage: "load", missing: isMissing(e), error: describe(e) });
      }
      const shape = v2Shape(rel.replace(/^\.\//, ""), ns);
      if (shape.error) return done({ stage: "shape", error: shape.error });
      if (shape.note) return done({ stage: "ok", note: shape.note });
    }
  } else {
    const shape = v1Shape(mod);
    if (shape.error) return done({ stage: "shape", error: shape.error });
    handler = shape.handler;
  }
  if (call !== "invoke") return done({ stage: "ok" });
  await takeCoverage();
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
      invoked: true,
      statusCode: res && res.statusCode,
      body: res && typeof res.body === "string" ? res.body.slice(0, 500) : undefined,
    });
  } catch (e) {
    const ran = await takeCoverage();
    done({ stage: "handler", missing: isMissing(e), error: describe(e), frames: frames(e), ran });
  }
})();
