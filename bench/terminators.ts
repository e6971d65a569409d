/**
 * Counts events in an SSE byte stream without parsing it. Every benchmark event's data is
 * a JSON object on one line, so each event ends with `}\n\n`; comments (heartbeats),
 * `retry:` fields and chunked-encoding framing never do. The pattern may straddle chunks.
 */
const BRACE = 0x7d;
const NEWLINE = 0x0a;
const TERMINATOR = Buffer.from('}\n\n');

export class TerminatorCounter {
  /** How many bytes of `}\n\n` the previous chunk ended with (0 to 2). */
  private matched = 0;

  /** Returns how many events end in this chunk. */
  feed(chunk: Buffer): number {
    let count = this.straddling(chunk);
    for (let at = chunk.indexOf(TERMINATOR); at !== -1; at = chunk.indexOf(TERMINATOR, at + 3)) count++;
    this.matched = this.endState(chunk);
    return count;
  }

  private straddling(chunk: Buffer): number {
    if (this.matched === 2 && chunk[0] === NEWLINE) return 1;
    if (this.matched === 1 && chunk[0] === NEWLINE && chunk[1] === NEWLINE) return 1;
    return 0;
  }

  private endState(chunk: Buffer): number {
    const last = chunk[chunk.length - 1];
    if (last === BRACE) return 1;
    if (last !== NEWLINE) return 0;
    const before = chunk.length > 1 ? chunk[chunk.length - 2] : this.matched === 1 ? BRACE : undefined;
    return before === BRACE ? 2 : 0;
  }
}
