/**
 * `asyncapi-sse/testing`: typed contract tests of a service generated from its spec, under any
 * test runner (failures are thrown Errors): `openTestService`, its typed streams and calls, and
 * `expectProblem` for refused requests.
 */
export { openTestService, type TestableApp, type TestCaller, type TestInstance, type TestPosts, type TestService, type TestServiceOptions, type TestStreams } from './service.js';
export { TestStream, type ReconnectOptions, type WaitOptions } from './stream.js';
export { expectProblem, type ExpectedProblem } from './problem.js';
