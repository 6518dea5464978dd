// SPDX-License-Identifier: Apache-2.0
// node speedscope.mjs FILE NAME [FILE NAME...]: import each FILE into the
// speedscope app (npm speedscope) the way its own command-line tool does,
// in headless chromium, and print as JSON, per file: the page title, the
// console messages, script errors, and the text of the Sandwich view
// (every function with its totals).
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { withBrowser, watchedPage } from "./browser.mjs";

const args = process.argv.slice(2);
const require = createRequire(import.meta.url);
const index = path.join(path.dirname(require.resolve("speedscope/package.json")),
	"dist/release/index.html");

// Wait until the page's text has stayed the same for 300 ms (at most 6 s).
async function settled(page) {
	let last = "", same = 0;

	for (let t = 0; t < 60 && same < 3; t++) {
		await new Promise((r) => setTimeout(r, 100));
		const text = await page.evaluate(() => document.body.innerText);
		same = text && text === last ? same + 1 : 0;
		last = text;
	}
}

async function load(browser, dir, file, name) {
	const loader = path.join(dir, "load-" + name.replace(/[^A-Za-z0-9.]/g, "_") + ".js");
	// a real alert() ("Unrecognized format!") would hang the page
	fs.writeFileSync(loader, "window.alert=function(m){document.title='ALERT: '+m};\n" +
		"speedscope.loadFileFromBase64(" + JSON.stringify(name) + "," +
		JSON.stringify(fs.readFileSync(file).toString("base64")) + ");\n");
	const { page, log } = await watchedPage(browser, 1600, 4000);
	await page.goto("file://" + index + "#localProfilePath=" + loader + "&view=sandwich");
	// the title becomes "NAME - speedscope" (the profile's own name, if it
	// has one) once imported
	await page.waitForFunction(() => document.title.endsWith(" - speedscope") ||
		document.title.startsWith("ALERT"), { timeout: 30000 }).catch(() => {});
	await settled(page);	// let the table draw
	const out = {
		file, title: await page.title(),
		console: log.console.map((m) => m.type + ": " + m.text),
		errors: log.errors,
		text: await page.evaluate(() => document.body.innerText),
	};
	await page.close();
	return out;
}

const result = await withBrowser(async (browser, dir) => {
	const out = [];
	for (let i = 0; i + 1 < args.length; i += 2)
		out.push(await load(browser, dir, args[i], args[i + 1]));
	return out;
});
process.stdout.write(JSON.stringify(result) + "\n");
