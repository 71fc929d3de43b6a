/* policykit: search worker wrapper */
/* Material's search worker (loaded below from the file beside this one), ranked the way a reader
   expects and answering at once on a large site. policykit's searchworker.py writes this file over
   Material's worker after the build; it holds no data of the lists.

   Ranking (rank() below), in tiers, before anything Material's own index adds:
     0  a title that is the query (a department's name, its short name, the name without the city)
     1  a title that holds the query as a phrase: an item's name, a boundary matter, a law …
     2  a code that starts with the query (an item's code, a matter's id)
     3  a page's text that holds the query as a phrase
     4  a page that holds every word of the query
   Within a tier: a page before a section of one, then the kinds of page in the order the site gives
   (config.policykit_kinds: who leads a matter, then items by name, the catalogue, departments, laws …),
   then the title the query fills most (危险化学品经营许可 before 危险化学品经营单位安全监督检查), then the
   shorter title; for the last tiers, the more of the query's words first, in the title first.
   A hit marks only what it lacks: no 缺少 for a word its title or text holds.

   A large site splits its index (searchworker.py): the page sends the quick index (titles and the
   start of each page's text), which this worker ranks without building Material's lunr index, so
   the first answer comes at once. A second worker, this same script started with ?policykit-full,
   fetches the whole index, builds Material's index beside the same ranking, answers again the query
   on screen and then every query; what lunr finds beyond the tiers (words missing) comes after them.

   Chinese queries handed to Material are cut on whole index terms: Material never takes a run's
   last character into a longer term (行政处罚 became 行政* 处*), so each run is cut here into the
   longest terms of the index, each closed with U+3007, which no term holds. */
(function () {
  "use strict";
  var listeners = [], add = self.addEventListener, post = self.postMessage;
  self.addEventListener = function (type, fn, opts) {
    if (type === "message") listeners.push(fn); else add.call(self, type, fn, opts);
  };

  var FULL_MODE = /[?&]policykit-full=/.test(String(self.location.search));
  var LIMIT = 100, STOP = "\u3007", MAX_TERM = 24;
  var SPACE = /[\s\u200b\u3000]+/g;
  var ENTITY = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": "\"", "&#39;": "'", "&#x27;": "'", "&nbsp;": " "};

  /* ---- the documents, prepared once ---------------------------------------------------------- */
  var docs = [], T = [], X = [], K = [], C = [], pages = Object.create(null);
  var kinds = [], city = "", terms = null, maxLen = 2, sep = /[\s\u200b]+/;

  function flat(html) {               /* what a reader sees, without spaces: matching is on this */
    return String(html || "").replace(/<[^>]*>/g, "")
      .replace(/&(?:amp|lt|gt|quot|#39|#x27|nbsp);/gi, function (e) { return ENTITY[e.toLowerCase()] || e; })
      .replace(SPACE, "").toLowerCase();
  }
  function kindOf(location) {
    for (var i = 0; i < kinds.length; i++) if (location.indexOf(kinds[i]) === 0) return i;
    return kinds.length;
  }
  function codeOf(location) {         /* items/370199112XK00100/ → 370199112xk00100 */
    var path = location.split("#")[0].replace(/\/(index\.html)?$/, "");
    return path.slice(path.lastIndexOf("/") + 1).replace(/\.html$/, "").toLowerCase();
  }
  function prepare(setup) {
    var config = setup.config || {};
    docs = setup.docs || [];
    kinds = Array.isArray(config.policykit_kinds) ? config.policykit_kinds.map(String) : [];
    city = flat(config.policykit_city || "");
    try { sep = new RegExp(config.separator); } catch (e) { sep = /[\s\u200b]+/; }
    T = new Array(docs.length); X = new Array(docs.length); K = new Array(docs.length); C = new Array(docs.length);
    pages = Object.create(null);
    for (var i = 0; i < docs.length; i++) {
      var d = docs[i], loc = String(d.location || "");
      T[i] = flat(d.title); X[i] = flat(d.text); K[i] = kindOf(loc); C[i] = codeOf(loc);
      var path = loc.split("#")[0];
      if (!(path in pages)) pages[path] = i;
    }
    terms = null;
  }
  function learn() {                  /* the index's words, for cutting a query (lazily: first need) */
    terms = new Set(); maxLen = 2;
    docs.forEach(function (d) {
      [d.title, d.text].forEach(function (t) {
        if (!t) return;
        String(t).replace(/<[^>]*>/g, " ").toLowerCase().split(sep).forEach(function (w) {
          if (w.length > 1 && w.length <= MAX_TERM && /\p{sc=Han}/u.test(w)) {
            terms.add(w);
            if (w.length > maxLen) maxLen = w.length;
          }
        });
      });
    });
  }
  function cutRun(run) {               /* a run of Han characters into the longest index terms */
    if (!terms) learn();
    var out = [], pending = "", i = 0;
    while (i < run.length) {
      var best = 0;
      for (var l = Math.min(maxLen, run.length - i); l >= 2; l--) {
        if (terms.has(run.slice(i, i + l))) { best = l; break; }
      }
      if (best) {
        if (pending) { out.push(pending); pending = ""; }
        out.push(run.slice(i, i + best));
        i += best;
      } else {
        pending += run.charAt(i);
        i += 1;
      }
    }
    if (pending) out.push(pending);
    return out;
  }
  function words(query) {              /* the query's words: Han runs cut on index terms, the rest on spaces */
    var out = [];
    String(query).toLowerCase().split(/[\s\u200b\u3000"'+*~^:()（）、，。？！；,?!;]+/).forEach(function (part) {
      part = part.replace(/^[\-.]+|[\-.]+$/g, "");       /* a code keeps its inner - and . (BJ-003) */
      if (!part) return;
      part.replace(/(\p{sc=Han}+)|([^\p{sc=Han}]+)/gu, function (m, han, other) {
        if (han) cutRun(han).forEach(function (w) { out.push(w); });
        else out.push(other);
        return m;
      });
    });
    var seen = Object.create(null);
    return out.filter(function (w) { if (seen[w]) return false; seen[w] = true; return true; });
  }

  /* ---- highlighting: <mark> around what matched, never inside a tag or an entity -------------- */
  function highlight(html, needles) {
    html = String(html || "");
    var plain = "", at = [], i = 0, n = html.length;
    while (i < n) {                     /* each visible character, lower-cased, with its place in html */
      var c = html.charAt(i);
      if (c === "<") { var j = html.indexOf(">", i); i = j < 0 ? n : j + 1; continue; }
      if (c === "&") {
        var m = /^&(?:amp|lt|gt|quot|#39|#x27|nbsp);/i.exec(html.slice(i, i + 7));
        if (m) { plain += ENTITY[m[0].toLowerCase()]; at.push([i, i + m[0].length]); i += m[0].length; continue; }
      }
      if (/[\s\u200b\u3000]/.test(c)) { i++; continue; }
      plain += c.toLowerCase(); at.push([i, i + 1]); i++;
    }
    var open = new Array(n + 1), shut = new Array(n + 1), any = false;
    needles.forEach(function (needle) {
      if (!needle) return;
      for (var from = 0, k = 0, p; k < 20 && (p = plain.indexOf(needle, from)) >= 0; k++) {
        open[at[p][0]] = (open[at[p][0]] || 0) + 1;
        shut[at[p + needle.length - 1][1]] = (shut[at[p + needle.length - 1][1]] || 0) + 1;
        from = p + needle.length; any = true;
      }
    });
    if (!any) return html;
    var out = "", depth = 0;
    for (i = 0; i <= n; i++) {
      if (shut[i]) { depth -= shut[i]; if (depth === 0) out += "</mark>"; }
      if (open[i]) { if (depth === 0) out += "<mark>"; depth += open[i]; }
      if (i === n) break;
      if (html.charAt(i) === "<" && depth > 0) {           /* a tag inside a mark: close and reopen */
        var e = html.indexOf(">", i); e = e < 0 ? n - 1 : e;
        out += "</mark>" + html.slice(i, e + 1) + "<mark>";     /* (no mark starts or ends inside a tag) */
        i = e; continue;
      }
      out += html.charAt(i);
    }
    return out.replace(/<mark><\/mark>/g, "").replace(/<\/mark>([\u200b\s]*)<mark>/g, "$1");
  }

  /* ---- the ranking --------------------------------------------------------------------------- */
  function names(t) {                  /* 明湖市应急管理局（应急管理局） → the title, its parts, without the city */
    var out = [t];
    t.split(/[()（）]/).forEach(function (p) { if (p) out.push(p); });
    if (city) out.slice().forEach(function (p) { if (p.indexOf(city) === 0 && p.length > city.length) out.push(p.slice(city.length)); });
    return out;
  }
  function rank(query, partial) {
    try { return tiers(query, partial); }
    catch (e) { return []; }             /* never a reply out of step: Material's own answer still comes */
  }
  function tiers(query, partial) {
    var q = flat(query).replace(/["'+*~^]/g, "");
    if (!q) return [];
    var ws = words(query).map(flat).filter(function (w) { return w; });
    var content = ws.filter(function (w) { return w.length > 1 || ws.length === 1; });
    if (!content.length) content = ws;
    var isCode = /^[0-9a-z][0-9a-z._\-]{2,}$/.test(q) && /[0-9]/.test(q);
    var hits = [];
    for (var i = 0; i < docs.length; i++) {
      var t = T[i], x = X[i], tier = -1, have = 0;
      if (t.indexOf(q) >= 0) tier = names(t).indexOf(q) >= 0 ? 0 : 1;
      else if (isCode && C[i].indexOf(q) === 0) tier = 2;
      else if (x.indexOf(q) >= 0) tier = 3;
      else if (content.length > 1) {
        for (var w = 0; w < content.length; w++) if (t.indexOf(content[w]) >= 0 || x.indexOf(content[w]) >= 0) have += 1;
        if (have === content.length) tier = 4;
        else if (partial && have > 0 && 2 * have >= content.length) tier = 5;
      }
      if (tier < 0) continue;
      var inTitle = 0;
      for (var v = 0; v < content.length; v++) if (t.indexOf(content[v]) >= 0) inTitle += content[v].length;
      hits.push({i: i, tier: tier, kind: K[i],
                 near: t.length ? Math.min(1, (tier <= 1 ? q.length : inTitle) / t.length) : 0,
                 have: have, inTitle: inTitle, section: String(docs[i].location).indexOf("#") >= 0});
    }
    hits.sort(function (a, b) {
      return a.tier - b.tier || (a.tier >= 4 ? b.have - a.have || b.inTitle - a.inTitle : 0) ||
             a.section - b.section || a.kind - b.kind || b.near - a.near || T[a.i].length - T[b.i].length || a.i - b.i;
    });
    var groups = [], byPage = Object.create(null);
    for (var h = 0; h < hits.length && groups.length <= LIMIT; h++) {
      var hit = hits[h], d = docs[hit.i], loc = String(d.location), path = loc.split("#")[0];
      var shown = {}, marks = [];
      ws.forEach(function (wd) {
        var has = T[hit.i].indexOf(wd) >= 0 || X[hit.i].indexOf(wd) >= 0;
        shown[wd] = has;
        if (has) marks.push(wd);
      });
      if (hit.tier <= 3) { marks = [q]; ws.forEach(function (wd) { shown[wd] = true; }); }
      var item = {location: loc, title: highlight(d.title, marks), text: highlight(d.text, marks),
                  score: 1000 - 100 * hit.tier - hit.kind + hit.near, terms: shown};
      if (d.tags) item.tags = d.tags.slice();
      var group = byPage[path];
      if (!group) {
        if (groups.length >= LIMIT) break;
        group = byPage[path] = [];
        groups.push(group);
      }
      group.push(item);
    }
    groups.forEach(function (group) {  /* every group has its page first (Material shows a section under it) */
      var path = group[0].location.split("#")[0];
      if (group.some(function (it) { return it.location === path; })) return;
      var p = pages[path];
      if (p !== undefined) group.unshift({location: docs[p].location, title: docs[p].title, text: docs[p].text,
                                          score: group[0].score, terms: {}});
    });
    return groups;
  }
  function merge(ours, theirs) {       /* the tiers first, then what Material's lunr found beyond them */
    var seen = Object.create(null), items = (ours || []).slice();
    items.forEach(function (group) { seen[group[0].location.split("#")[0]] = true; });
    ((theirs && theirs.items) || []).forEach(function (group) {
      if (!group.length || seen[group[0].location.split("#")[0]]) return;
      mend(group);
      items.push(group);
    });
    var out = {items: items};
    if (theirs && theirs.suggest) out.suggest = theirs.suggest;
    return out;
  }
  function mend(group) {               /* a 缺少 mark for a word the hit's own title or text holds is wrong */
    group.forEach(function (item) {
      var t = item.terms || {}, seen = null;
      Object.keys(t).forEach(function (w) {
        if (t[w]) return;
        seen = seen || flat(item.title) + " " + flat(item.text);
        if (w && seen.indexOf(flat(w)) >= 0) t[w] = true;
      });
    });
  }

  /* ---- Material's worker, and the messages ----------------------------------------------------- */
  var ranked = [];                     /* our groups for each query handed to Material, in order */
  var full = null, fullReady = false, last = null, pendingFull = null, quick = false;
  self.postMessage = function (msg) {
    if (msg && msg.type === 3) msg = {type: 3, data: merge(ranked.shift(), msg.data)};
    var sent = post.call(self, msg);
    if (msg && msg.type === 3 && pendingFull) setTimeout(function () { if (pendingFull) pendingFull(); }, 0);
    return sent;
  };
  importScripts("ORIGINAL_NAME");
  self.addEventListener = add;

  function deliver(msg) { var ev = {data: msg}; listeners.forEach(function (fn) { fn(ev); }); }
  function rewrite(query) {            /* for Material: each Han run cut on whole terms, closed by U+3007 */
    if (typeof query !== "string") return query;
    return query.replace(/\p{sc=Han}+/gu, function (run) {
      return cutRun(run.toLowerCase()).map(function (w) { return terms.has(w) ? w + STOP : w; }).join(" ");
    });
  }
  function startFull(name, options) {
    if (typeof Worker === "undefined" || !/^[A-Za-z0-9_.\-]+$/.test(String(name))) return;
    var suggest = options && options.suggest ? "&policykit-suggest=1" : "";
    try { full = new Worker(String(self.location.href).split("?")[0] + "?policykit-full=" + encodeURIComponent(name) + suggest); }
    catch (e) { full = null; return; }
    full.onmessage = function (ev) {
      var msg = ev.data;
      if (msg && msg.type === 1) {                                  /* ready: it answers from now on, */
        fullReady = true;
        if (last !== null) full.postMessage(last);                    /* the question on screen first */
      }
      else if (msg && msg.type === 3) post.call(self, msg);
    };
  }
  if (FULL_MODE) {
    var name = (/[?&]policykit-full=([A-Za-z0-9_.\-]+)/.exec(String(self.location.search)) || [])[1];
    if (name) {
      fetch("../../../search/" + name).then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      }).then(function (data) {
        data.options = {suggest: /[?&]policykit-suggest=1/.test(String(self.location.search))};
        prepare(data);
        deliver({type: 0, data: data});          /* Material builds it and posts ready to the quick worker */
      }).catch(function () {});
    }
  }
  add.call(self, "message", function (ev) {
    var msg = ev.data;
    if (msg && msg.type === 0 && msg.data) {                             /* setup: the (quick) index */
      prepare(msg.data);
      var cfg = msg.data.config || {};
      if (!FULL_MODE && cfg.policykit_full) {
        /* the quick index: ranked here alone, no lunr index to build; the whole one after the first
           answer (or a moment's quiet): on two cores it would slow the first answer down */
        quick = true;
        var options = msg.data.options;
        pendingFull = function () { pendingFull = null; startFull(cfg.policykit_full, options); };
        setTimeout(function () { if (pendingFull) pendingFull(); }, 1500);
        post.call(self, {type: 1});
        return;
      }
    } else if (msg && msg.type === 2) {                                  /* a query */
      last = msg;
      if (fullReady) { full.postMessage(msg); return; }
      if (quick) {
        var result = {type: 3, data: {items: rank(msg.data, true)}};
        post.call(self, result);
        if (pendingFull) setTimeout(function () { if (pendingFull) pendingFull(); }, 0);
        return;
      }
      ranked.push(rank(msg.data, false));
      msg = {type: 2, data: rewrite(msg.data)};
    }
    deliver(msg);
  });
})();
