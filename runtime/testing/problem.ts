/** Expectations on a problem+json answer: its status, and the pointer of the request part that failed. */
import type { Problem } from '../client/types.js';
import { describeValue } from './describe.js';
import { TestStream } from './stream.js';

export interface ExpectedProblem {
  status: number;
  /** A pointer the problem's `errors` must name, such as `/body/text` or `/params/channel`. */
  pointer?: string;
  /** Text (or a pattern) the problem's `detail` must contain. */
  detail?: string | RegExp;
}

/** What the client rejects with on a non-2xx answer (`HttpError`). */
interface AnsweredError {
  status: number;
  problem?: Problem;
}

function isAnswered(error: unknown): error is AnsweredError {
  return typeof error === 'object' && error !== null && typeof (error as AnsweredError).status === 'number';
}

function pointersOf(problem: Problem | undefined): string[] {
  const errors = problem?.errors;
  if (!Array.isArray(errors)) return [];
  return errors.flatMap((error: unknown) => {
    const pointer = (error as { pointer?: unknown } | null)?.pointer;
    return typeof pointer === 'string' ? [pointer] : [];
  });
}

/**
 * Awaits a call (`t.post.x(...)` or `t.open.x(...)`) that must be refused with this problem,
 * and returns the problem. Fails with what came back instead: a success, another status, or a
 * problem naming other pointers.
 */
export async function expectProblem(call: Promise<unknown> | (() => Promise<unknown>), expected: ExpectedProblem): Promise<Problem> {
  const wanted = `a ${expected.status} problem${expected.pointer === undefined ? '' : ` at ${expected.pointer}`}`;
  const outcome = await (typeof call === 'function' ? call() : call).then(
    (value) => ({ succeeded: true as const, value }),
    (error: unknown) => ({ succeeded: false as const, error }),
  );
  if (outcome.succeeded) {
    const { value } = outcome;
    // A stream that opened although it should not have: closed, so the test run can end.
    if (value instanceof TestStream) {
      value.close();
      throw new Error(`expected ${wanted}, but ${value.name} opened`);
    }
    throw new Error(`expected ${wanted}, but the call succeeded${value === undefined ? '' : ` with ${describeValue(value)}`}`);
  }
  const { error } = outcome;
  if (!isAnswered(error)) throw new Error(`expected ${wanted}, but the call failed without an answer: ${error instanceof Error ? error.message : String(error)}`);
  const problem = error.problem ?? {};
  const got = `${error.status} ${describeValue(problem)}`;
  if (error.status !== expected.status) throw new Error(`expected ${wanted}, got ${got}`);
  if (expected.pointer !== undefined && !pointersOf(problem).includes(expected.pointer)) throw new Error(`expected ${wanted}, got ${got}`);
  const detail = typeof problem.detail === 'string' ? problem.detail : '';
  if (expected.detail !== undefined && !(typeof expected.detail === 'string' ? detail.includes(expected.detail) : expected.detail.test(detail))) {
    throw new Error(`expected ${wanted} whose detail matches ${String(expected.detail)}, got ${got}`);
  }
  return problem;
}
