// How every browser of the tests and of the benchmarks is started: Debian's Chromium (or
// $CHROMIUM), without the sandbox, the GPU or any traffic of its own.
export const chromiumLaunchOptions = {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
  ],
};
