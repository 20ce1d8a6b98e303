import { expect, test } from "@playwright/test";
import { expectAccessible, hydrated, keepScreenshot, linkFromMail, open, signInAsAdmin } from "./support";

// Runs after sign-in.spec.ts (file names sort "tenants" after "sign-in").
test.describe.configure({ mode: "serial" });

test("a super-admin sees every organisation of the platform and searches them", async ({ page }) => {
  await signInAsAdmin(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Organisations" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/platform\/organisations$/);
  const table = page.getByRole("table", { name: "Organisations" });
  const operator = table.getByRole("row").filter({ hasText: "/o/operator" });
  await expect(operator).toContainText("Admin tenant");
  await expect(operator).toContainText("Operator");
  await expectAccessible(page);
  await keepScreenshot(page, "30-organisations");

  await page.getByLabel("Search", { exact: true }).fill("zzz");
  await expect(page).toHaveURL(/\/o\/operator\/platform\/organisations\?q=zzz$/);
  await expect(page.getByText("No organisation matches this search.")).toBeVisible();
  await page.getByLabel("Search", { exact: true }).fill("oper");
  await expect(operator).toBeVisible();
});

test("a super-admin creates an organisation, its address suggested from its name", async ({ page }) => {
  await signInAsAdmin(page);
  await open(page, "/o/operator/platform/organisations");
  await page.getByRole("link", { name: "+ New organisation" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/platform\/organisations\/new$/);
  await hydrated(page);

  await page.getByLabel("Admin tenant").check();
  await page.getByRole("button", { name: "Create organisation" }).click();
  await expect(page.getByText("Give the organisation a name of 1 to 100 characters.")).toBeVisible();
  await expect(page.getByText("Operator is the admin tenant already, and an instance has only one.")).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "31-new-organisation-errors");

  await page.getByLabel("Name", { exact: true }).fill("Globex Corp");
  await expect(page.getByLabel("Address")).toHaveValue("globex-corp");
  await page.getByLabel("Admin tenant").uncheck();
  await page.getByLabel("Demo").check();
  await page.getByLabel("First name").fill("Hedy");
  await page.getByLabel("Last name").fill("Lamarr");
  await page.getByLabel("Email").fill("hedy@globex.example");
  await page.getByRole("button", { name: "Create organisation" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Organisation created at /o/globex-corp" })).toBeVisible();
  await keepScreenshot(page, "32-new-organisation-created");

  await page.getByRole("link", { name: "Back to Organisations" }).click();
  const row = page.getByRole("table", { name: "Organisations" }).getByRole("row").filter({ hasText: "Globex Corp" });
  await expect(row).toContainText("Demo");
  await expect(row).toContainText("/o/globex-corp");
});

test("a demo organisation comes filled with sample people and shows a Demo banner", async ({ page }) => {
  await signInAsAdmin(page);
  await open(page, "/o/globex-corp/users?status=all");
  await expect(page.getByText("Demo organisation: the people and activity here are synthetic.")).toBeVisible();
  await expect(page.getByText("You are acting in")).toBeVisible();
  await expect(page.getByRole("table").getByRole("row").filter({ hasText: "Suspended" }).first()).toBeVisible();
  await expect(page.getByRole("table").getByRole("row").filter({ hasText: "Bot admin" }).first()).toBeVisible();
  await keepScreenshot(page, "33-demo-organisation");
});

// No vendor key is configured for these tests, so an unsigned licence is accepted. It leaves out
// RMM and has room for everyone the later journeys add.
const LICENCE = JSON.stringify(
  { licensee: "Operator Ltd", features: ["helpdesk", "crm", "analytics", "bots"], seats: 5000, expires: "2030-12-31" },
  null,
  2,
);

test("a super-admin installs the licence, a damaged file refused with the reason", async ({ page }) => {
  await signInAsAdmin(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Licence" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/platform\/licence$/);
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "No licence installed" })).toBeVisible();

  await page.getByLabel("Licence contents").fill(LICENCE.replace('"seats"', '"sets"'));
  await page.getByRole("button", { name: "Install licence" }).click();
  await expect(page.getByText(/This is not a Tenantry licence file/)).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "34-licence-refused");

  await page.getByLabel("Licence contents").fill(LICENCE);
  await page.getByRole("button", { name: "Install licence" }).click();
  await expect(page.getByRole("status").filter({ hasText: "The new licence is installed" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Licensed to Operator Ltd" })).toBeVisible();
  await expect(page.getByText(/of 5000 in use/)).toBeVisible();
  await expect(page.getByText("2030-12-31")).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "35-licence");
});

test("a super-admin restricts an organisation, switches in to invite its admin, who sees only what is enabled", async ({ page, browser }) => {
  await signInAsAdmin(page);
  // A new organisation, its first admin invited at creation.
  await open(page, "/o/operator/platform/organisations/new");
  await page.getByLabel("Name", { exact: true }).fill("Hooli");
  await page.getByLabel("First name").fill("Gavin");
  await page.getByLabel("Last name").fill("Belson");
  await page.getByLabel("Email").fill("gavin@hooli.example");
  await page.getByRole("button", { name: "Create organisation" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Organisation created at /o/hooli" })).toBeVisible();

  // Only CRM and Analytics; RMM is ticked too but the licence does not include it.
  await open(page, "/o/operator/platform/organisations");
  await page.getByRole("link", { name: "Hooli" }).click();
  await expect(page).toHaveURL(/\/platform\/organisations\/hooli$/);
  await hydrated(page);
  await page.getByLabel("Only these:").check();
  for (const name of ["CRM", "RMM", "Analytics"]) {
    await page.getByRole("checkbox", { name: new RegExp(`^${name} `) }).check();
  }
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await expect(page.getByText("In use now: CRM, Analytics")).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "36-organisation-features");

  // The switcher at the bottom of the sidebar: search, choose, the same section reloads there.
  await open(page, "/o/operator/users");
  await page.getByText("Switch organisation").click();
  await page.getByLabel("Switch to").fill("hoo");
  await page.getByRole("list", { name: "Organisations" }).getByRole("link", { name: "Hooli" }).click();
  await expect(page).toHaveURL(/\/o\/hooli\/users$/);
  await hydrated(page);
  await expect(page.getByRole("status").filter({ hasText: "You are acting in Hooli" })).toBeVisible();
  await keepScreenshot(page, "37-switched-into-hooli");

  // Acting there: invite a second tenant admin.
  await page.getByRole("link", { name: "+ Invite user" }).click();
  await hydrated(page);
  await expect(page.getByRole("option", { name: "Bot admin (needs Bots)" })).toBeDisabled();
  await page.getByLabel("First name").fill("Monica");
  await page.getByLabel("Last name").fill("Hall");
  await page.getByLabel("Email", { exact: true }).fill("monica@hooli.example");
  await page.getByLabel("User type").selectOption({ label: "Tenant admin" });
  await page.getByRole("checkbox", { name: "Admin" }).check();
  await page.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Invitation sent to monica@hooli.example" })).toBeVisible();

  // And back home.
  await page.getByRole("link", { name: "Return to Operator" }).click();
  await expect(page).toHaveURL(/\/o\/operator$/);
  await expect(page.getByText("You are acting in")).toHaveCount(0);

  // Monica joins: her console has Hooli's enabled features only, no platform and no switcher.
  const link = await linkFromMail("monica@hooli.example", "/invitation");
  const monica = await (await browser.newContext()).newPage();
  await open(monica, link);
  await monica.getByLabel("Password", { exact: true }).fill("pied piper is a compression company");
  await monica.getByLabel("Repeat the password").fill("pied piper is a compression company");
  await monica.getByRole("button", { name: "Join and sign in" }).click();
  await expect(monica).toHaveURL(/\/o\/hooli$/);
  await hydrated(monica);
  const nav = monica.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Users" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Teams" })).toHaveCount(0);
  await expect(nav.getByRole("link", { name: "Organisations" })).toHaveCount(0);
  await expect(monica.getByText("Switch to")).toHaveCount(0);
  await expect(monica.getByText("Contacts, companies and deals")).toBeVisible();
  await expect(monica.getByText("Tickets, macros and teams of agents")).toHaveCount(0);
  await keepScreenshot(monica, "38-restricted-organisation-admin");
  await open(monica, "/o/hooli/teams");
  await expect(monica.getByText("Teams belong to the Helpdesk feature, which Hooli does not have.")).toBeVisible();
  // Another organisation's address is just a sign-in page to her.
  await monica.goto("/o/operator/users");
  await expect(monica).toHaveURL(/\/o\/operator\/login/);
});
