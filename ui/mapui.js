/* reemap's map interface: escaping, popups and tooltips built as text, legend, basemap.
 *
 * Inlined once per page by ui/pointlayer.py, before pointlayer.js. Every string that comes
 * from data is put on the page with textContent, or through R.esc where Leaflet wants an
 * HTML string (tooltips), never as markup.
 */
(function () {
  "use strict";
  if (window.reemap) { return; }
  var R = window.reemap = { maps: [], sources: {} };
  var ESC = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

  R.esc = function (s) {
    return String(s).replace(/[&<>"']/g, function (c) { return ESC[c]; });
  };


  function num(x) {
    if (x === null || x === undefined) { return ""; }
    var v = +(+x).toPrecision(6);
    return v.toLocaleString("en-US", { maximumFractionDigits: Math.abs(v) >= 100 ? 0 : 2 });
  }
  function has(x) { return x !== null && x !== undefined && x !== ""; }
  function pct(x) { return has(x) ? num(x) + " %" : ""; }
  function join(parts) { return parts.filter(has).join(" "); }

  /* One popup row: its kind says how to read the feature's columns. */
  var KINDS = {
    text: function (g, i, f) { var v = g(f[0], i); return has(v) ? String(v) : ""; },
    list: function (g, i, f) { var v = g(f[0], i); return v && v.length ? v.join(", ") : ""; },
    pct: function (g, i, f) { return pct(g(f[0], i)); },
    number: function (g, i, f) { var v = g(f[0], i); return has(v) ? join([num(v), f[1]]) : ""; },
    amount: function (g, i, f) {
      var v = g(f[0], i);
      if (!has(v)) { return ""; }
      var year = f[2] ? g(f[2], i) : null;
      return join([num(v), g(f[1], i), has(year) ? "(" + year + ")" : ""]);
    },
    range: function (g, i, f) {
      var a = g(f[0], i), b = g(f[1], i);
      if (!has(a) && !has(b)) { return ""; }
      return (has(a) && has(b) && a !== b ? num(a) + "–" + num(b) : num(has(a) ? a : b)) + " " + f[2];
    },
    location: function (g, i, f) {
      var acc = g(f[0], i), km = g(f[1], i);
      if (!has(acc) && !has(km)) { return ""; }
      return [acc, has(km) ? "within " + num(km) + " km" : ""].filter(has).join(", ");
    },
    resource: function (g, i, f) {
      var mt = g(f[0], i), grade = g(f[1], i), cat = g(f[2], i), year = g(f[3], i);
      if (!has(mt) && !has(grade)) { return ""; }
      var extra = [cat, year].filter(has).join(", ");
      return join([has(mt) ? num(mt) + " Mt" : "", has(grade) ? "at " + num(grade) + " % TREO" : "",
        extra ? "(" + extra + ")" : ""]);
    },
    owners: function (g, i, f) {
      var v = g(f[0], i);
      if (!v || !v.length) { return ""; }
      return v.map(function (o) { return has(o.stake_pct) ? o.name + " " + num(o.stake_pct) + " %" : o.name; }).join("; ");
    },
    shares: function (g, i, f) {
      var v = g(f[0], i);
      if (!v) { return ""; }
      return f.slice(1).filter(function (k) { return has(v[k]); })
        .map(function (k) { return k + " " + num(v[k]) + " %"; }).join(", ");
    },
    flow: function (g, i, f) {
      var a = [g(f[0], i), g(f[2], i)].filter(has).join(" "), b = [g(f[1], i), g(f[3], i)].filter(has).join(" ");
      return a || b ? a + " → " + b : "";
    }
  };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (has(text)) { e.textContent = String(text); }
    return e;
  }

  /* Build the popup of feature i of a decoded layer L (DOM, text only). */
  R.popup = function (L_, i) {
    var g = L_.get, spec = L_.spec, box = el("div", "rm-pop");
    box.appendChild(el("div", "rm-title", g(spec.title, i)));
    box.appendChild(el("div", "rm-sub", [spec.label].concat(spec.sub.map(function (k) { return g(k, i); }))
      .filter(has).join(" · ")));
    if (spec.page && has(g("id", i))) { box.appendChild(R.pageLink(spec.page + "/" + g("id", i))); }
    var table = el("table", "rm-rows");
    var rows = spec.rows.slice();
    var eff = L_.eff && L_.eff[i];
    var src = g("sources", i) || [];
    var refs = R.figureRefs(spec, g, i);
    rows.forEach(function (r, k) {
      if (r[1] === "link") {  // [label, "link", url column, text column]
        var url = g(r[2], i), linkText = g(r[3], i);
        if (has(url) && /^https?:\/\//i.test(String(url))) {
          var tr = el("tr"), td = el("td"), a = el("a", null, has(linkText) ? linkText : url);
          a.href = String(url); a.target = "_blank"; a.rel = "noopener noreferrer";
          tr.appendChild(el("th", null, r[0])); td.appendChild(a); tr.appendChild(td);
          table.appendChild(tr);
        }
        return;
      }
      var text = KINDS[r[1]](g, i, r.slice(2));
      var cite = text ? refs[k] : [];
      if (r[1] === "owners" && eff) {
        var effText = Object.keys(eff).map(function (n) {
          return has(eff[n]) ? n + " " + num(eff[n]) + " %" : n + " (share unknown)";
        }).join("; ");
        if (text) { addRow(table, r[0], text, cite, src); }
        addRow(table, "Effective stake", effText, [], src);
        return;
      }
      if (text) { addRow(table, r[0], text, cite, src); }
    });
    box.appendChild(table);
    if (src.length) {
      var list = el("ol", "rm-src");
      src.forEach(function (s) {
        var li = el("li"), label = R.sourceLabel(s);
        if (has(s.url) && /^https?:\/\//i.test(s.url)) {
          var a = el("a", null, label);
          a.href = s.url; a.target = "_blank"; a.rel = "noopener noreferrer";
          li.appendChild(a);
        } else { li.textContent = label; }
        list.appendChild(li);
      });
      box.appendChild(el("div", "rm-src-title", "Sources ([n] beside a figure: the source stating it)"));
      box.appendChild(list);
    }
    var asOf = g("as_of", i), checked = g("checked_on", i);
    if (has(asOf) || has(checked)) {
      box.appendChild(el("div", "rm-asof", [has(asOf) ? "Figures as of " + asOf : "",
        has(checked) ? "checked against the sources on " + checked : ""].filter(has).join(" · ")));
    }
    return box;
  };
  /* A link to the feature's own page (?asset=layer/id) in the app that holds the map. The
     map runs in the app's iframe, which may not navigate the app's window: the page opens in
     a new tab, at the app's own address (read from the window on top when it allows). */
  R.pageLink = function (key) {
    var base = window.location.href;
    try { base = window.top.location.href; } catch (e) { /* another origin: this frame's */ }
    var url = new URL(base);
    url.search = "?asset=" + encodeURIComponent(key).replace(/%2F/g, "/");
    url.hash = "";
    var a = el("a", "rm-page", "Details: every figure with its source, owners, flows \u2192");
    a.href = url.toString(); a.target = "_blank"; a.rel = "noopener";
    a.setAttribute("data-asset", key);
    return a;
  };
  /* "Title, publisher (date) · kind", as a source is shown beside a figure and in the list. */
  R.sourceLabel = function (s) {
    return s.title + (has(s.publisher) ? ", " + s.publisher : "") + (has(s.date) ? " (" + s.date + ")" : "") +
      (has(s.kind) ? " · " + s.kind : "");
  };
  /* For each popup row, the 0-based indexes of the sources stating its figures. */
  R.figureRefs = function (spec, g, i) {
    var named = g("figure_sources", i) || {}, owners = g("owners", i) || [];
    return (spec.figs || []).map(function (keys) {
      var out = [];
      keys.forEach(function (key) {
        var list = key === "@stakes" ? owners.filter(function (o) { return has(o.stake_pct); })
          .map(function (o) { return "stake:" + o.name; }) : [key];
        list.forEach(function (k) {
          var at = named[k];
          if (!has(at) && k === "hree_share_pct") { at = named.element_shares_pct; }  // computed share
          if (has(at) && out.indexOf(at) < 0) { out.push(at); }
        });
      });
      return out;
    });
  };
  function addRow(table, label, text, cite, src) {
    var tr = el("tr"), td = el("td", null, text);
    tr.appendChild(el("th", null, label));
    var shown = cite.filter(function (at) { return src[at]; });
    if (shown.length) {
      td.appendChild(el("span", "rm-ref", " " + shown.map(function (at) { return "[" + (at + 1) + "]"; }).join("")));
      td.title = "Source: " + shown.map(function (at) { return R.sourceLabel(src[at]); }).join("; ");
    }
    tr.appendChild(td);
    table.appendChild(tr);
  }

  /* The tooltip: an escaped HTML string (streamlit-folium reads it back as text). */
  R.tooltip = function (L_, i) {
    var g = L_.get, spec = L_.spec;
    var sub = [spec.label].concat(spec.sub.map(function (k) { return g(k, i); })).filter(has).join(" · ");
    return "<b>" + R.esc(g(spec.title, i) || "") + "</b><br>" + R.esc(sub);
  };

  /* The country outlines, drawn in three world copies under everything else. */
  R.basemap = function (map, data, filled) {
    if (!map.getPane("rmBase")) { map.createPane("rmBase").style.zIndex = 250; }
    var renderer = L.canvas({ pane: "rmBase", padding: 0.3 });
    var style = filled ? { color: "#9aa3ab", weight: 0.6, fillColor: "#f4f1ea", fillOpacity: 1 }
      : { color: "#6b7580", weight: 0.6, fill: false };
    map.getContainer().style.background = filled ? "#dce8f0" : "";
    [-360, 0, 360].forEach(function (off) {
      L.geoJSON(data, {
        pane: "rmBase", renderer: renderer, interactive: false, style: style,
        coordsToLatLng: function (c) { return L.latLng(c[1], c[0] + off); }
      }).addTo(map);
    });
  };

  /* The wheel zooms the map only after a press inside it, until the pointer leaves: a page
     scrolled with the wheel over the map scrolls on, instead of being caught by the map. */
  R.wheel = function (map) {
    var box = map.getContainer();
    map.scrollWheelZoom.disable();
    box.addEventListener("mousedown", function () { map.scrollWheelZoom.enable(); });
    box.addEventListener("touchstart", function () { map.scrollWheelZoom.enable(); });
    box.addEventListener("mouseleave", function () { map.scrollWheelZoom.disable(); });
  };

  /* The legend: a map control built from a spec, text only. */
  R.legend = function (map, spec) {
    var ctl = L.control({ position: "bottomleft" });
    ctl.onAdd = function () {
      var outer = el("div", "rm-legend leaflet-control"), box = el("div", "rm-legend-body");
      L.DomEvent.disableClickPropagation(outer);
      L.DomEvent.disableScrollPropagation(outer);
      var head = el("button", "rm-legend-title");
      head.type = "button";
      head.title = "Show or hide the legend";
      var fold = function (folded) {  // the arrow says which way a click goes
        box.style.display = folded ? "none" : "";
        head.textContent = spec.title + (folded ? " \u25b8" : " \u25be");
        head.setAttribute("aria-expanded", folded ? "false" : "true");
      };
      head.onclick = function () { fold(box.style.display !== "none"); };
      outer.appendChild(head);
      outer.appendChild(box);
      fold(map.getSize().y < 700);  // the app's 620 px map: folded to its title, one click away
      spec.sections.forEach(function (s) {
        box.appendChild(el("div", "rm-legend-head", s.title));
        s.items.forEach(function (it) {
          var row = el("div", "rm-legend-row"), sw = el("span", "rm-swatch " + (s.shape || "dot"));
          sw.style.background = it[0];
          row.appendChild(sw); row.appendChild(el("span", null, it[1]));
          box.appendChild(row);
        });
        if (s.note) { box.appendChild(el("div", "rm-legend-note", s.note)); }
      });
      if (spec.note) { box.appendChild(el("div", "rm-legend-note", spec.note)); }
      return outer;
    };
    ctl.addTo(map);
    return ctl;
  };

  var css = ".rm-pop{font:12px/1.35 system-ui,sans-serif;max-width:340px}.rm-title{font-weight:600;font-size:14px}" +
    ".rm-sub{color:#555;margin-bottom:4px}.rm-page{display:block;margin:2px 0 6px;font-weight:600}.rm-rows th{text-align:left;padding-right:8px;vertical-align:top;color:#444;font-weight:500}" +
    ".rm-rows td{vertical-align:top}.rm-src{margin:2px 0 4px 16px;padding:0}.rm-src-title{font-weight:600;margin-top:4px}.rm-ref{color:#2a6fb0;font-size:90%}" +
    ".rm-asof{color:#666}.rm-legend{background:rgba(255,255,255,.93);padding:6px 9px;border-radius:4px;" +
    "font:11px/1.3 system-ui,sans-serif;max-width:250px;max-height:60vh;overflow:auto;box-shadow:0 1px 4px rgba(0,0,0,.3)}" +
    ".rm-legend-title{font:700 12px system-ui,sans-serif;border:0;background:none;padding:0;cursor:pointer}.rm-legend-head{font-weight:600;margin-top:5px}" +
    ".rm-legend-row{display:flex;align-items:center;gap:5px}.rm-swatch{display:inline-block;width:11px;height:11px;" +
    "border:1px solid #444;flex:none}.rm-swatch.dot{border-radius:50%}.rm-swatch.line{height:4px;border:none}" +
    ".rm-legend-note{color:#555;margin-top:4px}";
  var st = document.createElement("style");
  st.textContent = css;
  document.head.appendChild(st);
  R.el = el;
})();
