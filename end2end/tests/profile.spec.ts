import { expect, test, type Browser, type Page } from "@playwright/test";
import { expectAccessible, hydrated, keepScreenshot, linkFromMail, open, signInAsAdmin } from "./support";

// An agent who manages a team edits it without being an administrator, then makes the console
// theirs: theme, picture and language, each seen applied.
test.describe.configure({ mode: "serial" });

const MARGARET = "margaret@example.com";
const MARGARET_PASSWORD = "apollo guidance was her code";

// An 8×8 PNG, as a browser would upload it.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAbElEQVR4nA3JQQEAMAgDMZRUCUqqpEp4nwiUoGjLN1WFii5cpJhiiyuqhEQLi4gRK04/GjXduEkzzTbXP4xMG5uYMWvOP4JCB4eECRsuPwYNPXjIMMMONz8WLb14yTLLLrc/Dh19+Mgxxx53PMhZXIFoiq3PAAAAAElFTkSuQmCC",
  "base64",
);

/** Creates Margaret, an agent, with a temporary password; returns his signed-in page. */
async function createMargaret(admin: Page, browser: Browser): Promise<Page> {
  await open(admin, "/o/operator/users/new");
  await admin.getByLabel("First name").fill("Margaret");
  await admin.getByLabel("Last name").fill("Hamilton");
  await admin.getByLabel("Email", { exact: true }).fill(MARGARET);
  await admin.getByLabel("User type").selectOption({ label: "Agent" });
  await admin.getByRole("checkbox", { name: "Agent", exact: true }).check();
  await admin.getByText("Create with a temporary password").click();
  await admin.getByRole("button", { name: "Create account" }).click();
  const dialog = admin.getByRole("dialog", { name: "Account created" });
  const password = (await dialog.getByTestId("temporary-password").textContent()) ?? "";
  await dialog.getByRole("button", { name: "I have noted it" }).click();

  const margaret = await (await browser.newContext()).newPage();
  await open(margaret, "/o/operator/login");
  await margaret.getByLabel("Email", { exact: true }).fill(MARGARET);
  await margaret.getByLabel("Password").fill(password);
  await margaret.getByRole("button", { name: "Sign in" }).click();
  await expect(margaret).toHaveURL(/\/o\/operator\/change-password$/);
  await hydrated(margaret);
  await margaret.getByLabel("Current or temporary password").fill(password);
  await margaret.getByLabel("New password", { exact: true }).fill(MARGARET_PASSWORD);
  await margaret.getByLabel("Repeat the new password").fill(MARGARET_PASSWORD);
  await margaret.getByRole("button", { name: "Save and continue" }).click();
  await expect(margaret).toHaveURL(/\/o\/operator$/);
  await hydrated(margaret);
  return margaret;
}

test("a manager edits their team, and an agent changes theme, picture and language", async ({ page, browser }) => {
  await signInAsAdmin(page);
  await open(page, "/o/operator/teams");
  await page.getByLabel("Team name").fill("Guidance");
  await page.getByRole("button", { name: "Create team" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/teams\/[0-9a-f-]{36}$/);
  const margaret = await createMargaret(page, browser);

  // From her page, the admin makes Margaret the manager of the team.
  await expect(page).toHaveURL(/\/o\/operator\/users\/[0-9a-f-]{36}$/);
  await hydrated(page);
  const teams = page.getByRole("region", { name: "Teams" });
  await expect(teams.getByText("Not in any team.")).toBeVisible();
  await teams.getByLabel("Team", { exact: true }).selectOption({ label: "Guidance" });
  await teams.getByLabel("As").selectOption({ label: "Manager" });
  await teams.getByRole("button", { name: "Add to team" }).click();
  await expect(teams.getByRole("listitem").filter({ hasText: "Guidance" })).toContainText("Manager");
  await expectAccessible(page);
  await keepScreenshot(page, "69-person-teams");

  // Margaret, an agent who cannot manage teams, reaches her team and edits it.
  const nav = margaret.getByRole("navigation", { name: "Main" });
  await nav.getByRole("link", { name: "Teams" }).click();
  await expect(margaret).toHaveURL(/\/o\/operator\/teams$/);
  await hydrated(margaret);
  await expect(margaret.getByRole("button", { name: "Create team" })).toHaveCount(0);
  await margaret.getByRole("link", { name: "Guidance" }).click();
  await hydrated(margaret);
  await margaret.getByLabel("Find a person").fill("admin");
  await margaret
    .getByRole("list", { name: "People who can be added" })
    .getByRole("listitem")
    .filter({ hasText: "admin@example.com" })
    .getByRole("button", { name: "Add" })
    .click();
  await expect(margaret.getByRole("table", { name: "Members" }).getByRole("row").filter({ hasText: "admin@example.com" })).toContainText("Member");
  await margaret.getByLabel("Signature", { exact: true }).fill("Cheers,\n{agent_first_name}\n{team_name}");
  await margaret.getByRole("button", { name: "Save signature" }).click();
  await expect(margaret.getByRole("status").filter({ hasText: "Signature saved." })).toBeVisible();
  await expectAccessible(margaret);
  await keepScreenshot(margaret, "70-manager-edits-team");

  // My profile, from the user menu.
  await margaret.locator(".user-menu summary").click();
  await margaret.getByRole("link", { name: "My profile" }).click();
  await expect(margaret).toHaveURL(/\/o\/operator\/profile$/);
  await hydrated(margaret);
  await expect(margaret.getByRole("heading", { name: "My profile" })).toBeVisible();
  await expect(margaret.getByRole("region", { name: "Your access" })).toContainText("Agent");
  await expectAccessible(margaret);
  await keepScreenshot(margaret, "71-profile");

  // The theme changes at once, before saving.
  const console_ = margaret.locator(".console");
  await margaret.getByLabel("Dark").check();
  await expect(console_).toHaveAttribute("data-theme", "dark");

  // A file that is not a picture is refused in words; a picture replaces the initials.
  const chooser = margaret.locator("#field-avatar");
  await chooser.setInputFiles({ name: "notes.png", mimeType: "image/png", buffer: Buffer.from("just some text") });
  await expect(margaret.getByText("This file is not a PNG, JPEG or WebP picture.")).toBeVisible();
  // Too large: refused in the browser, before anything is read or sent.
  await chooser.setInputFiles({ name: "huge.png", mimeType: "image/png", buffer: Buffer.alloc(3 * 1024 * 1024) });
  await expect(margaret.getByText("The picture is 3.0 MB; the largest accepted is 2.0 MB.")).toBeVisible();
  await chooser.setInputFiles({ name: "me.png", mimeType: "image/png", buffer: PNG });
  await expect(margaret.locator(".user-menu img.avatar")).toBeVisible();
  await expect(margaret.getByRole("img", { name: "Your picture" })).toBeVisible();
  await expect(margaret.getByText("This file is not a PNG, JPEG or WebP picture.")).toBeHidden();
  await expect(console_).toHaveAttribute("data-theme", "dark");
  // Her colleagues see it on her page.
  await page.reload();
  await hydrated(page);
  await expect(page.locator(".person-header img.avatar")).toBeVisible();

  // The language is saved with the theme, and the page comes back in French.
  await margaret.getByLabel("Language").selectOption({ label: "Français" });
  await margaret.getByRole("button", { name: "Save changes" }).click();
  await expect(margaret.getByRole("heading", { name: "Mon profil" })).toBeVisible();
  await hydrated(margaret);
  await expect(margaret.locator("html")).toHaveAttribute("lang", "fr");
  await expect(margaret.getByRole("navigation", { name: "Navigation principale" }).getByRole("link", { name: "Équipes" })).toBeVisible();
  await expect(console_).toHaveAttribute("data-theme", "dark");
  await expect(margaret.getByRole("img", { name: "Votre photo" })).toBeVisible();
  await expectAccessible(margaret);
  await keepScreenshot(margaret, "72-profile-french-dark");

  // Remembered: a fresh visit shows the same.
  await open(margaret, "/o/operator/profile");
  await expect(margaret.getByRole("heading", { name: "Mon profil" })).toBeVisible();
  await expect(console_).toHaveAttribute("data-theme", "dark");
  await expect(margaret.getByRole("region", { name: "Où vous êtes connecté·e" }).getByText("Ce navigateur")).toBeVisible();
  // A theme tried and not saved is undone on leaving the page.
  await margaret.getByLabel("Clair").check();
  await expect(console_).toHaveAttribute("data-theme", "light");
  await margaret.getByRole("navigation", { name: "Navigation principale" }).getByRole("link", { name: "Équipes" }).click();
  await expect(margaret).toHaveURL(/\/o\/operator\/teams$/);
  await expect(console_).toHaveAttribute("data-theme", "dark");
  await open(margaret, "/o/operator/profile");

  // A new address takes over only once its link is opened and confirmed.
  const before = Date.now();
  await margaret.getByLabel("Nouvelle adresse").fill("margaret.h@example.com");
  await margaret.getByLabel("Votre mot de passe actuel").fill(MARGARET_PASSWORD);
  await margaret.getByRole("button", { name: "Envoyer un lien de confirmation" }).click();
  await expect(margaret.getByText("Un lien de confirmation a été envoyé à margaret.h@example.com.", { exact: false })).toBeVisible();
  const link = await linkFromMail("margaret.h@example.com", "/confirm-email", before);
  await open(margaret, link);
  await expect(margaret.getByRole("heading", { name: "Confirmez votre nouvelle adresse" })).toBeVisible();
  await expectAccessible(margaret);
  await keepScreenshot(margaret, "73-confirm-email");
  await margaret.getByRole("button", { name: "Confirmer cette adresse" }).click();
  await expect(margaret).toHaveURL(/\/o\/operator\/profile\?email=confirmed$/);
  await expect(margaret.getByText("Votre nouvelle adresse est confirmée")).toBeVisible();
  await expect(margaret.getByText("Vous vous connectez avec margaret.h@example.com.")).toBeVisible();
});
