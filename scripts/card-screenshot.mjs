// Renders what an approver sees: the Slack stand-in's page (/slack on the devkit) in
// headless Chromium, and a PNG of the message that carries <text> (an action id, say).
//
//   node scripts/card-screenshot.mjs <devkit url> <text> <out.png>
//
// Needs Debian's chromium (/usr/bin/chromium, or CHROMIUM=<path>) and the playwright-core
// package (a devDependency: nothing is downloaded at run time). Prints the card's text,
// the links it holds (a live link there is a finding) and where the PNG went.
import { chromium } from "playwright-core";

const [devkit, text, out] = process.argv.slice(2);
if (!devkit || !text || !out) {
  console.error("usage: node scripts/card-screenshot.mjs <devkit url> <text> <out.png>");
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 900, height: 1200 } });
  await page.goto(`${devkit.replace(/\/$/, "")}/slack`, { waitUntil: "load" });
  const card = page.locator("article", { hasText: text }).first();
  if ((await card.count()) === 0) {
    console.error(`no message on the page holds ${JSON.stringify(text)}`);
    process.exit(1);
  }
  await card.screenshot({ path: out });
  const links = await card.locator("a").evaluateAll((as) => as.map((a) => `${a.textContent} -> ${a.href}`));
  console.log(await card.innerText());
  console.log("\nlinks on the card:");
  for (const l of links) console.log(`  ${l}`);
  console.log(`\nscreenshot: ${out}`);
} finally {
  await browser.close();
}
