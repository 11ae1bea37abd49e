import { readFileSync } from 'node:fs';
const rows = readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => { const m = l.match(/^round (\d+) (\S+) load (\S+) (.*)$/); return { round: +m[1], name: m[2], load: +m[3], ...JSON.parse(m[4]) }; });
const groups = new Map();
for (const r of rows) { const k = `${r.name} envs=${r.envs}`; if (!groups.has(k)) groups.set(k, []); groups.get(k).push(r); }
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
for (const [k, rs] of groups) console.log(`${k.padEnd(24)} n=${rs.length} cpu/s median ${med(rs.map((r) => r.stepsPerCpuSecond))} [${rs.map((r) => r.stepsPerCpuSecond).join(' ')}]  wall median ${med(rs.map((r) => r.stepsPerSecond))} [${rs.map((r) => r.stepsPerSecond).join(' ')}]`);
