// SPDX-License-Identifier: Apache-2.0
// The script of pyflame's SVG flame graph: draws the frames of D (written
// by out_svg.c just before this) and handles hover, zoom and search.
// D.nodes holds, per node of the call tree in depth-first order (children
// in name order), three numbers: its frame (an index into D.frames), its
// depth (1 = a child of the root) and its total samples. A node's own
// samples are its total less its children's; the root holds D.total.
// D.frames[i] = [name, file index (-1: none), line (0: none), class];
// a native frame's name is its symbol, or "+0xOFFSET" where none covers it.
"use strict";
var NS = "http://www.w3.org/2000/svg";
var FH = 16, TOP = 60, BOTTOM = 50, PAD = 10, CW = 7.3, MINPX = 1;
var CLASS_NAMES = ["your code", "standard library", "site-packages", "native", "process, thread",
	"(idle)", "(failed)"];
var svg = document.documentElement;
var n, fr, dep, tot, xs, end, zoomed = 0, matchRe = null, width = 0;

// x positions, subtree ends and depths from the depth-first list
function build() {
	var i, p, nx, stack = [0];

	n = D.nodes.length / 3 + 1;
	fr = new Int32Array(n); dep = new Int32Array(n); end = new Int32Array(n);
	tot = new Float64Array(n); xs = new Float64Array(n); nx = new Float64Array(n);
	fr[0] = -1; tot[0] = D.total;
	for (i = 1; i < n; i++) {
		fr[i] = D.nodes[3 * i - 3]; dep[i] = D.nodes[3 * i - 2]; tot[i] = D.nodes[3 * i - 1];
		while (stack.length > dep[i]) end[stack.pop()] = i;
		p = stack[stack.length - 1];
		xs[i] = nx[p]; nx[p] += tot[i]; nx[i] = xs[i];
		stack.push(i);
	}
	while (stack.length) end[stack.pop()] = n;
}

function fileOf(i) {
	return fr[i] < 0 || D.frames[fr[i]][1] < 0 ? "" : D.files[D.frames[fr[i]][1]];
}

// the frame as the collapsed format writes it: file:function:line
function fullName(i) {
	if (i === 0) return "all";
	var f = D.frames[fr[i]], file = fileOf(i);
	if (f[3] === 3) return file + (f[0].charAt(0) === "+" ? "" : "!") + f[0];
	if (f[1] < 0) return f[0];
	return file + ":" + f[0] + (f[2] ? ":" + f[2] : "");
}

// function first, then a short location
function label(i) {
	if (i === 0) return "all";
	var f = D.frames[fr[i]], file = fileOf(i);
	if (f[1] < 0) return f[0];
	var base = file.substring(file.lastIndexOf("/") + 1);
	if (f[3] === 3) return f[0].charAt(0) === "+" ? base + f[0] : f[0] + " (" + base + ")";
	return f[0] + " (" + file.substring(D.fshort[f[1]]) + (f[2] ? ":" + f[2] : "") + ")";
}

function classOf(i) {
	return i === 0 ? 4 : D.frames[fr[i]][3];
}

function hash(s) {
	var h = 0, k;
	for (k = 0; k < s.length; k++) h = (h * 31 + s.charCodeAt(k)) | 0;
	return (h >>> 0) / 4294967296;
}

// a hue family per class, the shade from the function's name
function color(cls, name) {
	var v = hash(name);
	switch (cls) {
	case 0: return "hsl(" + Math.round(8 + 32 * v) + ",90%," + Math.round(56 + 8 * v) + "%)";
	case 1: return "hsl(" + Math.round(200 + 20 * v) + ",60%," + Math.round(62 + 10 * v) + "%)";
	case 2: return "hsl(" + Math.round(95 + 40 * v) + ",50%," + Math.round(52 + 10 * v) + "%)";
	case 3: return "hsl(" + Math.round(170 + 20 * v) + ",25%," + Math.round(58 + 10 * v) + "%)";
	case 4: return "hsl(270,25%," + Math.round(72 + 8 * v) + "%)";
	default: return "hsl(0,0%," + Math.round(78 + 6 * v) + "%)";
	}
}

function pct(v, of) {
	return (100 * v / of).toFixed(2) + "%";
}

function samples(v) {
	return Math.round(v).toLocaleString("en-US") + (v === 1 ? " sample" : " samples");
}

function describe(i) {
	return label(i) + " \u2014 " + samples(tot[i]) + ", " + pct(tot[i], D.total);
}

function el(name, attrs, parent) {
	var e = document.createElementNS(NS, name), k;
	for (k in attrs) e.setAttribute(k, attrs[k]);
	if (parent) parent.appendChild(e);
	return e;
}

function fitted(text, px) {
	var room = Math.floor((px - 6) / CW);
	if (room < 3) return "";
	return text.length <= room ? text : text.substring(0, room - 2) + "..";
}

function matches(i) {
	return matchRe !== null && i > 0 && (matchRe.test(label(i)) || matchRe.test(fullName(i)));
}

// a frame: its box and, where it fits, its label (which lets the pointer
// through to the box); the box's tooltip (a title) is made when the
// pointer first comes over it
function drawFrame(g, i, x, w, y, parent) {
	var name = label(i), text = fitted(name, w);
	el("rect", { "class": parent ? "frame parent" : "frame", "data-node": i, x: x.toFixed(1), y: y,
		width: Math.max(w - 0.5, 0.5).toFixed(1), height: FH - 1, rx: 2,
		fill: matches(i) ? "rgb(230,0,230)" : color(classOf(i), name) }, g);
	if (text) el("text", { x: (x + 3).toFixed(1), y: y + FH - 4 }, g).textContent = text;
}

function tooltip(box, i) {
	if (!box.firstChild)
		el("title", {}, box).textContent = fullName(i) + "\n" + samples(tot[i]) + ", " +
			pct(tot[i], D.total);
}

// the frames wide enough to draw at the current zoom: [index, parent?]
function visible(scale) {
	var zx = xs[zoomed], zw = tot[zoomed], out = [], i;
	for (i = 0; i < n; i++) {
		if (dep[i] < dep[zoomed]) {		// an ancestor of the zoomed frame, or not drawn
			if (xs[i] <= zx && xs[i] + tot[i] >= zx + zw) out.push(i);
			continue;
		}
		if (xs[i] + tot[i] <= zx || xs[i] >= zx + zw || tot[i] * scale < MINPX) {
			i = end[i] - 1;			// skip the subtree
			continue;
		}
		out.push(i);
	}
	return out;
}

// draw what is visible; the graph is as tall as its deepest visible frame
function render() {
	var g = document.getElementById("frames"), frag = document.createDocumentFragment();
	var scale, shown, deepest = 0, h, k, i, zx = xs[zoomed];

	width = svg.getBoundingClientRect().width || 1200;
	scale = (width - 2 * PAD) / tot[zoomed];
	shown = visible(scale);
	for (k = 0; k < shown.length; k++) deepest = Math.max(deepest, dep[shown[k]]);
	h = TOP + (deepest + 1) * FH + BOTTOM;
	svg.setAttribute("height", h);
	for (k = 0; k < shown.length; k++) {
		i = shown[k];
		if (dep[i] < dep[zoomed])
			drawFrame(frag, i, PAD, width - 2 * PAD, h - BOTTOM - (dep[i] + 1) * FH, true);
		else
			drawFrame(frag, i, PAD + (xs[i] - zx) * scale, tot[i] * scale,
				h - BOTTOM - (dep[i] + 1) * FH, false);
	}
	g.textContent = "";
	g.appendChild(frag);
	place(h);
}

// the controls that sit at the right edge and the bottom
function place(h) {
	document.getElementById("search").setAttribute("x", width - PAD);
	document.getElementById("matched").setAttribute("x", width - PAD);
	document.getElementById("matched").setAttribute("y", h - 8);
	document.getElementById("details").setAttribute("y", h - 8);
	document.getElementById("legend").setAttribute("transform", "translate(" + PAD + "," + (h - 40) + ")");
}

function zoom(i) {
	zoomed = i;
	document.getElementById("unzoom").style.display = i ? "" : "none";
	render();
}

// the share of samples in frames that match, nested matches counted once
function matchedShare() {
	var sum = 0, until = 0, i;
	for (i = 1; i < n; i++) {
		if (i >= until && matches(i)) {
			sum += tot[i];
			until = end[i];
		}
	}
	return sum;
}

function search(term) {
	var m = document.getElementById("matched"), b = document.getElementById("search");
	if (term === null || term === undefined || term === "") {
		matchRe = null;
		m.textContent = "";
		b.textContent = "Search";
	} else {
		try {
			matchRe = new RegExp(term);
		} catch (e) {
			m.textContent = "bad regular expression: " + term;
			return;
		}
		m.textContent = "Matched: " + pct(matchedShare(), D.total) + " (" + term + ")";
		b.textContent = "Reset search";
	}
	render();
}

function askSearch() {
	if (matchRe !== null) {
		search(null);
		return;
	}
	search(window.prompt("Search for frames (a regular expression):", ""));
}

function boxOf(e) {
	var t = e.target;
	while (t && t !== svg && !(t.getAttribute && t.getAttribute("data-node") !== null)) t = t.parentNode;
	return t && t !== svg ? t : null;
}

function frameOf(e) {
	var b = boxOf(e);
	return b ? parseInt(b.getAttribute("data-node"), 10) : -1;
}

function legend() {
	var g = document.getElementById("legend"), x = 0, k, t;
	for (k = 0; k < 5; k++) {
		if (D.classes.indexOf(k) < 0) continue;
		el("rect", { x: x, y: 0, width: 12, height: 12, rx: 2, fill: color(k, "") }, g);
		t = el("text", { x: x + 16, y: 10 }, g);
		t.textContent = CLASS_NAMES[k];
		x += 24 + CLASS_NAMES[k].length * CW;
	}
}

function init() {
	var g = document.getElementById("frames"), q = /[?&]s=([^&]*)/.exec(document.location.search);
	build();
	legend();
	g.addEventListener("mouseover", function (e) {
		var i = frameOf(e);
		if (i < 0) return;
		tooltip(boxOf(e), i);
		document.getElementById("details").textContent = describe(i);
	});
	g.addEventListener("mouseout", function () {
		document.getElementById("details").textContent = " ";
	});
	g.addEventListener("click", function (e) {
		var i = frameOf(e);
		if (i >= 0) zoom(i);
	});
	document.getElementById("unzoom").addEventListener("click", function () { zoom(0); });
	document.getElementById("search").addEventListener("click", askSearch);
	window.addEventListener("keydown", function (e) {
		if ((e.ctrlKey && e.key === "f") || e.key === "/") {
			e.preventDefault();
			askSearch();
		} else if (e.key === "Escape") {
			zoom(0);
		}
	});
	window.addEventListener("resize", function () {
		if (svg.getBoundingClientRect().width !== width) render();
	});
	if (q) search(decodeURIComponent(q[1]));
	else render();
}

window.pyflame = { zoom: zoom, search: search, node: function (i) { return describe(i); } };
init();
