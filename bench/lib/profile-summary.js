'use strict';
/**
 * Summarises a .cpuprofile (from BENCH_CPU_PROF=1 node bench/api.bench.js):
 *   node bench/lib/profile-summary.js $TMPDIR/plugboard-bench-profiles/CPU....cpuprofile [topN]
 * Prints self time grouped by package (node_modules/<pkg>, dist/<dir>, node internals) and the top
 * functions by self time, plus inclusive time of a few request-path functions of interest.
 */
const { readFileSync } = require('node:fs');

const file = process.argv[2];
const TOP = Number(process.argv[3] ?? 25);
const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// self time per node from samples x timeDeltas
const self = new Map();
for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0) / 1000);
const total = [...self.values()].reduce((a, b) => a + b, 0);

function group(url) {
  if (!url) return '(native/vm)';
  let m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (m) return m[1];
  m = url.match(/\/dist\/(.+?)\/[^/]+$/);
  if (m) return `dist/${m[1]}`;
  if (url.startsWith('node:')) return 'node internals';
  return url.replace(/^.*\//, '');
}
const label = (n) => `${n.callFrame.functionName || '(anonymous)'} ${group(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;

const pct = (ms) => `${((ms / total) * 100).toFixed(1).padStart(5)}%`;
const show = (title, map, n = TOP) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`  ${pct(v)} ${v.toFixed(0).padStart(7)} ms  ${k}`);
};

const groups = new Map();
const fns = new Map();
for (const [id, ms] of self) {
  const n = byId.get(id);
  const g = n.callFrame.functionName === '(garbage collector)' ? '(gc)' : n.callFrame.functionName === '(idle)' ? '(idle)' : group(n.callFrame.url);
  groups.set(g, (groups.get(g) ?? 0) + ms);
  fns.set(label(n), (fns.get(label(n)) ?? 0) + ms);
}
console.log(`${file}: ${total.toFixed(0)} ms sampled`);
show('self time by package', groups);
show('self time by function', fns);

// inclusive time of named functions (counted once per sample even if recursive)
const wanted = (process.env.FNS ?? 'canActivate,authenticate,verifyToken,forApiKey,forUser,handleRequest,increment,verify,sha256,serialize,stringify,writeHead,toJSONSchema,catalog,get').split(',');
const incl = new Map();
for (let i = 0; i < prof.samples.length; i++) {
  const seen = new Set();
  for (let id = prof.samples[i]; id !== undefined; id = parent.get(id)) {
    const n = byId.get(id);
    const f = n.callFrame.functionName;
    if (wanted.includes(f)) {
      const k = `${f} ${group(n.callFrame.url)}`;
      if (!seen.has(k)) {
        seen.add(k);
        incl.set(k, (incl.get(k) ?? 0) + (prof.timeDeltas[i] ?? 0) / 1000);
      }
    }
  }
}
show('inclusive time of selected functions', incl, 40);
