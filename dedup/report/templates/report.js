/* dedup review report: draws the lists from the packed data (gzip + base64 JSON).
   Every value from the data reaches the document through textContent or an attribute set
   with setAttribute: never through innerHTML. */
(function () {
  "use strict";
  var root = document.documentElement;
  var PAGE = 50;            // rows per page of every list
  var WINDOW = 6;           // words per passage window: about the scan's 40 characters
  var D = null;             // the data
  var relationName = [];

  function el(tag, props, children) {
    var node = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (key) {
        if (key === "text") node.textContent = props[key];
        else if (key === "onclick") node.addEventListener("click", props[key]);
        else node.setAttribute(key, props[key]);
      });
    }
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) {
        node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
      }
    });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function fmt(value) { return value === null || value === undefined ? "" : Number(value).toFixed(3); }
  function status(message) {
    var node = document.getElementById("status");
    node.textContent = message;
    node.hidden = false;
  }

  async function load() {
    var packed = document.getElementById("report-data").textContent.trim();
    var binary = atob(packed);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    if (typeof DecompressionStream === "undefined") {
      throw new Error("this browser has no DecompressionStream (Chromium 80+, Firefox 113+, Safari 16.4+)");
    }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    var text = await new Response(stream).text();
    return JSON.parse(text);
  }

  /* ---- articles ---- */
  function art(n) {
    var a = D.articles;
    return { n: n, id: a.id[n], title: a.title[n], source: D.sources[a.source[n]], date: a.date[n] };
  }
  var clusterOf = null;
  function indexClusters() {
    clusterOf = new Int32Array(D.articles.id.length);
    var c = D.clusters;
    for (var k = 0; k < c.id.length; k++) {
      for (var m = c.start[k]; m < c.start[k + 1]; m++) clusterOf[c.member[m]] = k;
    }
  }
  var numberOf = null;
  function byId(id) {
    if (numberOf === null) {
      numberOf = new Map();
      D.articles.id.forEach(function (value, n) { numberOf.set(value, n); });
    }
    return numberOf.has(id) ? numberOf.get(id) : -1;
  }
  function idLink(n) {
    return el("a", { href: "#article=" + encodeURIComponent(D.articles.id[n]), "class": "id", text: D.articles.id[n] });
  }

  /* ---- normalization (search and passages), after dedup/normalize.py: diacritics, tatweel,
     alef forms, Persian ya/kaf/ha, ta marbuta, Arabic-Indic digits ---- */
  var MARKS = /[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]/g;
  function norm(word) {
    return word.replace(MARKS, "")
      .replace(/[\u0622\u0623\u0625\u0671]/g, "\u0627")
      .replace(/[\u0649\u06CC\u06D2]/g, "\u064A").replace(/[\u0629\u06C0\u06C1\u06D5]/g, "\u0647")
      .replace(/\u06A9/g, "\u0643")
      .replace(/[\u0660-\u0669]/g, function (d) { return String(d.charCodeAt(0) - 0x660); })
      .replace(/[\u06F0-\u06F9]/g, function (d) { return String(d.charCodeAt(0) - 0x6F0); })
      .replace(/[^\p{L}\p{N}]/gu, "").toLowerCase();
  }
  function words(text) { return text.split(/\s+/).map(norm).filter(Boolean); }

  /* ---- pager ---- */
  function pager(target, total, draw) {
    var box = document.querySelector('.pager[data-for="' + target + '"]');
    var page = 0;
    function show() {
      draw(page * PAGE, Math.min(total, (page + 1) * PAGE));
      clear(box);
      if (total <= PAGE) return;
      var last = Math.ceil(total / PAGE) - 1;
      box.appendChild(el("button", { type: "button", text: "السابق · previous", onclick: function () { if (page > 0) { page--; show(); } } }));
      box.appendChild(el("span", { "class": "muted", text: (page + 1) + " / " + (last + 1) }));
      box.appendChild(el("button", { type: "button", text: "التالي · next", onclick: function () { if (page < last) { page++; show(); } } }));
    }
    show();
  }

  /* ---- clusters ---- */
  var titleWords = null;   // normalized titles, made at the first search
  function clusterMatches(k, query) {
    var c = D.clusters;
    if (titleWords === null) titleWords = D.articles.title.map(function (t) { return " " + words(t).join(" ") + " "; });
    for (var m = c.start[k]; m < c.start[k + 1]; m++) {
      var n = c.member[m];
      if (query.id !== "" && D.articles.id[n].indexOf(query.id) === 0) return true;
      if (query.words.length && query.words.every(function (w) { return titleWords[n].indexOf(w) >= 0; })) return true;
    }
    return false;
  }
  function drawClusters() {
    var raw = document.getElementById("query").value.trim();
    var only = document.getElementById("duplicates-only").checked;
    var query = { id: raw, words: words(raw) };
    var chosen = [];
    for (var k = 0; k < D.clusters.id.length; k++) {
      if (only && !raw && D.clusters.size[k] < 2) continue;
      if (raw && !clusterMatches(k, query)) continue;
      chosen.push(k);
    }
    document.getElementById("cluster-count").textContent =
      chosen.length + " of " + D.clusters.id.length + " clusters" + (raw ? " match" : "");
    var list = document.getElementById("cluster-list");
    pager("cluster-list", chosen.length, function (from, to) {
      clear(list);
      for (var i = from; i < to; i++) list.appendChild(clusterItem(chosen[i], false));
    });
  }
  function clusterItem(k, open) {
    var c = D.clusters;
    var canonical = art(c.member[c.start[k]]);
    var item = el("li", { "data-cluster": c.id[k] });
    var head = el("button", { type: "button", "class": "head" }, [
      el("span", { "class": "size", text: String(c.size[k]) }),
      el("span", { "class": "title", text: canonical.title || canonical.id }), " ",
      el("small", { "class": "id", text: c.id[k] })
    ]);
    var body = null;
    head.addEventListener("click", function () {
      if (body) { item.removeChild(body); body = null; return; }
      body = membersTable(k);
      item.appendChild(body);
    });
    item.appendChild(head);
    if (open) { body = membersTable(k); item.appendChild(body); }
    return item;
  }
  function membersTable(k) {
    var c = D.clusters;
    var canonical = c.member[c.start[k]];
    var rows = [el("tr", null, ["", "id", "title", "source", "date", "relation", "similarity", "containment", "via", ""].map(function (h) { return el("th", { text: h }); }))];
    for (var m = c.start[k]; m < c.start[k + 1]; m++) {
      var a = art(c.member[m]);
      var relation = D.relations[c.rel[m]];
      var action = null;
      if (m > c.start[k]) {
        action = el("button", { type: "button", "class": "link", text: "جنبا إلى جنب · side by side" });
        action.addEventListener("click", showPair.bind(null, canonical, a.n));
      }
      rows.push(el("tr", { "class": relation === "canonical" ? "canonical" : "", "data-member": a.id }, [
        el("td", { text: String(m - c.start[k] + 1) }), el("td", null, [idLink(a.n)]),
        el("td", { "class": "title", text: a.title }), el("td", { text: a.source }),
        el("td", { "class": "num", text: a.date }), el("td", { text: relation }),
        el("td", { "class": "num", text: fmt(c.sim[m]) }), el("td", { "class": "num", text: fmt(c.con[m]) }),
        el("td", null, [c.via[m] >= 0 ? idLink(c.via[m]) : null]), el("td", null, [action])
      ]));
    }
    return el("table", { "class": "members" }, rows);
  }

  /* ---- side by side ---- */
  function tokens(entry) {
    /* [{text, struck, start, key}] for a text and its struck (furniture) ranges */
    var text = entry[0], spans = entry[1], out = [], position = 0;
    function push(from, to, struck) {
      var part = text.slice(from, to), re = /\S+|\s+/g, found;
      while ((found = re.exec(part)) !== null) {
        var word = found[0];
        out.push({ text: word, struck: struck, key: struck || /^\s/.test(word) ? "" : norm(word) });
      }
    }
    spans.forEach(function (span) { push(position, span[0], false); push(span[0], span[1], true); position = span[1]; });
    push(position, text.length, false);
    return out;
  }
  function windows(keys) {
    var set = new Set();
    for (var i = 0; i + WINDOW <= keys.length; i++) set.add(keys.slice(i, i + WINDOW).join(" "));
    return set;
  }
  function shared(mine, theirs) {
    /* which of my word tokens lie in a WINDOW-word run found in the other text */
    var wordsOnly = mine.filter(function (t) { return t.key; });
    var other = windows(theirs.filter(function (t) { return t.key; }).map(function (t) { return t.key; }));
    var keys = wordsOnly.map(function (t) { return t.key; });
    for (var i = 0; i + WINDOW <= keys.length; i++) {
      if (other.has(keys.slice(i, i + WINDOW).join(" "))) {
        for (var j = i; j < i + WINDOW; j++) wordsOnly[j].shared = true;
      }
    }
  }
  function figure(key) { return /^[0-9][0-9.,\u066B\u066C]*$/.test(key) ? key.replace(/[.,\u066B\u066C]/g, "") : ""; }
  function markFigures(mine, theirs) {
    var present = new Set(theirs.map(function (t) { return figure(t.key); }).filter(Boolean));
    mine.forEach(function (t) { var f = figure(t.key); if (f && !present.has(f)) t.figure = true; });
  }
  function kind(t) { return t.struck ? "del" : t.figure ? "figure" : t.shared ? "mark" : ""; }
  function textNode(list) {
    /* runs of one kind in one element; the space between two marked words joins their run */
    list.forEach(function (t, i) {
      if (t.key || t.struck || !/^\s/.test(t.text)) return;
      var before = list[i - 1], after = list[i + 1];
      if (before && after && kind(before) === kind(after)) t.run = kind(before);
    });
    var box = el("div", { "class": "text" }), current = null, currentKind = "";
    list.forEach(function (t) {
      var k = t.run !== undefined ? t.run : kind(t);
      if (k !== currentKind || current === null) {
        currentKind = k;
        current = k === "" ? box : box.appendChild(
          k === "figure" ? el("mark", { "class": "figure" }) : el(k));
      }
      current.appendChild(document.createTextNode(t.text));
    });
    return box;
  }
  function explanationOf(a, b) {
    var found = D.explain[a + "," + b] || D.explain[b + "," + a];
    if (!found) return null;
    var rows = [
      ["decided by", found.decided_by], ["duplicate", found.duplicate ? "yes" + (found.relation ? " (" + found.relation + ")" : "") : "no"],
      ["Jaccard", fmt(found.jaccard)], ["containment", fmt(found.containment)], ["passages", fmt(found.passages)],
      ["days apart", found.days_apart === null ? "undated" : Number(found.days_apart).toFixed(1)],
      ["MinHash estimate", fmt(found.estimate) + " (prefilter needs " + fmt(found.minimum_estimate) + ")"],
      ["template guard", found.template || "not asked"]
    ];
    var list = el("dl", { "class": "explain" });
    rows.forEach(function (r) { list.appendChild(el("dt", { text: r[0] })); list.appendChild(el("dd", { text: String(r[1]) })); });
    return list;
  }
  function side(n, entry, label) {
    var a = art(n);
    var parts = [el("h3", null, [label + " ", idLink(n)]), el("p", { "class": "title", text: a.title }),
      el("p", { "class": "muted", text: [a.source, a.date].filter(Boolean).join(" · ") })];
    return el("div", { "class": "side", "data-side": a.id }, parts);
  }
  function showPair(left, right) {
    var view = document.getElementById("view"), body = clear(document.getElementById("view-body"));
    var first = D.texts[left], second = D.texts[right];
    var boxes = [side(left, first, "canonical / a"), side(right, second, "b")];
    if (first && second) {
      var x = tokens(first), y = tokens(second);
      shared(x, y); shared(y, x); markFigures(x, y); markFigures(y, x);
      boxes[0].appendChild(textNode(x)); boxes[1].appendChild(textNode(y));
      [first, second].forEach(function (entry, i) {
        if (entry[2]) boxes[i].appendChild(el("p", { "class": "muted", text: "(cut at " + D.budget.chars_per_text + " characters)" }));
      });
    } else {
      body.appendChild(el("p", { "class": "warn", text: "The texts of this pair are not in the page (over its text budget of " +
        D.budget.text_chars + " characters). Run: dedup explain INPUT... --ids " + D.articles.id[left] + " " + D.articles.id[right] }));
    }
    var why = explanationOf(left, right);
    if (why) body.appendChild(why);
    body.appendChild(el("div", { "class": "sides" }, boxes));
    view.hidden = false;
    view.scrollTop = 0;
    history.replaceState(null, "", "#pair=" + encodeURIComponent(D.articles.id[left]) + "," + encodeURIComponent(D.articles.id[right]));
  }

  function closeView() {
    document.getElementById("view").hidden = true;
    if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  }

  /* ---- one article: cluster, related list, text ---- */
  function showArticle(n) {
    var view = document.getElementById("view"), body = clear(document.getElementById("view-body"));
    var a = art(n), k = clusterOf[n];
    body.appendChild(el("div", { "class": "article", "data-article": a.id }, [
      el("h3", { "class": "title", text: a.title || a.id }),
      el("p", { "class": "muted" }, [idLink(n), " · " + [a.source, a.date].filter(Boolean).join(" · ")]),
      el("p", null, ["cluster of " + D.clusters.size[k] + ": ", el("span", { "class": "id", text: D.clusters.id[k] })])
    ]));
    body.appendChild(el("ol", { "class": "clusters" }, [clusterItem(k, true)]));
    body.appendChild(relatedList(n));
    if (D.texts[n]) body.appendChild(textNode(tokens(D.texts[n])));
    view.hidden = false;
    view.scrollTop = 0;
  }
  function relatedList(n) {
    var r = D.related, items = [];
    for (var i = r.start[n]; i < r.start[n + 1]; i++) {
      items.push(el("li", null, [el("span", { "class": "num", text: fmt(r.score[i]) }), " ", idLink(r.id[i]), " ",
        el("span", { "class": "title", text: D.articles.title[r.id[i]] })]));
    }
    var box = el("div", { "class": "related", "data-related": D.articles.id[n] }, [el("h4", { text: "ذات صلة · related (" + items.length + ")" })]);
    box.appendChild(items.length ? el("ol", null, items) : el("p", { "class": "muted", text: "no related list" }));
    return box;
  }

  /* ---- template pairs, near the threshold, rejects, related ---- */
  function pairRow(row) {
    var button = el("button", { type: "button", "class": "link", text: "جنبا إلى جنب · side by side" });
    button.addEventListener("click", showPair.bind(null, row[0], row[1]));
    return el("tr", { "data-pair": D.articles.id[row[0]] + " " + D.articles.id[row[1]] }, [
      el("td", null, [idLink(row[0]), " ", el("span", { "class": "title", text: D.articles.title[row[0]] })]),
      el("td", null, [idLink(row[1]), " ", el("span", { "class": "title", text: D.articles.title[row[1]] })]),
      el("td", { "class": "num", text: fmt(row[2]) }), el("td", { "class": "num", text: fmt(row[3]) }),
      el("td", null, [row[4] ? row[4] + " " : "not kept ", button])
    ]);
  }
  function drawTemplates() {
    var rows = D.templates.rows, body = document.getElementById("template-rows");
    document.getElementById("templates-count").textContent = D.templates.total + " template pairs" +
      (D.templates.total > rows.length ? ", the " + rows.length + " most similar listed" : "");
    pager("template-rows", rows.length, function (from, to) {
      clear(body);
      for (var i = from; i < to; i++) body.appendChild(pairRow(rows[i]));
    });
  }
  function drawNear() {
    var box = clear(document.getElementById("near-lists"));
    var t = D.thresholds;
    var captions = { jaccard: "jaccard_threshold " + t.jaccard, containment: "containment_threshold " + t.containment + " (pairs under the Jaccard threshold, Jaccard at least " + t.min_jaccard_for_containment + ")" };
    Object.keys(D.near).sort().forEach(function (rule) {
      ["under", "over"].forEach(function (sideName) {
        var rows = D.near[rule][sideName];
        var head = el("tr", null, ["a", "b", "Jaccard", "containment", "relation"].map(function (h) { return el("th", { text: h }); }));
        box.appendChild(el("h3", { text: (sideName === "under" ? "just under " : "at or just over ") + captions[rule] + " (" + rows.length + ")" }));
        box.appendChild(el("table", { "class": "pairs", "data-near": rule + "-" + sideName }, [el("thead", null, [head]), el("tbody", null, rows.map(pairRow))]));
      });
    });
  }
  function drawRejects() {
    var r = D.rejects, body = document.getElementById("reject-rows");
    document.getElementById("rejects-count").textContent = r.total + " rejected records" + (r.total > r.rows.length ? ", the first " + r.rows.length + " listed" : "");
    pager("reject-rows", r.rows.length, function (from, to) {
      clear(body);
      for (var i = from; i < to; i++) {
        var row = r.rows[i];
        body.appendChild(el("tr", null, [el("td", { "class": "id", text: r.files[row[0]] }), el("td", { "class": "num", text: String(row[1]) }),
          el("td", { "class": "id", text: row[2] === null ? "" : String(row[2]) }), el("td", { text: row[3] })]));
      }
    });
  }
  function drawRelated() {
    var r = D.related, box = document.getElementById("related-lists"), having = [];
    for (var n = 0; n < r.start.length - 1; n++) if (r.start[n + 1] > r.start[n]) having.push(n);
    pager("related-lists", having.length, function (from, to) {
      clear(box);
      for (var i = from; i < to; i++) {
        var list = relatedList(having[i]);
        list.insertBefore(el("p", null, [idLink(having[i]), " ", el("span", { "class": "title", text: D.articles.title[having[i]] })]), list.firstChild);
        box.appendChild(list);
      }
    });
  }

  /* ---- hash routes: #pair=A,B  #article=ID  #cluster=CID  #q=words ---- */
  function route() {
    var hash = location.hash.slice(1), eq = hash.indexOf("=");
    if (eq < 0) return;
    var key = hash.slice(0, eq), value = hash.slice(eq + 1);
    if (key === "pair") {
      var ids = value.split(",").map(decodeURIComponent), a = byId(ids[0]), b = byId(ids[1]);
      if (a >= 0 && b >= 0) showPair(a, b);
    } else if (key === "article") {
      var n = byId(decodeURIComponent(value));
      if (n >= 0) showArticle(n);
    } else if (key === "cluster") {
      var k = D.clusters.id.indexOf(decodeURIComponent(value));
      if (k >= 0) showArticle(D.clusters.member[D.clusters.start[k]]);
    } else if (key === "q") {
      document.getElementById("query").value = decodeURIComponent(value);
      drawClusters();
      document.getElementById("clusters").scrollIntoView();
    }
  }

  load().then(function (data) {
    D = data;
    indexClusters();
    drawClusters();
    drawTemplates();
    drawNear();
    drawRejects();
    drawRelated();
    var timer = null;
    document.getElementById("query").addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(drawClusters, 150); });
    document.getElementById("duplicates-only").addEventListener("change", drawClusters);
    document.getElementById("search").addEventListener("submit", function (event) { event.preventDefault(); drawClusters(); });
    window.addEventListener("hashchange", route);
    document.getElementById("view-close").addEventListener("click", closeView);
    document.addEventListener("keydown", function (event) { if (event.key === "Escape") closeView(); });
    route();
    root.setAttribute("data-ready-ms", String(Math.round(performance.now())));
    root.setAttribute("data-ready", "1");
  }).catch(function (error) {
    status("The report's data could not be read: " + error);
    root.setAttribute("data-errors", (root.getAttribute("data-errors") || "") + String(error));
  });
})();
