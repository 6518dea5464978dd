// SPDX-License-Identifier: Apache-2.0
// Debian's chromium, headless, driven by puppeteer-core: shared by the
// scripts that load pyflame's output in a real browser.
import puppeteer from "puppeteer-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export async function withBrowser(fn) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pyflame-chromium-"));
	const browser = await puppeteer.launch({
		executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
		headless: true,
		userDataDir: dir,
		args: ["--no-sandbox", "--enable-unsafe-swiftshader", "--disable-gpu",
			"--no-first-run", "--disable-background-networking",
			"--disable-component-update", "--disable-sync"],
	});
	try {
		return await fn(browser, dir);
	} finally {
		await browser.close();
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

// A page that records its console messages and script errors.
export async function watchedPage(browser, width, height) {
	const page = await browser.newPage();
	const log = { console: [], errors: [] };
	await page.setViewport({ width, height });
	page.on("console", (m) => log.console.push({ type: m.type(), text: m.text() }));
	page.on("pageerror", (e) => log.errors.push(String(e && e.message ? e.message : e)));
	page.on("requestfailed", (r) => log.errors.push("request failed: " + r.url()));
	return { page, log };
}
