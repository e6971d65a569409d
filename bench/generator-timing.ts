/**
 * Cold wall time of `npm run generate` (a fresh process each run, as a user runs it) for the
 * demo spec and for a synthetic 200-channel / 400-message spec. Goals: 1.5 s and 3 s.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface GeneratorTiming {
  name: string;
  /** Wall time of each run, in seconds. */
  runsSec: number[];
  medianSec: number;
  goalSec: number;
  /** One-minute load average when the runs started: wall time depends on what else runs. */
  loadAverage: number;
}

/** An AsyncAPI 3.0 document with `channels` streams, each sending two kinds of event. */
function syntheticSpec(channels: number): string {
  const lines = ['asyncapi: 3.0.0', 'info:', '  title: Synthetic', '  version: 1.0.0', 'channels:'];
  for (let i = 0; i < channels; i++) {
    lines.push(
      `  channel${i}:`,
      `    address: /things/${i}/{thingId}/stream`,
      '    parameters:',
      '      thingId:',
      '        description: Which thing.',
      '    messages:',
      `      created${i}:`,
      `        $ref: '#/components/messages/created${i}'`,
      `      updated${i}:`,
      `        $ref: '#/components/messages/updated${i}'`,
    );
  }
  lines.push('operations:');
  for (let i = 0; i < channels; i++) {
    lines.push(
      `  streamThings${i}:`,
      '    action: send',
      '    channel:',
      `      $ref: '#/channels/channel${i}'`,
      '    messages:',
      `      - $ref: '#/channels/channel${i}/messages/created${i}'`,
      `      - $ref: '#/channels/channel${i}/messages/updated${i}'`,
    );
  }
  lines.push('components:', '  messages:');
  for (let i = 0; i < channels; i++) {
    for (const kind of ['created', 'updated']) {
      lines.push(`    ${kind}${i}:`, `      name: ${kind}`, '      payload:', `        $ref: '#/components/schemas/Thing${kind}${i}'`);
    }
  }
  lines.push('  schemas:');
  for (let i = 0; i < channels; i++) {
    for (const kind of ['created', 'updated']) {
      lines.push(
        `    Thing${kind}${i}:`,
        '      type: object',
        `      description: A thing was ${kind}.`,
        '      additionalProperties: false',
        '      required: [id, at, state]',
        '      properties:',
        '        id: { type: string, format: uuid }',
        '        at: { type: string, format: date-time }',
        '        state: { type: string, enum: [new, active, archived] }',
        '        count: { type: integer, minimum: 0, maximum: 1000 }',
        '        tags: { type: array, items: { type: string }, maxItems: 5 }',
        '        owner:',
        '          type: object',
        '          properties:',
        '            name: { type: string }',
        '            email: { type: string, format: email }',
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The command of `npm run generate` (`node ...`), run here without npm's own start-up. */
function generateCommand(): string[] {
  const { scripts } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const [program, ...args] = scripts.generate!.split(/\s+/);
  if (program !== 'node') throw new Error(`bench:generate expects the generate script to start with "node", not "${program}"`);
  return args;
}

const GENERATE = generateCommand();

/** Wall time of one cold `generate` run into a fresh folder, in seconds. */
function coldRun(spec: string, scratch: string): number {
  const target = mkdtempSync(path.join(scratch, 'run-'));
  const started = performance.now();
  execFileSync(
    process.execPath,
    [...GENERATE, '--spec', spec, '--out', path.join(target, 'generated'), '--handlers', path.join(target, 'handlers')],
    { cwd: ROOT, stdio: 'ignore' },
  );
  return (performance.now() - started) / 1000;
}

/** Times `runs` cold runs of each spec, one spec after the other. */
export function timeGenerator(runs: number): GeneratorTiming[] {
  const scratch = path.join(ROOT, '.tmp', 'bench-generate');
  mkdirSync(scratch, { recursive: true });
  try {
    const synthetic = path.join(scratch, 'synthetic.yaml');
    writeFileSync(synthetic, syntheticSpec(200));
    const cases = [
      { name: 'demo spec (asyncapi.yaml)', spec: path.join(ROOT, 'asyncapi.yaml'), goalSec: 1.5 },
      { name: 'synthetic: 200 channels, 400 messages', spec: synthetic, goalSec: 3 },
    ];
    return cases.map(({ name, spec, goalSec }) => {
      const loadAverage = loadavg()[0]!;
      const runsSec = Array.from({ length: runs }, () => coldRun(spec, scratch));
      return { name, runsSec, medianSec: median(runsSec), goalSec, loadAverage };
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
