import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { markdownTable, type BenchRecord } from './bench.ts';

/** Writes a record as `<dir>/<name>-<date>.json` and `.md`; returns the JSON path. */
export async function writeBenchRecord(dir: string, record: BenchRecord): Promise<string> {
  await mkdir(dir, { recursive: true });
  const stamp = record.date.replace(/[:]/g, '-').replace(/\..*$/, '');
  const base = path.join(dir, `${record.name}-${stamp}`);
  await writeFile(`${base}.json`, `${JSON.stringify(record, null, 2)}\n`);
  const m = record.machine;
  const md = [
    `# ${record.name} (${record.date})`,
    '',
    `- command: \`${record.command}\``,
    `- machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}`,
    '',
    markdownTable(record.rows as Array<Record<string, unknown>>),
    '',
  ].join('\n');
  await writeFile(`${base}.md`, md);
  return `${base}.json`;
}
