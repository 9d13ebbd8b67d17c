#!/usr/bin/env -S node --max-semi-space-size=16
// The `interchange` command. Node 24 runs the TypeScript sources directly (type stripping).
// --max-semi-space-size=16 caps V8's young generation at 16 MiB semi-spaces: without it V8 grows them to 64 MiB under
// load and never gives the memory back, so a gateway that served a burst would keep ~100 MiB more RSS for good.

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `interchange needs Node 24 or later; this is Node ${process.versions.node}.\n` +
      'Inside the project, run it through npm (`npm start`, `npx interchange …`), which uses the Node 24 the project pins.',
  );
  process.exit(1);
}

const { main } = await import('../src/cli/main.ts');
main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
