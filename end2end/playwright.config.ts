import { defineConfig } from "@playwright/test";
import { chromiumLaunchOptions } from "./chromium.mjs";

const port = Number(process.env.TENANTRY_E2E_PORT ?? 3100);
/** The OpenID provider the single sign-on journey signs in at (oidc-provider-mock). */
const oidcPort = Number(process.env.TENANTRY_E2E_OIDC_PORT ?? 3190);

export default defineConfig({
  testDir: "./tests",
  // The server's log is read once every journey is done: a panic there fails the run.
  globalTeardown: "./server-log.ts",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  reporter: [["list"], ["html", { open: "never" }]],
  outputDir: "test-results/artifacts",
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: chromiumLaunchOptions,
  },
  // The first journey replaces the first super-admin's one-time password; every other file signs
  // in with the password it chose, so it runs first.
  projects: [
    { name: "first-sign-in", testMatch: /sign-in\.spec\.ts/ },
    { name: "console", testIgnore: /sign-in\.spec\.ts/, dependencies: ["first-sign-in"] },
  ],
  webServer: [
    {
      command: `sh ./serve.sh ${port}`,
      url: `http://127.0.0.1:${port}/health`,
      reuseExistingServer: false,
      timeout: 60_000,
    },
    {
      command: `NO_COLOR=1 ../tools/oidc-venv/bin/oidc-provider-mock --port ${oidcPort}`,
      url: `http://127.0.0.1:${oidcPort}/.well-known/openid-configuration`,
      reuseExistingServer: false,
      timeout: 30_000,
    },
  ],
});
