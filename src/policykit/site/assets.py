"""The site's own stylesheet and the dispatcher lookup's script, served from the site itself."""
from __future__ import annotations

CSS = r"""
/* policykit site: figures, charts, matrix, item details, lookup */
.pk-asof { color: var(--md-default-fg-color--light); }
.pk-figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(9.5rem, 1fr)); gap: .6rem; margin: 1em 0; }
.md-typeset a.pk-figure { display: flex; flex-direction: column; padding: .7rem .8rem; border-radius: .3rem;
  border: 1px solid var(--md-default-fg-color--lightest); color: var(--md-default-fg-color); }
.md-typeset a.pk-figure:hover { border-color: var(--md-accent-fg-color); }
.pk-figure-value { font-size: 1.6rem; font-weight: 700; line-height: 1.2; color: var(--md-primary-fg-color); }
.pk-figure-unit { font-size: .7rem; font-weight: 400; margin-left: .2em; color: var(--md-default-fg-color--light); }
.pk-figure-label { font-size: .75rem; }
.pk-chart-row { display: flex; flex-wrap: wrap; gap: 1rem; }
.pk-chart-row > .pk-chart-box { flex: 1 1 20rem; }
.pk-chart { max-width: 100%; height: auto; }
.pk-chart-label, .pk-chart-value { font-size: 13px; fill: var(--md-default-fg-color, #333); }
.pk-chart-total { font-size: 22px; font-weight: 700; fill: var(--md-default-fg-color, #333); }
.pk-chart a:hover .pk-chart-label { fill: var(--md-accent-fg-color, #526cfe); text-decoration: underline; }
.md-typeset details.pk-item { margin: .3em 0; font-size: .75rem; border-color: var(--md-default-fg-color--lightest);
  border-left: .2rem solid var(--md-primary-fg-color); box-shadow: none; }
.md-typeset details.pk-item > summary { cursor: pointer; padding-left: .8rem; background: none; font-weight: 400; }
.md-typeset details.pk-item > summary::before { display: none; }
.md-typeset details.pk-item > summary code { margin-right: .5em; }
.md-typeset table.pk-kv th { white-space: nowrap; text-align: left; }
.pk-status { color: var(--md-code-hl-special-color, #db1457); font-size: .75em; }
.pk-matrix-wrap { overflow-x: auto; max-width: 100%; }
.md-typeset table.pk-matrix { font-size: .65rem; border-collapse: collapse; }
.md-typeset table.pk-matrix th, .md-typeset table.pk-matrix td { padding: .2em .35em; text-align: center; min-width: 1.6em; }
.md-typeset table.pk-matrix tbody th { text-align: left; white-space: nowrap; position: sticky; left: 0;
  background: var(--md-default-bg-color); }
.md-typeset table.pk-matrix td.pk-lead { background: var(--md-primary-fg-color); color: var(--md-primary-bg-color); font-weight: 700; }
.md-typeset table.pk-matrix td.pk-coop { background: var(--md-accent-fg-color--transparent, #e8eaf6); }
.pk-lookup input { width: 100%; font-size: 1rem; padding: .5em .7em; margin: .3em 0 .6em;
  border: 2px solid var(--md-primary-fg-color); border-radius: .3em; background: var(--md-default-bg-color);
  color: var(--md-default-fg-color); }
.pk-lookup-status { color: var(--md-default-fg-color--light); }
.pk-card { border: 1px solid var(--md-default-fg-color--lightest); border-radius: .3em; padding: .4em .9em; margin: .7em 0; }
.pk-card h3 { margin-top: .4em; }
.pk-role { display: inline-block; font-size: .7em; padding: 0 .4em; border-radius: .2em; margin-right: .3em;
  background: var(--md-accent-fg-color--transparent, #e8eaf6); }
.pk-role-lead { background: var(--md-primary-fg-color); color: var(--md-primary-bg-color); }
mark.pk-hit { background: var(--md-typeset-mark-color, #ffe27a); }
/* legal bases: in-force status on the legal date */
.pk-law { display: inline-block; font-size: .7em; padding: 0 .45em; margin-left: .4em; border-radius: .2em;
  line-height: 1.6; vertical-align: baseline; }
.pk-law-in_force { background: #e3f1e6; color: #1e6b34; }
.pk-law-beyond, .pk-law-not_yet { background: #fff1d6; color: #7a4b00; }
.pk-law-repealed, .pk-law-unresolved { background: #fde2e1; color: #9b1c1c; font-weight: 700; }
.pk-law-entry { font-size: .85em; color: var(--md-default-fg-color--light); }
.pk-law-warn { display: inline-block; font-size: .75em; color: #9b1c1c; }
.pk-overdue { display: inline-block; font-size: .8em; padding: 0 .4em; border-radius: .2em; background: #fde2e1;
  color: #9b1c1c; font-weight: 700; }
.pk-scorecard { overflow-x: auto; max-width: 100%; }
.pk-scorecard svg { max-width: 100%; height: auto; }
"""

JS = r"""
/* policykit: 12345 dispatcher lookup. Runs in the browser over lookup.json; fetches nothing else.
   Every string of the data is written as text (textContent, text nodes): never as HTML. */
(function () {
  "use strict";
  function el(tag, cls, children) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }
  function link(url, children) {
    var a = el("a", null, children);
    // the URLs are relative paths the site built; anything with a scheme (javascript:, data:) is refused
    if (typeof url === "string" && !/^\s*[a-z][a-z0-9+.\-]*:/i.test(url)) a.setAttribute("href", url);
    return a;
  }
  function bigrams(s) {
    var out = [];
    for (var i = 0; i + 1 < s.length; i++) out.push(s.slice(i, i + 2));
    return out.length ? out : (s ? [s] : []);
  }
  function termScore(term, fields) {
    // fields: [[text, weight]]; a substring hit scores its weight, else the share of the term's bigrams found
    var best = 0, i;
    for (i = 0; i < fields.length; i++) {
      if (fields[i][0].indexOf(term) >= 0) best = Math.max(best, fields[i][1]);
    }
    if (best) return best;
    var grams = bigrams(term), all = fields.map(function (f) { return f[0]; }).join(" "), found = 0;
    for (i = 0; i < grams.length; i++) if (all.indexOf(grams[i]) >= 0) found++;
    var share = grams.length ? found / grams.length : 0;
    return share >= 0.5 ? 10 * share : 0;
  }
  function score(terms, fields) {
    var total = 0;
    for (var i = 0; i < terms.length; i++) {
      var s = termScore(terms[i], fields);
      if (!s) return 0;
      total += s;
    }
    return total;
  }
  function mark(text, terms) {
    // text nodes, with the query's terms in <mark> elements
    text = String(text == null ? "" : text);
    var parts = [], rest = text;
    while (rest) {
      var at = -1, hit = "";
      terms.forEach(function (t) {
        var i = t ? rest.indexOf(t) : -1;
        if (i >= 0 && (at < 0 || i < at || (i === at && t.length > hit.length))) { at = i; hit = t; }
      });
      if (at < 0) { parts.push(rest); break; }
      if (at > 0) parts.push(rest.slice(0, at));
      parts.push(el("mark", "pk-hit", [hit]));
      rest = rest.slice(at + hit.length);
    }
    return parts;
  }
  function deptLink(data, id) {
    var d = data.departments[id];
    return d ? link(d.url, [String(d.name)]) : document.createTextNode(String(id));
  }
  function joined(nodes, sep) {
    var out = [];
    nodes.forEach(function (n, i) { if (i) out.push(sep); out.push(n); });
    return out;
  }
  function render(data, query, results, status) {
    var terms = query.replace(/[，,、;；]/g, " ").split(/\s+/).filter(Boolean);
    results.textContent = "";
    if (!terms.length) {
      status.textContent = "共有 " + data.matters.length + " 项职责边界事项、" + data.items.length +
        " 项权力事项可供查询。请输入关键词。";
      return;
    }
    var matters = data.matters.map(function (m) {
      var duties = m.roles.map(function (r) { return r.duties.join(" "); }).join(" ");
      return [score(terms, [[m.name, 100], [m.domain, 60], [duties + " " + m.trigger, 30]]), m];
    }).filter(function (x) { return x[0] > 0; }).sort(function (a, b) { return b[0] - a[0]; }).slice(0, 10);
    var items = data.items.map(function (it) {
      return [score(terms, [[it[1], 50]]), it];
    }).filter(function (x) { return x[0] >= 50 * terms.length; }).sort(function (a, b) { return b[0] - a[0]; }).slice(0, 20);
    var catalog = data.catalog.map(function (c) {
      return [score(terms, [[c[1], 50]]), c];
    }).filter(function (x) { return x[0] >= 50 * terms.length; }).slice(0, 10);
    if (matters.length) {
      results.appendChild(el("h2", null, ["职责边界事项"]));
      matters.forEach(function (x) {
        var m = x[1];
        var lead = m.roles.filter(function (r) { return r.role === "牵头"; });
        var coop = m.roles.filter(function (r) { return r.role !== "牵头"; });
        var card = el("div", "pk-card pk-matter");
        card.setAttribute("data-id", String(m.id));
        card.appendChild(el("h3", null, [link(m.url, mark(m.name, terms))]));
        card.appendChild(el("p", null, [el("strong", null, ["牵头部门"]), "："].concat(lead.length
          ? joined(lead.map(function (r) { return deptLink(data, r.department); }), "、") : ["（未明确）"])));
        m.roles.forEach(function (r) {
          var duties = [];
          r.duties.forEach(function (d, i) { if (i) duties.push("；"); duties = duties.concat(mark(d, terms)); });
          card.appendChild(el("p", null, [el("span", "pk-role" + (r.role === "牵头" ? " pk-role-lead" : ""), [String(r.role)]),
            deptLink(data, r.department), "："].concat(duties)));
        });
        if (coop.length) card.appendChild(el("p", null, [el("strong", null, ["配合部门"]), "："].concat(
          joined(coop.map(function (r) { return deptLink(data, r.department); }), "、"))));
        if (m.trigger) card.appendChild(el("p", null, [el("strong", null, ["启动情形"]), "：", String(m.trigger)]));
        if (m.dispute) card.appendChild(el("p", null, [el("strong", null, ["争议解决"]), "：", String(m.dispute)]));
        results.appendChild(card);
      });
    }
    if (items.length) {
      results.appendChild(el("h2", null, ["权力事项"]));
      var ul = el("ul");
      items.forEach(function (x) {
        var it = x[1];
        ul.appendChild(el("li", null, [link(it[4], mark(it[1], terms)), "（" + it[3] + "）— ", deptLink(data, it[2])]));
      });
      results.appendChild(ul);
    }
    if (catalog.length) {
      results.appendChild(el("h2", null, ["监管事项"]));
      var list = el("ul");
      catalog.forEach(function (x) {
        var c = x[1];
        var li = el("li", null, mark(c[1], terms).concat([" — 牵头："]).concat(c[2].length
          ? joined(c[2].map(function (d) { return deptLink(data, d); }), "、") : ["（未明确）"]));
        if (c[3].length) {
          li.appendChild(document.createTextNode("；配合："));
          joined(c[3].map(function (d) { return deptLink(data, d); }), "、").forEach(function (n) {
            li.appendChild(typeof n === "string" ? document.createTextNode(n) : n);
          });
        }
        list.appendChild(li);
      });
      results.appendChild(list);
    }
    status.textContent = (matters.length || items.length || catalog.length)
      ? "找到职责边界事项 " + matters.length + " 项、权力事项 " + items.length + " 项、监管事项 " + catalog.length + " 项。"
      : "没有找到与“" + query + "”相关的事项，请换用其他关键词。";
  }
  function start() {
    var root = document.getElementById("pk-lookup");
    if (!root || root.getAttribute("data-ready")) return;
    root.setAttribute("data-ready", "1");
    var input = document.getElementById("pk-lookup-input");
    var results = document.getElementById("pk-lookup-results");
    var status = document.getElementById("pk-lookup-status");
    fetch(root.getAttribute("data-src")).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    }).then(function (data) {
      var timer = null;
      var run = function () { render(data, input.value.trim(), results, status); };
      input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 120); });
      var q = new URLSearchParams(location.search).get("q");
      if (q) input.value = q;
      run();
      root.setAttribute("data-loaded", "1");
    }).catch(function (e) {
      status.textContent = "查询数据载入失败（" + e.message + "）。请通过网站地址访问本页，而不是直接打开文件。";
    });
  }
  if (typeof document$ !== "undefined" && document$.subscribe) document$.subscribe(start);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
"""
