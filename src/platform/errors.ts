/** One error shape for every API response: {error: {code, message, details?}} (STYLE: Fastify plugins). */
import { Type } from 'typebox';

export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new AppError(404, 'not_found', `${what} was not found. It may have been removed, or the link is wrong.`);
export const forbidden = (message = 'You do not have permission to do this. Ask an Osprey administrator if you need it.') => new AppError(403, 'forbidden', message);
export const badRequest = (message: string, details?: unknown) => new AppError(400, 'invalid_request', message, details);
export const conflict = (message: string, details?: unknown) => new AppError(409, 'conflict', message, details);

/** The error answer's schema, for every route's error statuses. */
export const errorSchema = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
});

/** The usual error statuses of a route that reads and changes records, for `response: { 200: …, ...errorResponses }`. */
export const errorResponses = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema } as const;
