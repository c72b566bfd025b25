// What is wrong with a value, checked against a zod schema: one line per problem, naming the field.
import type { z } from 'zod';

export function schemaProblems(schema: z.ZodType, value: unknown): string[] {
  const parsed = schema.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}
