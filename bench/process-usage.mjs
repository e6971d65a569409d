// Preloaded (`node --import`) into each timed `generate` run of bench:generate: when the process
// exits, writes its CPU time (user + system, every thread) and peak RSS to $BENCH_USAGE_FILE.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  const usage = process.resourceUsage();
  const cpuSec = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
  writeFileSync(process.env.BENCH_USAGE_FILE, JSON.stringify({ cpuSec, peakRssMb: usage.maxRSS / 1024 }));
});
