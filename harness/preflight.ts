// What the lab needs from the machine, checked before anything starts, each with what to do about it.
import { execa } from 'execa';
import { LabError } from './errors.ts';

export async function checkMachine(): Promise<void> {
  if (process.platform !== 'linux') {
    throw new LabError(
      `timewait-lab measures the Linux kernel and cannot run on ${process.platform}; ` +
        'use the docker-compose setup: docker compose run --rm lab npm run scenario no-body-close',
    );
  }
  try {
    await execa('ss', ['-V']);
  } catch {
    throw new LabError("'ss' was not found on PATH: install iproute2 (apt-get install iproute2), or use the docker-compose setup");
  }
}
