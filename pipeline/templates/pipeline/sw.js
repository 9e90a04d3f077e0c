// Lantou's service worker (served at /sw.js, scope /; version {{ version }}).
//
// - Keeps the shell (styles, scripts, icons) so the capture app starts with no network.
// - The capture page, "my leads" and "my quota" come from the network when there is one, and a copy is kept;
//   without network the last copy is shown, marked as such (<html data-offline-copy>, which shows the page's
//   "as last synced" line).
// - Sends the queue of leads captured offline on Background Sync (the pages also send it when the network returns
//   and when they load; see offline_queue.js for why each lead goes once).
// It answers nothing else: other pages, the API and every POST go to the network untouched.
"use strict";

const CONFIG = {
  version: "{{ version|escapejs }}",
  shell: [{% for url in shell %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}],
  pages: [{% for url in pages %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}],
};
const SHELL_CACHE = "lantou-shell-" + CONFIG.version;
const PAGE_CACHE = "lantou-pages";

importScripts("{{ queue_script|escapejs }}");

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE).then((cache) => cache.addAll(CONFIG.shell)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((key) => key.startsWith("lantou-shell-") && key !== SHELL_CACHE).map((key) => caches.delete(key))
      ))
      .then(() => self.clients.claim())
  );
});

function pageKey(url) {
  return url.pathname + url.search;
}

function worthKeeping(response) {
  const type = response.headers.get("Content-Type") || "";
  return response.ok && response.type === "basic" && !response.redirected && type.startsWith("text/html");
}

async function keep(url, response) {
  const cache = await caches.open(PAGE_CACHE);
  await cache.put(pageKey(url), response);
}

async function lastCopy(url) {
  const cache = await caches.open(PAGE_CACHE);
  return (await cache.match(pageKey(url), { ignoreVary: true }))
    || (await cache.match(url.pathname, { ignoreVary: true, ignoreSearch: true }));
}

async function markedCopy(copy) {
  const html = (await copy.text()).replace("<html", "<html data-offline-copy");
  const headers = new Headers(copy.headers);
  headers.delete("Content-Length");
  return new Response(html, { status: 200, headers: headers });
}

function noCopyYet() {
  const html = "<!doctype html><html lang=\"zh-hans\"><meta charset=\"utf-8\">"
    + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>离线 · Offline</title>"
    + "<body style=\"font-family:sans-serif;padding:1rem\"><h1>没有网络 · No signal</h1>"
    + "<p>此页面尚未保存在这部手机上，有网络时再打开一次即可离线使用。</p>"
    + "<p>This page has not been saved on this phone yet: open it once with signal to have it offline.</p>";
  return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

async function pageFromNetworkOrCopy(request, url) {
  try {
    const response = await fetch(request);
    if (worthKeeping(response)) {
      await keep(url, response.clone());
    }
    return response;
  } catch (error) {
    const copy = await lastCopy(url);
    return copy ? markedCopy(copy) : noCopyYet();
  }
}

async function shellFile(request) {
  const cached = await caches.match(request, { ignoreVary: true });
  return cached || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate" && CONFIG.pages.includes(url.pathname)) {
    event.respondWith(pageFromNetworkOrCopy(request, url));
  } else if (CONFIG.shell.includes(url.pathname)) {
    event.respondWith(shellFile(request));
  }
});

// Fetch the pages the phone keeps, so that they open without signal even before they were visited.
async function warm() {
  await Promise.all(CONFIG.pages.map(async (path) => {
    try {
      const response = await fetch(path, { credentials: "same-origin", redirect: "follow" });
      if (worthKeeping(response)) {
        await keep(new URL(path, self.location.origin), response);
      }
    } catch (error) {
      // No signal: the next visit keeps them.
    }
  }));
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "warm") {
    event.waitUntil(warm());
  } else if (data.type === "forget") {
    // Signed out: the copies of one person's pages are not left for the next one on this phone.
    event.waitUntil(caches.delete(PAGE_CACHE));
  }
});

self.addEventListener("sync", (event) => {
  if (event.tag === self.LantouQueue.SYNC_TAG) {
    event.waitUntil(self.LantouQueue.sync().then((outcome) => {
      if (outcome.stopped === "network") {
        throw new Error("still offline"); // the browser tries the sync again later
      }
    }));
  }
});
