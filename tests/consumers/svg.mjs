// SPDX-License-Identifier: Apache-2.0
// node svg.mjs FILE CLICK SEARCH [PNG]: open pyflame's SVG flame graph in
// headless chromium and use it as a person would: wait until it has drawn
// its frames, hover over and click the first frame whose tooltip matches
// the regular expression CLICK, click the Reset zoom control, then press
// the Search button and type SEARCH into the prompt. Prints as JSON what happened: script errors, console
// messages, the time to the first drawing, the clicked frame's box before
// and after, the details line, the highlighted frames and the matched text.
// With PNG, a screenshot of the first view goes there. Times in ms:
// load_ms from the start of loading to the first drawing, zoom_ms and
// search_ms for the click and the search to be handled.
import { withBrowser, watchedPage } from "./browser.mjs";
import path from "node:path";

const [file, click, term, png] = process.argv.slice(2);

function box(page, re) {
	return page.evaluate((src) => {
		const re = new RegExp(src);
		for (const g of document.querySelectorAll("#frames rect")) {
			g.dispatchEvent(new MouseEvent("mouseover", { bubbles: true }));
			const text = g.querySelector("title").textContent;
			if (re.test(text)) {
				g.scrollIntoView({ block: "center", inline: "nearest" });
				const r = g.getBoundingClientRect();
				return { title: text, x: r.x, y: r.y, width: r.width, node: g.getAttribute("data-node") };
			}
		}
		return null;
	}, re);
}

const result = await withBrowser(async (browser) => {
	const { page, log } = await watchedPage(browser, 1200, 900);
	const out = { log };
	page.on("dialog", (d) => d.accept(term));
	const t0 = Date.now();
	await page.goto("file://" + path.resolve(file), { waitUntil: "load", timeout: 60000 });
	await page.waitForFunction(() => document.querySelectorAll("#frames rect").length > 0,
		{ timeout: 60000 });
	out.load_ms = Date.now() - t0;
	out.parsererror = await page.evaluate(() => document.getElementsByTagName("parsererror").length);
	out.drawn = await page.evaluate(() => document.querySelectorAll("#frames rect").length);
	out.title = await page.evaluate(() => document.getElementById("title").textContent);
	out.subtitle = await page.evaluate(() => document.getElementById("subtitle").textContent);
	if (png) await page.screenshot({ path: png });
	out.before = await box(page, click);
	if (out.before) {
		const b = out.before;
		await page.mouse.move(b.x + 2, b.y + 5);
		out.details = await page.evaluate(() => document.getElementById("details").textContent);
		const t1 = Date.now();
		await page.mouse.click(b.x + 2, b.y + 5);
		out.zoom_ms = Date.now() - t1;
		out.after = await box(page, click);
		out.unzoom = await page.evaluate(() => document.getElementById("unzoom").style.display);
		const u = await page.evaluate(() => {
			window.scrollTo(0, 0);
			const r = document.getElementById("unzoom").getBoundingClientRect();
			return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
		});
		await page.mouse.click(u.x, u.y);
		out.reset = await box(page, click);
	}
	const s = await page.evaluate(() => {
		window.scrollTo(0, 0);
		const r = document.getElementById("search").getBoundingClientRect();
		return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
	});
	const t2 = Date.now();
	await page.mouse.click(s.x, s.y);
	out.search_ms = Date.now() - t2;
	out.matched = await page.evaluate(() => document.getElementById("matched").textContent);
	out.highlighted = await page.evaluate(() => [...document.querySelectorAll("#frames rect")]
		.filter((g) => g.getAttribute("fill") === "rgb(230,0,230)")
		.map((g) => {
			g.dispatchEvent(new MouseEvent("mouseover", { bubbles: true }));
			return g.querySelector("title").textContent.split("\n")[0];
		}));
	return out;
});
process.stdout.write(JSON.stringify(result) + "\n");
