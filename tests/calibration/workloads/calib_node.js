// SPDX-License-Identifier: Apache-2.0
// memgate calibration workload for Node.js: fills the old space with live objects up to
// FILL_PERCENT of OLD_MIB (the --max-old-space-size given to node), allocates BUFFER_MIB MiB of Buffers (off-heap, zero-filled
// so resident), churns short-lived garbage for SETTLE_SECONDS, then exits 0.
//
//   node --max-old-space-size=OLD_MIB calib_node.js OLD_MIB BUFFER_MIB FILL_PERCENT SETTLE_SECONDS
'use strict';
const v8 = require('v8');

const oldMiB = Number(process.argv[2]);
const bufferMiB = Number(process.argv[3] || 0);
const fill = Number(process.argv[4] || 85);
const settle = Number(process.argv[5] || 2);

const target = oldMiB * 1024 * 1024 * fill / 100;

// Live data: arrays of small objects and strings, so the old space holds real V8 objects.
const live = [];
let n = 0;
while (v8.getHeapStatistics().used_heap_size < target) {
        const chunk = new Array(16384);
        for (let i = 0; i < chunk.length; i++)
                chunk[i] = { id: n++, s: 'x' + n };
        live.push(chunk);
}

const buffers = [];
for (let i = 0; i < bufferMiB; i++)
        buffers.push(Buffer.alloc(1024 * 1024, 1));

const end = Date.now() + settle * 1000;
let junk = 0;
while (Date.now() < end) {
        const g = new Array(10000);
        for (let i = 0; i < g.length; i++)
                g[i] = { v: i };
        junk += g.length;
}

const h = v8.getHeapStatistics();
const oldSpace = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space');
console.log(JSON.stringify({ heap_size_limit: h.heap_size_limit, used_heap_size: h.used_heap_size,
                             old_space_size: oldSpace ? oldSpace.space_size : 0, live_chunks: live.length,
                             buffers_mib: buffers.length, junk: junk > 0 }));
process.exit(0);
