// SPDX-License-Identifier: Apache-2.0
// A minimal CRI client for memgate's end-to-end tests, in place of crictl (not in Debian).
//   node cri-client.js SOCKET METHOD 'JSON-REQUEST'
// calls runtime.v1.RuntimeService/METHOD on the unix socket with the request (field names as in
// cri-min.proto, snake_case) and prints the response as one JSON line on stdout. A gRPC error
// prints {"error": {"code": N, "details": "..."}} on stdout and exits 1: the details are what
// kubelet would show in a pod's events, so the tests assert on them.
'use strict';
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const [socket, method, reqJson] = process.argv.slice(2);
if (!socket || !method) {
  process.stderr.write('usage: node cri-client.js SOCKET METHOD [JSON-REQUEST]\n');
  process.exit(2);
}
const def = protoLoader.loadSync(path.join(__dirname, 'cri-min.proto'), {
  keepCase: true, longs: Number, enums: String, defaults: true, bytes: String,
});
const proto = grpc.loadPackageDefinition(def).runtime.v1;
const client = new proto.RuntimeService(`unix://${socket}`, grpc.credentials.createInsecure());
if (typeof client[method] !== 'function') {
  process.stderr.write(`cri-client: no method ${method} in cri-min.proto\n`);
  process.exit(2);
}
const deadline = new Date(Date.now() + 120 * 1000);
client[method](JSON.parse(reqJson || '{}'), { deadline }, (err, resp) => {
  if (err) {
    process.stdout.write(JSON.stringify({ error: { code: err.code, details: err.details } }) + '\n');
    process.exitCode = 1;
  } else {
    // ExecSync's output: bytes (base64 from the loader) shown as the text it is.
    for (const k of ['stdout', 'stderr'])
      if (method === 'ExecSync' && typeof resp[k] === 'string')
        resp[k] = Buffer.from(resp[k], 'base64').toString('utf8');
    process.stdout.write(JSON.stringify(resp) + '\n');
  }
  client.close();
});
