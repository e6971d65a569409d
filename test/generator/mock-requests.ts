/** Requests to a generated mock server, built from the model: paths with parameters, an identity allowed everything. */
import type { Request } from 'express';
import type { ExampleSynthesizer } from '../../generator/emit/examples.js';
import type { OperationModel, SseModel } from '../../generator/model/model.js';

/** The operation's path with every parameter filled from its schema (enum values where declared). */
export function pathWithParams(op: OperationModel, examples: ExampleSynthesizer): string {
  const values = (op.paramsType ? examples.forType(op.paramsType) : {}) as Record<string, string>;
  return op.specPath.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? name));
}

/** `authenticate` admitting any request that carries an `Authorization` header, with every scope and role the model asks for. */
export function authenticateAnyCredentials(model: SseModel) {
  const everyone = {
    id: 'tester',
    scopes: model.operations.flatMap((op) => op.security.flatMap((s) => s.scopes)),
    roles: model.operations.flatMap((op) => op.roles ?? []),
  };
  return (req: Request) => (req.headers.authorization ? everyone : null);
}
