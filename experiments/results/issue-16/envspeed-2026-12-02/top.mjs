// node top.mjs file.cpuprofile [n] [skipSeconds]: self-time top entries (samples after skipSeconds)
import { readFileSync } from 'node:fs';
const [file, n = '25', skip = '0'] = process.argv.slice(2);
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((x) => [x.id, x]));
const self = new Map(); let total = 0; let t = 0;
p.samples.forEach((id, i) => { t += p.timeDeltas[i]; if (t < +skip * 1e6) return; const cf = byId.get(id).callFrame; const k = `${cf.functionName || '(anon)'} ${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber + 1}`; self.set(k, (self.get(k) ?? 0) + 1); total++; });
for (const [k, c] of [...self].sort((a, b) => b[1] - a[1]).slice(0, +n)) console.log(`${(100 * c / total).toFixed(1).padStart(5)}%  ${k}`);
