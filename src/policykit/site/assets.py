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
  /* The lookup's scoring spec (policykit.lookup.spec), step for step over data.index; the Python
     library and `policykit lookup` compute the same words, scores and order. */
  function isCjk(ch) { return (ch >= "\u3400" && ch <= "\u9fff") || (ch >= "\uf900" && ch <= "\ufaff"); }
  function queryText(text, spec) {
    text = String(text == null ? "" : text).normalize("NFKC");
    return Array.from(text).slice(0, spec.max_query).join("").toLowerCase();
  }
  function normalise(text, spec) {
    text = queryText(text, spec);
    var out = [], cur = "";
    Array.from(text).forEach(function (ch) {
      if (isCjk(ch) || (ch >= "a" && ch <= "z") || (ch >= "0" && ch <= "9")) cur += ch;
      else if (cur) { out.push(cur); cur = ""; }
    });
    if (cur) out.push(cur);
    return out;
  }
  function runsOf(chunk) {
    var out = [];
    Array.from(chunk).forEach(function (ch) {
      var c = isCjk(ch);
      if (out.length && out[out.length - 1][1] === c) out[out.length - 1][0] += ch; else out.push([ch, c]);
    });
    return out;
  }
  function segment(run, ix) {
    var chars = Array.from(run), n = chars.length, spec = ix.spec;
    var covered = new Array(n + 1).fill(0), pieces = new Array(n + 1).fill(0), choice = new Array(n + 1).fill(1);
    for (var i = n - 1; i >= 0; i--) {
      var bc = covered[i + 1], bp = pieces[i + 1] + 1, bl = 1;
      for (var len = 2; len <= Math.min(spec.max_word, n - i); len++) {
        var piece = chars.slice(i, i + len).join("");
        if (ix.vocab.has(piece) || ix.common.has(piece)) {
          var c = covered[i + len] + len, p = pieces[i + len] + 1;
          if (c > bc || (c === bc && (p < bp || (p === bp && len > bl)))) { bc = c; bp = p; bl = len; }
        }
      }
      covered[i] = bc; pieces[i] = bp; choice[i] = bl;
    }
    var out = [], k = 0;
    while (k < n) {
      var l = choice[k], pc = chars.slice(k, k + l).join(""), known = l > 1;
      var prev = out.length ? out[out.length - 1] : null;
      if (!known && prev && !prev[1] && !stopChar(pc, spec) && !stopChar(Array.from(prev[0]).slice(-1)[0], spec)) {
        prev[0] += pc;
      } else out.push([pc, known]);
      k += l;
    }
    return out;
  }
  function stopChar(ch, spec) { return Array.from(ch).length === 1 && spec.stop_chars.indexOf(ch) >= 0; }
  /* codes (spec: code_tokens, canonical_code, code_match, without_codes) and the 审管 cue */
  function canonicalCode(code, ix) {
    var key = String(code == null ? "" : code).normalize("NFKC").toLowerCase().replace(ix.seps, "");
    return /^[a-z0-9]+$/.test(key) ? key : "";
  }
  function hasDigit(t) { return /[0-9]/.test(t); }
  function codeTokens(query, ix) {
    var out = [], seen = {};
    (queryText(query, ix.spec).match(ix.codeRe) || []).forEach(function (m) {
      var key = canonicalCode(m, ix);
      if (Array.from(key).length >= ix.spec.code_min && hasDigit(key) && !seen[key]) { seen[key] = true; out.push({text: m, key: key}); }
    });
    return out;
  }
  function codeMatch(token, code, spec) {
    if (token === code) return 1.0 + spec.exact_bonus;
    if (token.length >= spec.code_prefix_min && code.indexOf(token) === 0 && /[a-z]/.test(token) && hasDigit(token)) return 1.0;
    return null;
  }
  function codeHead(code, length, spec) {
    var out = "", n = 0;
    Array.from(code).some(function (ch) {
      if (n >= length) return true;
      out += ch;
      if (spec.code_separators.indexOf(ch) < 0) n += 1;
      return false;
    });
    return out;
  }
  function withoutCodes(query, used, ix) {
    return queryText(query, ix.spec).replace(ix.codeRe, function (m) { return used[canonicalCode(m, ix)] ? " " : m; });
  }
  function asksSupervision(query, spec) {
    var text = queryText(query, spec);
    return spec.supervision_cues.some(function (c) { return text.indexOf(c) >= 0; });
  }
  function contentWords(query, ix) {
    var spec = ix.spec, words = [], seen = {};
    normalise(query, spec).forEach(function (chunk) {
      runsOf(chunk).forEach(function (r) {
        var pieces = r[1] ? segment(r[0], ix) : [[r[0], true]];
        pieces.forEach(function (pk) {
          var piece = pk[0], known = pk[1], len = Array.from(piece).length;
          if (ix.stops.has(piece) || stopChar(piece, spec) || seen[piece]) return;
          seen[piece] = true;
          if (ix.fillers.has(piece)) { words.push({text: piece, weight: 0, alts: [piece]}); return; }
          var weight;
          if (r[1] && !known) weight = spec.noise;
          else if (len === 1 && r[1]) weight = spec.noise;
          else if (ix.weak.has(piece) || len === 1 || !ix.vocab.has(piece)) weight = spec.light;
          else weight = 1.0;
          var alts = [piece].concat((ix.synonyms[piece] || []).filter(function (a) { return a !== piece; }));
          words.push({text: piece, weight: weight, alts: alts});
        });
      });
    });
    return words;
  }
  function scoreEntry(words, fields, kind, spec) {
    var total = 0, got = 0, full = false, hits = [], tie = 0;
    words.forEach(function (w) {
      if (!w.weight) {
        if ((fields.name || []).some(function (t) { return t.indexOf(w.text) >= 0; })) tie += spec.filler_tie;
        return;
      }
      total += w.weight;
      var best = 0, via = "", found = "";
      spec.fields.forEach(function (f) {
        if (f[1] <= best) return;
        var texts = fields[f[0]] || [];
        for (var i = 0; i < texts.length; i++) {
          var form = null;
          for (var j = 0; j < w.alts.length; j++) if (texts[i].indexOf(w.alts[j]) >= 0) { form = w.alts[j]; break; }
          if (form !== null) { best = f[1]; via = f[0]; found = form; break; }
        }
      });
      if (best) {
        got += w.weight * best;
        hits.push({word: w.text, found: found, via: via});
        if (w.weight === 1.0) full = true;
      }
    });
    if (!total) return null;
    var coverage = got / total;
    if (coverage < spec.min_coverage || !full) return null;
    var core = words.filter(function (w) { return w.weight; }).map(function (w) { return w.text; }).join("");
    var bonus = (spec.kind_bonus[kind] || 0) + tie;
    var names = (fields.name || []).concat(fields.alias || []);
    if (names.indexOf(core) >= 0) bonus += spec.exact_bonus;
    else if (Array.from(core).length > 1 && names.some(function (t) { return t.indexOf(core) >= 0; })) bonus += spec.phrase_bonus;
    return [coverage + bonus, coverage, hits];
  }
  function prepare(index) {
    var seps = index.spec.code_separators.replace(/[-\]\\^]/g, "\\$&");
    var ix = {spec: index.spec, vocab: new Set(index.vocab), common: new Set(index.common),
            synonyms: index.synonyms, fillers: new Set(index.spec.fillers), stops: new Set(index.spec.stopwords),
            weak: new Set(index.spec.weak), entries: index.entries, depts: index.department_words,
            pairs: index.pairs || {}, codeRe: new RegExp(index.spec.code_pattern, "g"), seps: new RegExp("[" + seps + "]", "g")};
    ix.codeKeys = [];
    index.entries.forEach(function (e, i) {
      [e[1]].concat(e[3] || []).forEach(function (c) { var k = canonicalCode(c, ix); if (k) ix.codeKeys.push([k, String(c), i]); });
    });
    return ix;
  }
  function codeAnswers(ix, codes) {
    var out = {}, used = {};
    if (!codes.length) return [out, used];
    ix.codeKeys.forEach(function (ck) {
      codes.forEach(function (c) {
        var s = codeMatch(c.key, ck[0], ix.spec);
        if (s === null) return;
        used[c.key] = true;
        if (!out[ck[2]] || s > out[ck[2]][0]) out[ck[2]] = [s, 1.0, [{word: s > 1.0 ? ck[1] : codeHead(ck[1], c.key.length, ix.spec), found: ck[1], via: "code"}]];
      });
    });
    return [out, used];
  }
  function search(ix, query, leads) {
    var spec = ix.spec, codes = codeTokens(query, ix), ca = codeAnswers(ix, codes), byCode = ca[0], used = ca[1];
    var words = contentWords(Object.keys(used).length ? withoutCodes(query, used, ix) : query, ix), scored = [];
    var supervision = asksSupervision(query, spec);
    ix.entries.forEach(function (e, i) {
      var s = (e[0] !== "pair" || supervision) ? scoreEntry(words, e[2], e[0], spec) : null, c = byCode[i];
      if (c && (!s || c[0] >= s[0])) s = c;
      if (s) scored.push([s, e]);
    });
    scored.sort(function (a, b) {
      if (a[0][0] !== b[0][0]) return b[0][0] - a[0][0];
      var ka = spec.kind_order[a[1][0]], kb = spec.kind_order[b[1][0]];
      if (ka !== kb) return ka - kb;
      return a[1][1] < b[1][1] ? -1 : (a[1][1] > b[1][1] ? 1 : 0);
    });
    var sure = false;
    if (scored.length && scored[0][0][0] >= spec.confident) {
      var top = scored[0][0][0], lead = leads(scored[0][1]);
      sure = !scored.slice(1).some(function (x) { return leads(x[1]) !== lead && x[0][0] > top - spec.margin; });
    }
    var depts = [];
    if (!sure) {
      Object.keys(ix.depts).sort().forEach(function (d) {
        var s = scoreEntry(words, {name: [ix.depts[d]]}, "", spec);
        if (s) depts.push([s[1], d, s[2].map(function (h) { return h.word; })]);
      });
      depts.sort(function (a, b) { return a[0] !== b[0] ? b[0] - a[0] : (a[1] < b[1] ? -1 : 1); });
      depts = depts.slice(0, spec.max_departments);
    }
    return {words: words.filter(function (w) { return w.weight; }), answers: scored.slice(0, 20), confident: sure, departments: depts};
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
  var VIA = {alias: "俗称", name: "名称", domain: "领域", body: "职责", code: "编码"};
  function pairReason(data, p) {
    // the same sentence as policykit.lookup.answers.pair_reason
    function name(id) { var d = data.departments[id]; return d ? String(d.name) : String(id); }
    var out = name(p.approving) + "审批“" + p.name + "”（" + p.item + "），" + name(p.supervising) + "负责许可后监管";
    if (p.inspection) out += "（行政检查：" + (p.inspection_name ? p.inspection_name + " " : "") + p.inspection + "）";
    if (p.push_days !== null && p.push_days !== undefined) {
      out += "；许可信息在 " + p.push_days + " 个" + (p.push_day_type || "工作日") + "内推送";
      if (p.channel) out += "（" + p.channel + "）";
    }
    return out + "。";
  }
  function why(hits) {
    return hits.map(function (h) { return (h.word === h.found ? h.word : h.word + "→" + h.found) + "（" + (VIA[h.via] || h.via) + "）"; }).join("、");
  }
  function render(data, query, results, status) {
    var ix = data._ix;
    results.textContent = "";
    results.removeAttribute("data-top");
    if (!query) {
      status.textContent = "共有 " + data.matters.length + " 项职责边界事项、" + data.items.length +
        " 项权力事项可供查询。请输入关键词。";
      return;
    }
    var byMatter = {}, byItem = {}, byCatalog = {};
    data.matters.forEach(function (m) { byMatter[m.id] = m; });
    data.items.forEach(function (it) { byItem[it[0]] = it; });
    data.catalog.forEach(function (c) { byCatalog[c[4]] = c; });
    function leadOf(e) {
      if (e[0] === "matter") { var m = byMatter[e[1]]; var l = m ? m.roles.filter(function (r) { return r.role === "牵头"; }) : []; return l.length === 1 ? l[0].department : null; }
      if (e[0] === "item") { var it = byItem[e[1]]; return it ? it[2] : null; }
      if (e[0] === "pair") { var p = ix.pairs[e[1]]; return p ? p.supervising : null; }
      var c = byCatalog[e[1]]; return c && c[2].length === 1 ? c[2][0] : null;
    }
    var r = search(ix, query, leadOf);
    var terms = [];
    r.answers.forEach(function (x) { x[0][2].forEach(function (h) { if (terms.indexOf(h.found) < 0) terms.push(h.found); }); });
    if (r.confident) results.setAttribute("data-top", String(r.answers[0][1][1]));
    var matters = r.answers.filter(function (x) { return x[1][0] === "matter"; });
    var items = r.answers.filter(function (x) { return x[1][0] === "item"; });
    var pairs = r.answers.filter(function (x) { return x[1][0] === "pair"; });
    var catalog = r.answers.filter(function (x) { return x[1][0] === "catalog"; });
    if (r.confident) {
      var top = r.answers[0][1];
      var answer = el("p", "pk-answer", [el("strong", null, ["牵头部门"]), "：", deptLink(data, leadOf(top)),
        "（命中：" + why(r.answers[0][0][2]) + "）"]);
      if (top[0] === "pair" && ix.pairs[top[1]]) {
        answer.appendChild(el("br"));
        answer.appendChild(el("strong", null, ["配合部门"]));
        answer.appendChild(document.createTextNode("："));
        answer.appendChild(deptLink(data, ix.pairs[top[1]].approving));
        answer.appendChild(document.createTextNode("（审批）。" + pairReason(data, ix.pairs[top[1]])));
      }
      results.appendChild(answer);
    } else {
      results.appendChild(el("p", "pk-answer pk-unsure", ["暂无确定对应的职责边界事项或权力事项，请不要据此派单。"]));
      if (r.departments.length) {
        var ul0 = el("ul", "pk-depts");
        r.departments.forEach(function (d) { ul0.appendChild(el("li", null, [deptLink(data, d[1]), "：清单中提到 " + d[2].join("、")])); });
        results.appendChild(el("p", null, ["以下部门的清单（三定职责、职责任务、权力事项）提到这些词："]));
        results.appendChild(ul0);
      }
    }
    if (matters.length) {
      results.appendChild(el("h2", null, ["职责边界事项"]));
      matters.forEach(function (x) {
        var m = byMatter[x[1][1]];
        if (!m) return;
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
        card.appendChild(el("p", "pk-why", ["命中：" + why(x[0][2])]));
        results.appendChild(card);
      });
    }
    if (pairs.length) {
      results.appendChild(el("h2", null, ["审管协同"]));
      pairs.forEach(function (x) {
        var p = ix.pairs[x[1][1]];
        if (!p) return;
        var card = el("div", "pk-card pk-pair");
        card.setAttribute("data-id", String(x[1][1]));
        var licence = byItem[p.item], page = (data.pair_urls || {})[String(x[1][1])];
        card.appendChild(el("h3", null, page ? [link(String(page), mark(p.name, terms))]
                                             : licence ? [link(licence[4], mark(p.name, terms))] : mark(p.name, terms)));
        card.appendChild(el("p", null, [el("span", "pk-role pk-role-lead", ["监管"]), deptLink(data, p.supervising),
          "：许可后监管" + (p.inspection_name ? "（" + p.inspection_name + "）" : "")]));
        card.appendChild(el("p", null, [el("span", "pk-role", ["审批"]), deptLink(data, p.approving),
          "：" + (p.item_name || p.name) + "（" + p.item + "）"]));
        card.appendChild(el("p", null, [pairReason(data, p)]));
        card.appendChild(el("p", "pk-why", ["命中：" + why(x[0][2])]));
        results.appendChild(card);
      });
    }
    if (items.length) {
      results.appendChild(el("h2", null, ["权力事项"]));
      var ul = el("ul");
      items.forEach(function (x) {
        var it = byItem[x[1][1]];
        if (!it) return;
        var li = el("li", null, [link(it[4], mark(it[1], terms)), "（" + it[3] + "）— ", deptLink(data, it[2]),
          "（命中：" + why(x[0][2]) + "）"]);
        li.setAttribute("data-id", String(it[0]));
        ul.appendChild(li);
      });
      results.appendChild(ul);
    }
    if (catalog.length) {
      results.appendChild(el("h2", null, ["监管事项"]));
      var list = el("ul");
      catalog.forEach(function (x) {
        var c = byCatalog[x[1][1]];
        if (!c) return;
        var li = el("li", null, mark(c[1], terms).concat([" — 牵头："]).concat(c[2].length
          ? joined(c[2].map(function (d) { return deptLink(data, d); }), "、") : ["（未明确）"]));
        if (c[3].length) {
          li.appendChild(document.createTextNode("；配合："));
          joined(c[3].map(function (d) { return deptLink(data, d); }), "、").forEach(function (n) {
            li.appendChild(typeof n === "string" ? document.createTextNode(n) : n);
          });
        }
        li.setAttribute("data-id", String(x[1][1]));
        list.appendChild(li);
      });
      results.appendChild(list);
    }
    status.textContent = r.answers.length
      ? "找到职责边界事项 " + matters.length + " 项、" + (pairs.length ? "审管协同 " + pairs.length + " 项、" : "") +
        "权力事项 " + items.length + " 项、监管事项 " + catalog.length + " 项。"
      : "没有找到与“" + query + "”相关的事项，请换用其他说法。";
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
      data._ix = prepare(data.index);
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
