import { expect, test, type Browser, type Page } from "@playwright/test";
import { expectAccessible, hydrated, keepScreenshot, open, signInAsAdmin } from "./support";

// An agent who manages a team edits it without being an administrator, then makes the console
// theirs: theme, picture and language, each seen applied.
test.describe.configure({ mode: "serial" });

const LINUS = "linus@example.com";
const LINUS_PASSWORD = "a kernel of quiet truth";

// An 8×8 PNG, as a browser would upload it.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAbElEQVR4nA3JQQEAMAgDMZRUCUqqpEp4nwiUoGjLN1WFii5cpJhiiyuqhEQLi4gRK04/GjXduEkzzTbXP4xMG5uYMWvOP4JCB4eECRsuPwYNPXjIMMMONz8WLb14yTLLLrc/Dh19+Mgxxx53PMhZXIFoiq3PAAAAAElFTkSuQmCC",
  "base64",
);

/** Creates Linus, an agent, with a temporary password; returns his signed-in page. */
async function createLinus(admin: Page, browser: Browser): Promise<Page> {
  await open(admin, "/o/operator/users/new");
  await admin.getByLabel("First name").fill("Linus");
  await admin.getByLabel("Last name").fill("Torvalds");
  await admin.getByLabel("Email", { exact: true }).fill(LINUS);
  await admin.getByLabel("User type").selectOption({ label: "Agent" });
  await admin.getByRole("checkbox", { name: "Agent", exact: true }).check();
  await admin.getByText("Create with a temporary password").click();
  await admin.getByRole("button", { name: "Create account" }).click();
  const dialog = admin.getByRole("dialog", { name: "Account created" });
  const password = (await dialog.getByTestId("temporary-password").textContent()) ?? "";
  await dialog.getByRole("button", { name: "I have noted it" }).click();

  const linus = await (await browser.newContext()).newPage();
  await open(linus, "/o/operator/login");
  await linus.getByLabel("Email", { exact: true }).fill(LINUS);
  await linus.getByLabel("Password").fill(password);
  await linus.getByRole("button", { name: "Sign in" }).click();
  await expect(linus).toHaveURL(/\/o\/operator\/change-password$/);
  await hydrated(linus);
  await linus.getByLabel("Current or temporary password").fill(password);
  await linus.getByLabel("New password", { exact: true }).fill(LINUS_PASSWORD);
  await linus.getByLabel("Repeat the new password").fill(LINUS_PASSWORD);
  await linus.getByRole("button", { name: "Save and continue" }).click();
  await expect(linus).toHaveURL(/\/o\/operator$/);
  await hydrated(linus);
  return linus;
}

test("a manager edits their team, and an agent changes theme, picture and language", async ({ page, browser }) => {
  await signInAsAdmin(page);
  const linus = await createLinus(page, browser);

  // The admin makes Linus the manager of a new team.
  await open(page, "/o/operator/teams");
  await page.getByLabel("Team name").fill("Kernel");
  await page.getByRole("button", { name: "Create team" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/teams\/[0-9a-f-]{36}$/);
  await hydrated(page);
  await page.getByLabel("As").selectOption({ label: "Manager" });
  await page.getByLabel("Find a person").fill("linus");
  await page
    .getByRole("list", { name: "People who can be added" })
    .getByRole("listitem")
    .filter({ hasText: LINUS })
    .getByRole("button", { name: "Add" })
    .click();
  await expect(page.getByRole("table", { name: "Members" }).getByRole("row").filter({ hasText: LINUS })).toContainText("Manager");

  // Linus, an agent who cannot manage teams, reaches his team and edits it.
  const nav = linus.getByRole("navigation", { name: "Main" });
  await nav.getByRole("link", { name: "Teams" }).click();
  await expect(linus).toHaveURL(/\/o\/operator\/teams$/);
  await hydrated(linus);
  await expect(linus.getByRole("button", { name: "Create team" })).toHaveCount(0);
  await linus.getByRole("link", { name: "Kernel" }).click();
  await hydrated(linus);
  await linus.getByLabel("Find a person").fill("admin");
  await linus
    .getByRole("list", { name: "People who can be added" })
    .getByRole("listitem")
    .filter({ hasText: "admin@example.com" })
    .getByRole("button", { name: "Add" })
    .click();
  await expect(linus.getByRole("table", { name: "Members" }).getByRole("row").filter({ hasText: "admin@example.com" })).toContainText("Member");
  await linus.getByLabel("Signature", { exact: true }).fill("Cheers,\n{agent_first_name}\n{team_name}");
  await linus.getByRole("button", { name: "Save signature" }).click();
  await expect(linus.getByRole("status").filter({ hasText: "Signature saved." })).toBeVisible();
  await expectAccessible(linus);
  await keepScreenshot(linus, "70-manager-edits-team");

  // My profile, from the user menu.
  await linus.locator(".user-menu summary").click();
  await linus.getByRole("link", { name: "My profile" }).click();
  await expect(linus).toHaveURL(/\/o\/operator\/profile$/);
  await hydrated(linus);
  await expect(linus.getByRole("heading", { name: "My profile" })).toBeVisible();
  await expect(linus.getByRole("region", { name: "Your access" })).toContainText("Agent");
  await expectAccessible(linus);
  await keepScreenshot(linus, "71-profile");

  // The theme changes at once, before saving.
  const console_ = linus.locator(".console");
  await linus.getByLabel("Dark").check();
  await expect(console_).toHaveAttribute("data-theme", "dark");

  // A file that is not a picture is refused in words; a picture replaces the initials.
  const chooser = linus.locator("#field-avatar");
  await chooser.setInputFiles({ name: "notes.png", mimeType: "image/png", buffer: Buffer.from("just some text") });
  await expect(linus.getByText("This file is not a PNG, JPEG or WebP picture.")).toBeVisible();
  await chooser.setInputFiles({ name: "me.png", mimeType: "image/png", buffer: PNG });
  await expect(linus.locator(".user-menu img.avatar")).toBeVisible();
  await expect(linus.getByRole("img", { name: "Your picture" })).toBeVisible();
  await expect(linus.getByText("This file is not a PNG, JPEG or WebP picture.")).toBeHidden();
  await expect(console_).toHaveAttribute("data-theme", "dark");

  // The language is saved with the theme, and the page comes back in French.
  await linus.getByLabel("Language").selectOption({ label: "Français" });
  await linus.getByRole("button", { name: "Save changes" }).click();
  await expect(linus.getByRole("heading", { name: "Mon profil" })).toBeVisible();
  await hydrated(linus);
  await expect(linus.locator("html")).toHaveAttribute("lang", "fr");
  await expect(linus.getByRole("navigation", { name: "Navigation principale" }).getByRole("link", { name: "Équipes" })).toBeVisible();
  await expect(console_).toHaveAttribute("data-theme", "dark");
  await expect(linus.getByRole("img", { name: "Votre photo" })).toBeVisible();
  await expectAccessible(linus);
  await keepScreenshot(linus, "72-profile-french-dark");

  // Remembered: a fresh visit shows the same.
  await open(linus, "/o/operator/profile");
  await expect(linus.getByRole("heading", { name: "Mon profil" })).toBeVisible();
  await expect(console_).toHaveAttribute("data-theme", "dark");
  await expect(linus.getByRole("region", { name: "Où vous êtes connecté·e" }).getByText("Ce navigateur")).toBeVisible();
});
