// SPDX-License-Identifier: Apache-2.0
// node speedscope.mjs FILE NAME: import FILE into the speedscope app (npm
// speedscope) the way its own command-line tool does, in headless
// chromium, and print as JSON: the page title, the console messages, and
// the text of the Sandwich view (every function with its totals).
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { withBrowser, watchedPage } from "./browser.mjs";

const [file, name] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const index = path.join(path.dirname(require.resolve("speedscope/package.json")),
	"dist/release/index.html");

const result = await withBrowser(async (browser, dir) => {
	const loader = path.join(dir, "load.js");
	// a real alert() ("Unrecognized format!") would hang the page
	fs.writeFileSync(loader, "window.alert=function(m){document.title='ALERT: '+m};\n" +
		"speedscope.loadFileFromBase64(" + JSON.stringify(name) + "," +
		JSON.stringify(fs.readFileSync(file).toString("base64")) + ");\n");
	const { page, log } = await watchedPage(browser, 1600, 4000);
	await page.goto("file://" + index + "#localProfilePath=" + loader + "&view=sandwich");
	await page.waitForFunction((n) => document.title === n + " - speedscope" ||
		document.title.startsWith("ALERT"), { timeout: 30000 }, name).catch(() => {});
	await new Promise((r) => setTimeout(r, 1500));	// let the table draw
	return {
		title: await page.title(),
		console: log.console.map((m) => m.type + ": " + m.text),
		errors: log.errors,
		text: await page.evaluate(() => document.body.innerText),
	};
});
process.stdout.write(JSON.stringify(result) + "\n");
