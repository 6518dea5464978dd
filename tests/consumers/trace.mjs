// SPDX-License-Identifier: Apache-2.0
// node trace.mjs FILE: parse a Chrome trace with Chrome DevTools' own trace
// engine (npm @paulirish/trace_engine) and print as JSON, per thread of
// each process, its name and the tree of slices it built (name, ts, dur,
// children), plus every warning or error the engine logged.
import { analyzeTrace } from "@paulirish/trace_engine/analyze-trace.mjs";

const complaints = [];
for (const level of ["error", "warn"]) {
	const orig = console[level];
	console[level] = (...args) => { complaints.push(level + ": " + args.join(" ")); };
	void orig;
}

function node(n) {
	const e = n.entry || n.event || {};
	return {
		name: e.name, ts: Number(e.ts), dur: Number(e.dur),
		children: (n.children || []).map(node),
	};
}

const { parsedTrace } = await analyzeTrace(process.argv[2]);
const out = { complaints, threads: [] };
for (const [pid, proc] of parsedTrace.data.Renderer.processes) {
	for (const [tid, thread] of proc.threads) {
		out.threads.push({
			pid: Number(pid), tid: Number(tid), name: thread.name || null,
			roots: thread.tree ? [...thread.tree.roots].map(node) : [],
		});
	}
}
process.stdout.write(JSON.stringify(out) + "\n");
