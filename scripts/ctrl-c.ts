/**
 * The commands' Ctrl-C: the first SIGINT prints `message` and aborts the
 * returned controller (the command winds down and keeps what it has); a
 * second one quits at once with exit code 130.
 */
export function stopOnCtrlC(message: string): AbortController {
  const stop = new AbortController();
  // One listener for both: between a once-listener and its successor the default action would kill the process.
  process.on('SIGINT', () => {
    if (stop.signal.aborted) process.exit(130);
    console.error(`\nSIGINT: ${message} (Ctrl-C again to quit at once)`);
    stop.abort();
  });
  return stop;
}
