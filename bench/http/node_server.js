// The peer the slipway service replaces: a plain Node.js `http` server with the same two routes,
// no framework. PORT and BIND_ADDRESS as for the service.
"use strict";
const http = require("http");

const port = Number(process.env.PORT || 8080);
const host = process.env.BIND_ADDRESS || "127.0.0.1";
const greeting = "Hello from node\n";

const server = http.createServer((req, res) => {
  if (req.method === "GET" && req.url === "/healthz") {
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": 2 });
    res.end("ok");
  } else if (req.method === "GET" && req.url === "/") {
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": Buffer.byteLength(greeting) });
    res.end(greeting);
  } else {
    res.writeHead(404, { "Content-Type": "text/plain", "Content-Length": 9 });
    res.end("not found");
  }
});
server.listen(port, host);
process.on("SIGTERM", () => server.close(() => process.exit(0)));
