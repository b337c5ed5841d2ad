import type { Response } from 'express';
import type { z } from 'zod';

/** The control API's JSON conventions: bodies checked with zod, errors as {"error":{"code","message"}}. */

/** The parsed body, or undefined once a 400 InvalidRequest was answered. */
export function parse<T>(schema: z.ZodType<T>, body: unknown, res: Response): T | undefined {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  res.status(400).json(controlError('InvalidRequest', r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')));
  return undefined;
}

export function controlError(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}
