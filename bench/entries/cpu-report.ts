// Preloaded into a process the benchmark runs (`node --import bench/entries/cpu-report.ts ...`): when that
// process exits, it writes its own CPU, that of the children it waited for, and the harness's cost
// log (start-up, each stage's set-up and load window: harness/run/cost-log.ts) to the file named by
// TWL_CPU_REPORT. This is how the harness's own cost is told apart from its clients' and servers'.
import { writeFileSync } from 'node:fs';
import { readCpu } from '../../harness/observe/cpu.ts';
import { costLog } from '../../harness/run/cost-log.ts';

const file = process.env.TWL_CPU_REPORT;
delete process.env.TWL_CPU_REPORT; // not for the children this process starts
if (file) process.on('exit', () => writeFileSync(file, JSON.stringify({ ...readCpu(), ...costLog })));
