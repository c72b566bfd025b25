// A flag for each setting of the lab's server (harness/shapes/server-settings.ts declares them), made from its
// declaration: its values, its default and what it means. `npm run server` and `npm run measure` take them.
import { Option } from 'commander';
import { z } from 'zod';
import { wholeNumber } from './number-arguments.ts';
import { serverSettingsSchema, type ServerSettingName } from '../shapes/server-settings.ts';

/** What the JSON Schema of a setting says about it: enough to make its flag. */
interface Field {
  type?: string;
  description?: string;
  default?: unknown;
  minimum: number;
  maximum: number;
  enum?: string[];
}

/** `keepAliveTimeoutMs` → `keep-alive-timeout-ms`: a setting's flag. */
export const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export function serverSettingOptions(): Option[] {
  const { properties } = z.toJSONSchema(serverSettingsSchema, { io: 'input' }) as { properties: Record<string, Field> };
  return Object.entries(properties).map(([name, field]) => {
    const about = field.description ?? '';
    if (field.type === 'boolean') {
      // A boolean on by default has a flag that turns it off; one off by default (tls, http2), a flag that turns it on.
      return field.default === true ? new Option(`--no-${kebab(name)}`, `${about} (yes unless this flag is given)`) : new Option(`--${kebab(name)}`, about);
    }
    const option =
      field.type === 'integer'
        ? new Option(`--${kebab(name)} <n>`, about).argParser(wholeNumber(field.minimum, field.maximum))
        : new Option(`--${kebab(name)} <value>`, about).choices(field.enum ?? []);
    return field.default === undefined ? option : option.default(field.default);
  });
}

/** The server settings among a command's parsed options (commander names them as the settings are named). */
export function serverSettingsOf(options: object): Partial<Record<ServerSettingName, unknown>> {
  const given = options as Record<string, unknown>;
  return Object.fromEntries(Object.keys(serverSettingsSchema.shape).filter((name) => given[name] !== undefined).map((name) => [name, given[name]]));
}
