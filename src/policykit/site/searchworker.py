"""Material's search worker, wrapped so that a Chinese query is cut on whole index terms.

Material's worker cuts each run of Chinese characters greedily into terms of its index, but never
takes the run's last character into a longer term (its loop stops one short): 行政处罚 becomes
行政* + 处*, so 处 alone matches 医疗废物处置 and every hit is marked 缺少 行政. The wrapper, written
over Material's worker file after the build (the original is kept beside it and loaded by the
wrapper), learns the index's terms from the index Material sends it, cuts each run into the
longest terms it holds and closes each with U+3007 (a Han character no term holds): Material's own
cut then finds the whole term and stops. Anything else — other languages, modifiers, unknown
stretches — reaches Material unchanged. In the results, a term marked missing (缺少) that the hit's
own title or text holds (经营 inside the indexed word 生产经营) is not marked. The wrapper holds no
data of the lists.
"""
from __future__ import annotations

from pathlib import Path

WORKERS = Path("assets") / "javascripts" / "workers"
ORIGINAL = "search.material.js"
MARKER = "/* policykit: search worker wrapper */"

WRAPPER = MARKER + r"""
/* Material's search worker (loaded below from the file beside this one), with Chinese queries cut
   on whole index terms: Material never takes a run's last character into a longer term, so
   行政处罚 became 行政* 处*. Each run is cut here into the longest terms of the index, each closed
   with U+3007, which no term holds, so Material's own cut finds the whole term and stops. */
(function () {
  "use strict";
  var listeners = [], add = self.addEventListener;
  self.addEventListener = function (type, fn, opts) {
    if (type === "message") listeners.push(fn); else add.call(self, type, fn, opts);
  };
  /* results: a term Material marks missing (缺少) although the hit's own title or text holds it (经营
     inside 生产经营, a longer indexed word) is not missing: the mark is taken off */
  var post = self.postMessage;
  function plain(html) { return String(html || "").replace(/<[^>]*>/g, "").replace(/[\u200b\s]/g, "").toLowerCase(); }
  function mend(result) {
    ((result && result.items) || []).forEach(function (group) {
      group.forEach(function (item) {
        var terms = item.terms || {}, seen = null;
        Object.keys(terms).forEach(function (t) {
          if (terms[t]) return;
          seen = seen || plain(item.title) + " " + plain(item.text);
          if (t && seen.indexOf(t.toLowerCase()) >= 0) terms[t] = true;
        });
      });
    });
  }
  self.postMessage = function (msg) {
    if (msg && msg.type === 3) mend(msg.data);                         /* a result */
    var sent = post.apply(self, arguments);
    if (msg && msg.type === 3 && pendingFull) setTimeout(function () { if (pendingFull) pendingFull(); }, 0);
    return sent;
  };
  importScripts("ORIGINAL_NAME");
  self.addEventListener = add;
  var terms = null, maxLen = 2, STOP = "\u3007", MAX_TERM = 24;
  function learn(setup) {
    terms = new Set();
    var sep;
    try { sep = new RegExp(setup.config.separator); } catch (e) { sep = /[\s\u200b]+/; }
    (setup.docs || []).forEach(function (d) {
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
  function cut(run) {
    var out = [], pending = "", i = 0;
    while (i < run.length) {
      var best = 0;
      for (var l = Math.min(maxLen, run.length - i); l >= 2; l--) {
        if (terms.has(run.slice(i, i + l))) { best = l; break; }
      }
      if (best) {
        if (pending) { out.push(pending); pending = ""; }
        out.push(run.slice(i, i + best) + STOP);
        i += best;
      } else {
        pending += run.charAt(i);
        i += 1;
      }
    }
    if (pending) out.push(pending);
    return out.join(" ");
  }
  function rewrite(query) {
    if (!terms || typeof query !== "string") return query;
    return query.replace(/\p{sc=Han}+/gu, function (run) { return cut(run.toLowerCase()); });
  }
  /* A large index takes seconds to build (policykit splits it at build time, see split()). The page
     sends the quick index (the pages alone: titles and the start of their text, names and codes); it
     answers the first queries. This same script, started again as a worker of its own with
     ?policykit-full, fetches the whole index, builds it, answers again the query on screen, and then
     every query. */
  var FULL_MODE = /[?&]policykit-full\b/.test(String(self.location.search));
  var full = null, fullReady = false, last = null, pendingFull = null;
  function deliver(msg) { var ev = {data: msg}; listeners.forEach(function (fn) { fn(ev); }); }
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
      else if (msg && msg.type === 3) self.postMessage(msg);
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
        learn(data);
        deliver({type: 0, data: data});          /* Material builds it and posts ready to the quick worker */
      }).catch(function () {});
    }
  }
  add.call(self, "message", function (ev) {
    var msg = ev.data;
    if (msg && msg.type === 0 && msg.data) {                             /* setup: the (quick) index */
      learn(msg.data);
      var cfg = msg.data.config || {};
      var options = msg.data.options;
      if (!FULL_MODE && cfg.policykit_full) {
        /* after the first answer (or a moment's quiet): on two cores it would slow the first answer down */
        pendingFull = function () { pendingFull = null; startFull(cfg.policykit_full, options); };
        setTimeout(function () { if (pendingFull) pendingFull(); }, 1500);
      }
    } else if (msg && msg.type === 2) {                                  /* a query */
      last = msg;
      if (fullReady) { full.postMessage(msg); return; }
      msg = {type: 2, data: rewrite(msg.data)};
    }
    deliver(msg);
  });
})();
"""


def install(site_dir) -> bool:
    """Put the wrapper in place of Material's search worker in a built site; False when the site
    has no such worker (another theme) or it is wrapped already."""
    workers = Path(site_dir) / WORKERS
    if not workers.is_dir():
        return False
    found = [p for p in workers.glob("search.*.min.js") if p.is_file() and not p.is_symlink()]
    if len(found) != 1:
        return False
    worker = found[0]
    text = worker.read_text(encoding="utf-8")
    if text.startswith(MARKER):
        return False
    (workers / ORIGINAL).write_text(text, encoding="utf-8")
    worker.write_text(WRAPPER.replace("ORIGINAL_NAME", ORIGINAL), encoding="utf-8")
    return True


QUICK_ABOVE = 3000      # documents: a smaller index is not split
QUICK_TEXT = 48         # characters of a page's text kept in the quick index (an item's code, department, category)
FULL_NAME = "search_index.full.json"


def split(index_text: str, site_dir, above: int = QUICK_ABOVE) -> str:
    """The search index the page loads: for a large index, the quick one (pages only, their titles and
    the start of their text), with the whole index written beside it as ``search/search_index.full.json``
    for the wrapped worker to fetch and build in the background. A small index is returned unchanged."""
    import json
    data = json.loads(index_text)
    docs = data.get("docs") or []
    if len(docs) <= above:
        return index_text
    out = Path(site_dir) / "search"
    out.mkdir(parents=True, exist_ok=True)
    (out / FULL_NAME).write_text(index_text, encoding="utf-8")
    quick = []
    for doc in docs:
        if "#" in str(doc.get("location", "")):
            continue
        doc = dict(doc)
        text = doc.get("text")
        if isinstance(text, str) and len(text) > QUICK_TEXT:
            cut = text.rfind("\u200b", 0, QUICK_TEXT)
            doc["text"] = text[:cut if cut > 0 else QUICK_TEXT]
        quick.append(doc)
    data["docs"] = quick
    data["config"] = {**data.get("config", {}), "policykit_full": FULL_NAME}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
