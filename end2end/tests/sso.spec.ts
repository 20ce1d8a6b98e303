import { expect, test } from "@playwright/test";
import { expectAccessible, hydrated, keepScreenshot, open, printedPassword, signInAsAdmin } from "./support";

// An administrator sets up single sign-on with the organisation's OpenID provider (a real one,
// oidc-provider-mock, started beside the server): adds the connection, runs a test sign-in through
// the provider's own page, turns it on, then signs in with it from the sign-in page. The
// connection is removed at the end, leaving the operator organisation as later journeys expect.
test.describe.configure({ mode: "serial" });

const issuer = `http://127.0.0.1:${process.env.TENANTRY_E2E_OIDC_PORT ?? 3190}`;

test("an admin adds a connection, tests it, and signs in through the provider", async ({ page, request }) => {
  const { email } = printedPassword();
  // The provider knows the admin as "operator-admin", with a verified address.
  const claims = await request.put(`${issuer}/users/operator-admin`, {
    data: { email, email_verified: true, given_name: "Olga", family_name: "Operator" },
  });
  expect(claims.status()).toBe(204);

  await signInAsAdmin(page);
  await open(page, "/o/operator/settings");
  await page.getByRole("link", { name: "Set up single sign-on" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/settings\/sso$/);
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Single sign-on", level: 1 })).toBeVisible();
  await expect(page.getByText("No connection yet.")).toBeVisible();

  // A preset fills name and issuer; this provider is a generic one.
  const form = page.getByRole("form", { name: "Add a connection" });
  await form.getByLabel("Provider", { exact: true }).selectOption({ label: "OpenID Connect" });
  await form.getByLabel("Name", { exact: true }).fill("Operator ID");
  // Missing parts are named, nothing is saved.
  await form.getByRole("button", { name: "Add connection" }).click();
  await expect(form.getByText("Enter the client ID the provider gave this application")).toBeVisible();
  await form.getByLabel("Issuer URL").fill(issuer);
  await form.getByLabel("Client ID").fill("tenantry-operator");
  await form.getByLabel("Client secret").fill("provider-issued-secret");
  await expect(page.getByTestId("sso-redirect-uri")).toContainText("/sso/callback");
  await expectAccessible(page);
  await keepScreenshot(page, "80-sso-add-connection");
  await form.getByRole("button", { name: "Add connection" }).click();
  const row = page.getByRole("row").filter({ hasText: "Operator ID" });
  await expect(row).toContainText("Off");
  // The secret is never shown again.
  await expect(page.getByText("provider-issued-secret")).toHaveCount(0);

  // Test sign-in: through the provider's page and back, nobody signed in.
  await row.getByRole("button", { name: "Test sign-in with Operator ID" }).click();
  await expect(page.getByRole("heading", { name: "Authorize Client" })).toBeVisible();
  await page.locator("#subject-input").fill("someone-testing");
  await page.getByRole("button", { name: "Authorize", exact: true }).click();
  await expect(page).toHaveURL(/\/o\/operator\/settings\/sso\?test=[0-9a-f-]{36}$/);
  await hydrated(page);
  const result = page.getByTestId("sso-test-result");
  await expect(result).toContainText("passed every check");
  await expect(result).toContainText("someone-testing");
  await keepScreenshot(page, "81-sso-test-result");

  await page.getByRole("button", { name: "Turn on Operator ID" }).click();
  await expect(page.getByRole("row").filter({ hasText: "Operator ID" })).toContainText("On");
  await expectAccessible(page);
  await keepScreenshot(page, "82-sso-connection-on");

  // Signed out, the sign-in page offers the provider.
  await page.context().clearCookies();
  await open(page, "/o/operator/login");
  const button = page.getByRole("link", { name: "Sign in with Operator ID" });
  await expect(button).toBeVisible();
  await expect(page.getByText("or with your email and password")).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "83-sign-in-with-provider");
  await button.click();
  await expect(page.getByRole("heading", { name: "Authorize Client" })).toBeVisible();
  await page.locator("#subject-input").fill("operator-admin");
  await page.getByRole("button", { name: "Authorize", exact: true }).click();
  await expect(page).toHaveURL(/\/o\/operator$/);
  await hydrated(page);
  // Signed in: the history says how.
  await open(page, "/o/operator/sign-ins");
  await expect(page.getByRole("row").filter({ hasText: "Operator ID" }).first()).toBeVisible();

  // Someone the organisation does not know is told so, on the sign-in page.
  await page.context().clearCookies();
  await open(page, "/o/operator/login");
  await page.getByRole("link", { name: "Sign in with Operator ID" }).click();
  await page.locator("#subject-input").fill("stranger");
  await page.getByRole("button", { name: "Authorize", exact: true }).click();
  await expect(page).toHaveURL(/\/o\/operator\/login\?sso=/);
  await hydrated(page);
  await expect(page.getByRole("alert")).toContainText("did not vouch for an email address");
  await keepScreenshot(page, "84-sso-refused");

  // Clean up: the connection goes.
  await signInAsAdmin(page);
  await open(page, "/o/operator/settings/sso");
  await page.getByRole("button", { name: "Remove Operator ID" }).click();
  const dialog = page.getByRole("dialog", { name: "Remove Operator ID?" });
  await dialog.getByRole("button", { name: "Remove" }).click();
  await expect(page.getByText("No connection yet.")).toBeVisible();
});
