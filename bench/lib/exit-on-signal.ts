// Preloaded (--import) into the gateway only when profiling (--cpu-prof). Node writes a CPU profile only on a
// normal exit, not when a signal kills the process, so this turns SIGTERM/SIGINT into process.exit() unless the
// gateway handles the signal itself (then it gets 5 s to exit on its own before this forces it).

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (process.listenerCount(signal) > 1) {
      setTimeout(() => process.exit(0), 5000).unref();
      return;
    }
    process.exit(0);
  });
}
