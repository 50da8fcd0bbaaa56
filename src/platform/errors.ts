/** One error shape for every API response: {error: {code, message, details?}} (STYLE: Fastify plugins). */
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

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    },
  },
} as const;
