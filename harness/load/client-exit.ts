// A client that has reported its outcome has nothing left to do but exit, and the variant waits
// for it no longer than it takes to. Node can deadlock in its own exit (nodejs/node#54918: the main
// thread, in NodePlatform::Shutdown, joins a V8 worker that waits, in a concurrent Maglev compile,
// for a garbage collection only the main thread could run): seen here in 3 of about 165 runs of
// abortive-close's server-fin on a loaded machine, each then waiting out its time limit with its
// outcome already in hand. A program in another language can hang on a thread of its own the same way.

/** How long a client that has reported its outcome may take to exit before it is ended: exiting takes milliseconds. */
export const EXIT_GRACE_MS = 3000;

/** The end of a client once its outcome is in: started when it arrives, and ending the client that is still there after EXIT_GRACE_MS. */
export function exitGrace(child: { kill(signal?: NodeJS.Signals): boolean }) {
  let timer: NodeJS.Timeout | undefined;
  let ended = false;
  return {
    /** The outcome is in: the client has EXIT_GRACE_MS to exit. */
    start() {
      timer ??= setTimeout(() => {
        ended = true;
        child.kill('SIGKILL');
      }, EXIT_GRACE_MS);
    },
    /** Whether it was ended for still running after its outcome: how it ended then says nothing about the variant. */
    get ended() {
      return ended;
    },
    clear: () => clearTimeout(timer),
  };
}
