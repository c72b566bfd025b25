// What the lab needs from the machine, checked before anything starts, each with what to do about it.
// A machine that lacks it is bad input like a bad option (exit 2): nothing ran, and the line says
// what is accepted.
import { execa } from 'execa';
import { UsageError } from '../shared/errors.ts';

export async function checkMachine(): Promise<void> {
  if (process.platform !== 'linux') {
    throw new UsageError(
      `timewait-lab measures the Linux kernel and cannot run on ${process.platform}; ` +
        'use the docker-compose setup: docker compose run --rm lab npm run scenario no-body-close',
    );
  }
  try {
    await execa('ss', ['-V']);
  } catch {
    throw new UsageError("'ss' was not found on PATH: install iproute2 (apt-get install iproute2), or use the docker-compose setup");
  }
}
