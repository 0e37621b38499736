// ftvalidator web view: helpers shared by the pages (plain JavaScript, no build step).
"use strict";

/** Fetches JSON from the coordinator; throws with the coordinator's stated problems. */
async function getJson(url) {
  const r = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
  const text = await r.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (e) { /* not JSON */ }
  if (!r.ok) {
    const why = body && body.problems ? body.problems.join("; ") : text || r.statusText;
    const err = new Error(r.status + ": " + why);
    err.status = r.status;
    throw err;
  }
  return body;
}

/** A DOM element: el("td", {class: "num"}, "12", otherNode). */
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") e.className = v; else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function badge(text) {
  return text ? el("span", { class: "badge " + text }, text) : el("span", { class: "muted" }, "—");
}

function progress(done, total) {
  const pct = total > 0 ? Math.round(100 * done / total) : 0;
  const bar = el("span", { class: "progress", title: done + " of " + total + " images" }, el("span", { style: "width:" + pct + "%" }));
  return el("span", {}, bar, " " + done + "/" + total);
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "—";
}

/** Shows when the page last heard from the coordinator, or why it could not. */
function live(ok, message) {
  const e = document.getElementById("live");
  e.textContent = ok ? "live · updated " + new Date().toLocaleTimeString() : "not updating: " + message;
  e.className = ok ? "live" : "live error";
}
