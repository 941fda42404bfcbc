// topicnmf serve: progressive enhancement only. Without this script the search form opens
// /view/search and the rename forms post and come back; with it both answer in place.
// Text from the model or the user is only ever set with textContent, never as HTML.
"use strict";

(function () {
  function el(tag, text, attrs) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    return node;
  }

  async function json(url, options) {
    const response = await fetch(url, Object.assign({ credentials: "same-origin" }, options));
    const body = await response.json().catch(() => ({ error: response.statusText }));
    if (!response.ok) throw new Error(body.error || ("HTTP " + response.status));
    return body;
  }

  function topicLink(topic, label) {
    const a = el("a", topic + " · ", { href: "/view/topics/" + topic });
    a.appendChild(el("span", label, { "data-topic-label": String(topic) }));
    return a;
  }

  function percent(share) { return Math.round(share * 100) + "%"; }

  function docRow(doc, value) {
    const tr = el("tr");
    const id = el("td", null, { class: "id" });
    id.appendChild(el("a", doc.doc_id,
                      { href: "/view/search?" + new URLSearchParams({ doc_id: doc.doc_id }) }));
    tr.append(id, el("td", doc.snippet), el("td", value, { class: "num" }));
    return tr;
  }

  async function search(event) {
    const form = event.currentTarget;
    const text = form.elements.q.value.trim();
    const results = document.getElementById("results");
    if (!text || !results) return;
    event.preventDefault();
    results.replaceChildren(el("p", "Searching…", { class: "meta" }));
    try {
      const [assigned, similar] = await Promise.all([
        json("/assign", { method: "POST", headers: { "Content-Type": "application/json" },
                          body: JSON.stringify({ id: "query", text: text }) }),
        json("/similar?" + new URLSearchParams({ text: text, top: 10 })),
      ]);
      const section = el("section", null, { class: "search-results", id: "search-results" });
      section.appendChild(el("h1", "Search: " + text.slice(0, 80)));
      section.appendChild(el("h2", "Closest topics"));
      const list = el("ul", null, { class: "shares" });
      for (const share of assigned.shares) {
        const li = el("li");
        li.append(topicLink(share.topic, share.label), " ",
                  el("span", percent(share.share), { class: "num" }));
        list.appendChild(li);
      }
      if (!assigned.shares.length) list.appendChild(el("li", "none: no word of it is in the model"));
      section.appendChild(list);
      section.appendChild(el("h2", "Similar documents"));
      const table = el("table", null, { class: "docs" });
      const head = el("tr");
      head.append(el("th", "document"), el("th", "first line"), el("th", "score", { class: "num" }));
      table.appendChild(el("thead")).appendChild(head);
      const body = table.appendChild(el("tbody"));
      for (const doc of similar) body.appendChild(docRow(doc, doc.score.toFixed(3)));
      section.appendChild(table);
      results.replaceChildren(section);
    } catch (error) {
      results.replaceChildren(el("p", error.message, { class: "error" }));
    }
  }

  async function rename(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const topic = form.dataset.topic;
    const status = form.querySelector(".status");
    status.classList.remove("bad");
    status.textContent = "Saving…";
    try {
      const saved = await json("/topics/" + topic + "/label", {
        method: "PUT", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ label: form.elements.label.value }),
      });
      for (const node of document.querySelectorAll('[data-topic-label="' + topic + '"]')) {
        node.textContent = saved.label;
      }
      form.elements.label.value = saved.label;
      status.textContent = "Saved";
    } catch (error) {
      status.classList.add("bad");
      status.textContent = error.message;
    }
  }

  const searchForm = document.getElementById("search");
  if (searchForm) searchForm.addEventListener("submit", search);
  for (const form of document.querySelectorAll("form.rename")) {
    form.addEventListener("submit", rename);
  }
})();
