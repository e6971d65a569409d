/** The machine-readable results document written to `bench/results/latest.json`. */
import os from 'node:os';
import type { GeneratorTiming } from '../generator-timing.js';
import type { RunResult, ServerName } from '../run-once.js';
import type { Plan } from '../scenarios.js';
import { evaluateGoals, generatorGoals, medianRows, type Goal, type MedianRow } from '../summary.js';

export interface BenchResults {
  generatedAt: string;
  mode: Plan['mode'];
  command: string;
  elapsedSec: number;
  node: string;
  cpus: number;
  cpuModel: string;
  platform: string;
  settings: { repetitions: number; burst: number; servers: ServerName[] };
  /** Why a server or a case is missing, when one is. */
  notes: string[];
  runs: RunResult[];
  medians: MedianRow[];
  /** Cold `npm run generate` wall times; empty when `--scenarios` left them out. */
  generator: GeneratorTiming[];
  goals: Goal[];
}

export function buildResults(
  plan: Plan,
  servers: ServerName[],
  runs: RunResult[],
  generator: GeneratorTiming[],
  notes: string[],
  elapsedSec: number,
): BenchResults {
  const medians = medianRows(plan.cases, runs);
  const cpus = os.cpus();
  return {
    generatedAt: new Date().toISOString(),
    mode: plan.mode,
    command: `npm run bench${plan.mode === 'quick' ? ' -- --quick' : ''}`,
    elapsedSec,
    node: process.version,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    platform: `${os.platform()} ${os.release()}`,
    settings: { repetitions: plan.repetitions, burst: plan.burst, servers },
    notes,
    runs,
    medians,
    generator,
    goals: [...evaluateGoals(plan.cases, medians, runs), ...generatorGoals(generator)],
  };
}

/** One line for the chart and the README: what kind of run on what machine. */
export function caption(results: BenchResults): string {
  return `${results.mode} run, Node ${results.node}, ${results.cpus} CPUs, ${results.generatedAt.slice(0, 10)}`;
}
