import { performance } from 'node:perf_hooks';
import { parseCsv } from '../src/policy/csv.ts';
import { loadPolicySet } from '../src/policy/loader.ts';
import { planSnapshot } from '../src/policy/snapshot.ts';
import { loadConfig } from '../src/runtime/config.ts';

const ROWS = 100_000;
const DEPARTMENTS = ['Engineering', 'Sales', 'Finance', 'People', 'Legal', 'Support', 'Marketing'];
const FIRST = ['Zoë', 'Ada', 'Grace', 'Łukasz', 'Noor', 'Kofi', 'Ines', 'Søren', 'Mei', 'José'];
const LAST = ['Lindqvist', 'Lovelace', 'Hopper', 'Nowak', 'Haddad', 'Mensah', 'Moreau', 'Ørsted', 'Chen', 'Núñez'];
const HEADER = 'employee_id,first_name,last_name,department,title,manager_id,manager_email,employment_type,status,start_date,termination_date';

function row(i: number, change: 'same' | 'mover' | 'leaver' | 'manager'): string {
  const department = DEPARTMENTS[(i + (change === 'mover' ? 1 : 0)) % DEPARTMENTS.length]!;
  const manager = change === 'manager' ? `E${(i % 500) + 1}` : `E${(i % 400) + 1}`;
  const status = change === 'leaver' ? 'terminated' : 'active';
  const termination = change === 'leaver' ? '2026-11-20' : '';
  return [
    `E${100_000 + i}`, FIRST[i % FIRST.length], `${LAST[(i * 7) % LAST.length]}-${i}`, department, 'Analyst', manager,
    `${manager.toLowerCase()}@example.com`, i % 10 === 0 ? 'contractor' : 'FTE', status, '2020-01-06', termination,
  ].join(',');
}

/** Yesterday's export and today's: 2% joiners, 1% leavers, 3% department movers, 2% manager changes. */
function exports(): { previous: string; current: string } {
  const previous = [HEADER];
  const current = [HEADER];
  for (let i = 0; i < ROWS; i++) {
    const kind = i % 100;
    if (kind < 2) {
      current.push(row(i, 'same'));
      continue;
    }
    previous.push(row(i, 'same'));
    current.push(row(i, kind < 3 ? 'leaver' : kind < 6 ? 'mover' : kind < 8 ? 'manager' : 'same'));
  }
  return { previous: previous.join('\n'), current: current.join('\n') };
}

export async function run(): Promise<void> {
  const config = loadConfig();
  const policySet = await loadPolicySet(config.policiesDir, config.templatesDir);
  const { previous, current } = exports();
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const result = planSnapshot(policySet, 'hr', parseCsv(previous, 'previous.csv'), parseCsv(current, 'current.csv'), '2026-11-24T09:00:00Z');
  const seconds = (performance.now() - started) / 1000;
  const peakRss = process.resourceUsage().maxRSS * 1024;
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
  console.log(`\nPlanner: a ${ROWS.toLocaleString('en')}-row HR snapshot parsed, diffed and planned with policies/ (target: under 2 s and 500 MB)`);
  console.table({
    'rows': ROWS,
    'seconds': Number(seconds.toFixed(2)),
    'rows per second': Math.round(ROWS / seconds),
    'identities with steps': result.plans.length,
    'lifecycles': JSON.stringify(result.lifecycles.employees),
    'RSS before planning': mb(rssBefore),
    'peak RSS of the process': mb(peakRss),
  });
}
