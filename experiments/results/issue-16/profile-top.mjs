// Top entries of a .cpuprofile (node --cpu-prof), as percentages of all samples: self time, then the
// inclusive time of the functions named (a sample counts once for a function anywhere on its stack).
// Usage: node experiments/results/issue-16/profile-top.mjs <file.cpuprofile> [count] [function ...]
import { readFileSync } from 'node:fs';

const [file, count = '20', ...named] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const label = ({ functionName, url, lineNumber }) => `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
const self = new Map();
const inclusive = new Map(named.map((f) => [f, 0]));
for (const id of profile.samples) {
  const key = label(byId.get(id).callFrame);
  self.set(key, (self.get(key) ?? 0) + 1);
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const name = byId.get(at).callFrame.functionName;
    if (inclusive.has(name) && !seen.has(name)) {
      seen.add(name);
      inclusive.set(name, inclusive.get(name) + 1);
    }
  }
}
const total = profile.samples.length;
const pct = (n) => `${((100 * n) / total).toFixed(1).padStart(5)}%`;
for (const [key, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(count))) console.log(`${pct(n)}  ${key}`);
if (named.length) console.log('inclusive:');
for (const [name, n] of inclusive) console.log(`${pct(n)}  ${name}`);
