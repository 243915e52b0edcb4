/* reemap's compact layers: columnar payloads drawn on one shared Leaflet canvas.
 *
 * Inlined once per page by ui/pointlayer.py, after mapui.js (which defines window.reemap,
 * the popups and the legend). See ui/pointlayer.py for the payload format.
 */
(function () {
  "use strict";
  var R = window.reemap;
  if (R.Cloud) { return; }
  var el = R.el;

  function b64(s, T) {
    var bin = atob(s), n = bin.length, u = new Uint8Array(n);
    for (var i = 0; i < n; i++) { u[i] = bin.charCodeAt(i); }
    return new T(u.buffer);
  }
  var WIDTH = { 1: Uint8Array, 2: Uint16Array, 4: Uint32Array };

  function column(c) {
    if (c.t === "s") { return function (i) { return c.v[i]; }; }
    if (c.t === "k") { return function () { return c.v; }; }
    if (c.t === "f") {
      var f = b64(c.v, Float32Array);
      return function (i) { var x = f[i]; return isNaN(x) ? null : x; };
    }
    var ix = b64(c.i, WIDTH[c.w]);
    return function (i) { var j = ix[i]; return j ? c.d[j - 1] : null; };
  }

  /* Payloads are JSON, or deflated JSON in base64 when large. */
  R.load = function (packed) {
    if (typeof packed !== "string") { return Promise.resolve(packed); }
    var bytes = b64(packed, Uint8Array);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).text().then(JSON.parse);
  };

  function decode(p) {
    var cols = {};
    Object.keys(p.cols).forEach(function (k) { cols[k] = column(p.cols[k]); });
    (p.sources || []).forEach(function (s) { R.sources[s] = true; });
    return {
      n: p.n, spec: p.spec, eff: p.eff || null, name: p.name,
      get: function (k, i) { var c = cols[k]; return c ? c(i) : null; }
    };
  }

  /* Points (and arrowheads) as one canvas path: projected once per zoom, hit-tested on a grid. */
  R.Cloud = L.Path.extend({
    options: { interactive: true, stroke: true, weight: 1, color: "#333", fillOpacity: 0.8, kind: "circle" },
    initialize: function (d, options) {
      L.setOptions(this, options);
      this._d = d;
      this._hit = -1;
      this.drawn = 0;
      var n = d.n, lat = d.lat, lon = d.lon;
      this._x0 = new Float64Array(n); this._y0 = new Float64Array(n);
      if (d.lat2) { this._x1 = new Float64Array(n); this._y1 = new Float64Array(n); }
      for (var i = 0; i < n; i++) {
        this._x0[i] = mercX(lon[i] / 1e5); this._y0[i] = mercY(lat[i] / 1e5);
        if (d.lat2) { this._x1[i] = mercX(d.lon2[i] / 1e5); this._y1[i] = mercY(d.lat2[i] / 1e5); }
      }
      // draw order: by colour, so that each colour is one fill
      // the last colour (unknown) at the bottom, the ramp's top on top
      var count = new Uint32Array(257), order = new Uint32Array(n), c = d.c, np = d.pal.length;
      var rank = function (v) { return (v + 1) % np; };
      for (i = 0; i < n; i++) { count[rank(c[i]) + 1]++; }
      for (i = 1; i < 257; i++) { count[i] += count[i - 1]; }
      for (i = 0; i < n; i++) { order[count[rank(c[i])]++] = i; }
      this._seq = order;
    },
    latLngOf: function (i) { return L.latLng(this._d.lat[i] / 1e5, this._d.lon[i] / 1e5); },
    _project: function () {
      var m = this._map, s = m.getZoomScale(m.getZoom(), 0), o = m.getPixelOrigin(), n = this._d.n;
      this._px = new Float32Array(n); this._py = new Float32Array(n);
      this._world = 256 * s;
      var minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity, rmax = 0;
      for (var i = 0; i < n; i++) {
        var x = this._x0[i] * s - o.x, y = this._y0[i] * s - o.y;
        this._px[i] = x; this._py[i] = y;
        if (x < minx) { minx = x; } if (x > maxx) { maxx = x; }
        if (y < miny) { miny = y; } if (y > maxy) { maxy = y; }
        if (this._d.r[i] > rmax) { rmax = this._d.r[i]; }
      }
      if (this._x1) {
        this._qx = new Float32Array(n); this._qy = new Float32Array(n);
        for (i = 0; i < n; i++) { this._qx[i] = this._x1[i] * s - o.x; this._qy[i] = this._y1[i] * s - o.y; }
      }
      this._rmax = rmax / 2 + 4;
      var w = this._world, pad = this._rmax;
      this._pxBounds = n ? L.bounds([minx - w - pad, miny - pad], [maxx + w + pad, maxy + pad]) : null;
      this._grid = null;
    },
    _empty: function () { return !this._d.n; },
    _update: function () { if (this._map) { this._updatePath(); } },
    _shifts: function () {
      // world copies left and right, so points meet lines drawn past the antimeridian
      return this.options.kind === "arrow" ? [0] : [-this._world, 0, this._world];
    },
    _updatePath: function () {
      var rr = this._renderer;
      if (!rr._drawing || this._empty()) { return; }
      var ctx = rr._ctx, d = this._d, pal = d.pal, b = rr._bounds, order = this._seq, shifts = this._shifts();
      ctx.lineWidth = this.options.weight;
      ctx.strokeStyle = this.options.color;
      var x0 = b.min.x - this._rmax, x1 = b.max.x + this._rmax, y0 = b.min.y - this._rmax, y1 = b.max.y + this._rmax;
      var drawn = 0, k, i, j, x, y, r;
      var arrow = this.options.kind === "arrow";
      var raster = arrow ? null : this._raster(b);
      ctx.globalAlpha = 1;
      if (arrow) { ctx.beginPath(); ctx.fillStyle = pal[0]; }
      for (j = 0; j < order.length; j++) {
        i = order[j];
        r = d.r[i] / 2;
        var seen = false;
        for (k = 0; k < shifts.length; k++) {
          x = this._px[i] + shifts[k]; y = this._py[i];
          if (x < x0 || x > x1 || y < y0 || y > y1) { continue; }
          if (!seen) { drawn++; seen = true; }
          if (arrow) { this._arrow(ctx, i, x, y, r); } else { this._stamp(raster, this._stampOf(d.c[i], d.r[i], raster), (x - b.min.x) * raster.dpr, (y - b.min.y) * raster.dpr); }
        }
      }
      if (arrow) { ctx.fill(); } else {
        raster.ctx.putImageData(raster.img, 0, 0);
        ctx.drawImage(raster.canvas, b.min.x, b.min.y, raster.w / raster.dpr, raster.h / raster.dpr);
      }
      if (d.hl && d.hl.length) {
        ctx.lineWidth = 3; ctx.strokeStyle = "#000"; ctx.beginPath();
        for (j = 0; j < d.hl.length; j++) {
          i = d.hl[j];
          for (k = 0; k < shifts.length; k++) {
            x = this._px[i] + shifts[k]; y = this._py[i]; r = d.r[i] / 2 + 3;
            ctx.moveTo(x + r, y); ctx.arc(x, y, r, 0, 2 * Math.PI);
          }
        }
        ctx.stroke();
      }
      this.drawn = drawn;
    },
    /* Points are rasterised in JS into one image: without a GPU, Chromium's canvas takes
     * seconds for 100k arcs or sprites, writing pixels takes tens of milliseconds. */
    _raster: function (b) {
      // at device resolution, so that circles stay sharp on high-density screens
      var dpr = window.devicePixelRatio || 1;
      var w = Math.max(1, Math.round((b.max.x - b.min.x) * dpr)), h = Math.max(1, Math.round((b.max.y - b.min.y) * dpr));
      // one buffer per renderer, shared by its point layers (they draw one after another)
      var rr = this._renderer, ras = rr._rmRaster;
      if (!ras || ras.w !== w || ras.h !== h || ras.dpr !== dpr) {
        var cv = document.createElement("canvas");
        cv.width = w; cv.height = h;
        var cx = cv.getContext("2d"), img = cx.createImageData(w, h);
        ras = rr._rmRaster = { w: w, h: h, dpr: dpr, canvas: cv, ctx: cx, img: img, px: new Uint32Array(img.data.buffer) };
      } else { ras.px.fill(0); }
      if (this._stampsFor !== ras) { this._stamps = {}; this._stampsFor = ras; }
      return ras;
    },
    /* The pixels of a circle of one colour and radius: offsets, colours, coverage. */
    _stampOf: function (c, r2, ras) {
      var key = c * 512 + r2, st = this._stamps[key];
      if (st) { return st; }
      var w = ras.w, r = r2 / 2 * ras.dpr, R = Math.ceil(r + 1);
      var ring = this.options.stroke ? (this.options.weight + 0.4) * ras.dpr : 0;
      var fill = rgb(this._d.pal[c]), line = rgb(this.options.color), off = [], col = [], a = [], dxs = [], dys = [];
      for (var dy = -R; dy <= R; dy++) {
        for (var dx = -R; dx <= R; dx++) {
          var dist = Math.sqrt(dx * dx + dy * dy), cov = Math.min(1, Math.max(0, r + 0.5 - dist));
          if (!cov) { continue; }
          var rgbv = dist > r - ring ? line : fill;
          off.push(dy * w + dx); dxs.push(dx); dys.push(dy);
          col.push((rgbv[0] | (rgbv[1] << 8) | (rgbv[2] << 16) | (255 << 24)) >>> 0);
          a.push(Math.round(cov * 255));
        }
      }
      st = this._stamps[key] = { R: R, off: Int32Array.from(off), dx: Int16Array.from(dxs), dy: Int16Array.from(dys),
        col: Uint32Array.from(col), a: Uint8Array.from(a) };
      return st;
    },
    _stamp: function (ras, st, fx, fy) {
      var cx = Math.round(fx), cy = Math.round(fy), w = ras.w, h = ras.h, px = ras.px, R = st.R, n = st.off.length;
      if (cx + R < 0 || cy + R < 0 || cx - R >= w || cy - R >= h) { return; }
      var inside = cx - R >= 0 && cy - R >= 0 && cx + R < w && cy + R < h, base = cy * w + cx;
      for (var k = 0; k < n; k++) {
        var p;
        if (inside) { p = base + st.off[k]; } else {
          var X = cx + st.dx[k], Y = cy + st.dy[k];
          if (X < 0 || Y < 0 || X >= w || Y >= h) { continue; }
          p = Y * w + X;
        }
        var al = st.a[k];
        if (al === 255) { px[p] = st.col[k]; continue; }
        var dst = px[p], da = dst >>> 24, src = st.col[k];
        var keep = da * (255 - al) / 255, oa = al + keep;
        if (!oa) { continue; }
        var rr = ((src & 255) * al + (dst & 255) * keep) / oa, gg = (((src >>> 8) & 255) * al + ((dst >>> 8) & 255) * keep) / oa,
          bb = (((src >>> 16) & 255) * al + ((dst >>> 16) & 255) * keep) / oa;
        px[p] = ((rr | 0) | ((gg | 0) << 8) | ((bb | 0) << 16) | (Math.round(oa) << 24)) >>> 0;
      }
    },
    _arrow: function (ctx, i, x, y, r) {
      var dx = this._qx[i] - this._px[i], dy = this._qy[i] - this._py[i], len = Math.sqrt(dx * dx + dy * dy);
      if (!len) { return; }
      dx /= len; dy /= len;
      var s = 3 + r;
      ctx.moveTo(x + dx * s, y + dy * s);
      ctx.lineTo(x - dx * s - dy * s * 0.7, y - dy * s + dx * s * 0.7);
      ctx.lineTo(x - dx * s + dy * s * 0.7, y - dy * s - dx * s * 0.7);
      ctx.closePath();
    },
    _buildGrid: function () {
      var g = new Map(), n = this._d.n;
      for (var i = 0; i < n; i++) {
        var key = Math.floor(this._px[i] / 32) * 1048576 + Math.floor(this._py[i] / 32);
        var cell = g.get(key);
        if (cell) { cell.push(i); } else { g.set(key, [i]); }
      }
      this._grid = g;
    },
    _containsPoint: function (p) {
      if (this._empty() || this.options.kind !== "circle") { return false; }
      if (!this._grid) { this._buildGrid(); }
      var tol = this._clickTolerance(), best = -1, bestD = Infinity, w = this._world;
      var reach = this._rmax + tol;
      for (var s = -1; s <= 1; s++) {
        var px = p.x - s * w;
        var cx0 = Math.floor((px - reach) / 32), cx1 = Math.floor((px + reach) / 32);
        var cy0 = Math.floor((p.y - reach) / 32), cy1 = Math.floor((p.y + reach) / 32);
        for (var cx = cx0; cx <= cx1; cx++) {
          for (var cy = cy0; cy <= cy1; cy++) {
            var cell = this._grid.get(cx * 1048576 + cy);
            if (!cell) { continue; }
            for (var j = 0; j < cell.length; j++) {
              var i = cell[j], dx = this._px[i] - px, dy = this._py[i] - p.y, dd = Math.sqrt(dx * dx + dy * dy);
              if (dd <= this._d.r[i] / 2 + tol && dd < bestD) { best = i; bestD = dd; }
            }
          }
        }
      }
      this._hit = best;
      return best >= 0;
    },
    _openPopup: function (e) {
      if (!this._popup || !this._map || this._hit < 0) { return; }
      L.DomEvent.stop(e);
      this._popup._source = this;
      if (this._tooltip && this._tipFor !== this._hit) {
        this._tipFor = this._hit;
        this.setTooltipContent(R.tooltip(this._layer, this._hit));
      }
      this._popup.setContent(R.popup(this._layer, this._hit));
      this.openPopup(this.latLngOf(this._hit));
    }
  });

  /* Web Mercator pixel coordinates at zoom 0 (what L.CRS.EPSG3857.latLngToPoint gives). */
  var MAX_LAT = 85.0511287798, RAD = Math.PI / 180;
  function mercX(lon) { return 256 * (0.5 + lon / 360); }
  function mercY(lat) {
    var s = Math.sin(Math.max(Math.min(lat, MAX_LAT), -MAX_LAT) * RAD);
    return 256 * (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI));
  }

  function rgb(hex) {
    var h = hex.slice(1);
    if (h.length === 3) { h = h[0] + h[0] + h[1] + h[1] + h[2] + h[2]; }
    var v = parseInt(h, 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }

  function bindInfo(group, L_, keyOf) {
    group.bindPopup(function (layer) { return R.popup(L_, keyOf(layer)); }, { maxWidth: 360 });
    group.bindTooltip(function (layer) { var e = el("div"); e.innerHTML = R.tooltip(L_, keyOf(layer)); return e; }, { sticky: true });
  }

  function cloud(map, L_, d, opts) {
    var c = new R.Cloud(d, L.extend({ renderer: R.canvas(map) }, opts));
    c._layer = L_;
    if (opts.kind === "arrow") { c.options.interactive = false; return c; }
    var tip = function (e) { if (c._hit >= 0 && c._tipFor !== c._hit) { c._tipFor = c._hit; c.setTooltipContent(R.tooltip(L_, c._hit)); } };
    c.on("mouseover mousemove", tip);
    c.bindTooltip("", { sticky: true });
    c.bindPopup("", { maxWidth: 360 });
    return c;
  }

  R.canvas = function (map) {
    if (!map._rmCanvas) { map._rmCanvas = L.canvas({ padding: 0.3, tolerance: 3 }); }
    return map._rmCanvas;
  };

  function coords(flat, a, b, off) {
    var out = [];
    for (var v = a; v < b; v++) { out.push([flat[2 * v + 1] / 1e5, flat[2 * v] / 1e5 + (off || 0)]); }
    return out;
  }

  /* Fill a layer group from a payload (see ui/pointlayer.py for the format). */
  /* Layers still being filled: snapshots and tests wait for 0. */
  R.pending = 0;

  R.fill = function (map, group, packed) {
    R.pending++;
    var done = function () { R.pending--; };
    return R.load(packed).then(function (p) {
      var L_ = decode(p), entry = { name: p.name, n: p.n, layer: L_, drawn: function () { return 0; } };
      if (p.kind === "points") {
        var d = { n: p.n, lat: b64(p.lat, Int32Array), lon: b64(p.lon, Int32Array), c: b64(p.c, Uint8Array),
          r: b64(p.r, Uint8Array), pal: p.pal, hl: p.hl || [] };
        var c = cloud(map, L_, d, { kind: "circle", weight: p.weight === undefined ? 0.6 : p.weight, color: p.stroke || "#333" });
        group.addLayer(c);
        entry.drawn = function () { return c._map ? c.drawn : 0; };
      } else if (p.kind === "lines") {
        var xy = b64(p.xy, Int32Array), parts = b64(p.parts, Uint32Array), fp = b64(p.fparts, Uint32Array);
        var c2 = b64(p.c, Uint8Array), w = b64(p.w, Uint8Array), hl = {}, lines = [];
        (p.hl || []).forEach(function (i) { hl[i] = true; });
        for (var i = 0; i < p.n; i++) {
          var ll = [];
          for (var q = fp[i]; q < fp[i + 1]; q++) { ll.push(coords(xy, parts[q], parts[q + 1])); }
          lines.push(L.polyline(ll, { i: i, renderer: R.canvas(map), color: hl[i] ? "#000" : p.pal[c2[i]], weight: w[i] / 2 + (hl[i] ? 2 : 0), opacity: 0.75, lineCap: "butt" }));
        }
        var fg = L.featureGroup(lines);
        bindInfo(fg, L_, function (l) { return l.options.i; });
        group.addLayer(fg);
        if (p.arrows) {
          var a = p.arrows, ad = { n: a.n, lat: b64(a.lat, Int32Array), lon: b64(a.lon, Int32Array), lat2: b64(a.lat2, Int32Array),
            lon2: b64(a.lon2, Int32Array), c: b64(a.c, Uint8Array), r: b64(a.r, Uint8Array), pal: p.arrowPal };
          group.addLayer(cloud(map, L_, ad, { kind: "arrow" }));
        }
        entry.drawn = function () { var k = 0; fg.eachLayer(function (l) { if (l._map && l._parts && l._parts.length) { k++; } }); return k; };
      } else {
        var feats = p.geoms.map(function (geom, i) { return { type: "Feature", geometry: geom, properties: { i: i } }; });
        var cs = b64(p.c, Uint8Array), hs = {}, ds = {};
        (p.hl || []).forEach(function (i) { hs[i] = true; });
        (p.dash || []).forEach(function (i) { ds[i] = true; });
        var fo = p.opacity === undefined ? 0.45 : p.opacity, wt = p.weight === undefined ? 1.2 : p.weight;
        var gj = L.geoJSON({ type: "FeatureCollection", features: feats }, {
          renderer: R.canvas(map),
          style: function (f) {
            var i = f.properties.i;
            return { color: hs[i] ? "#000" : p.stroke, weight: hs[i] ? 3 : wt, fillColor: p.pal[cs[i]], fillOpacity: fo,
              dashArray: ds[i] ? "3 3" : null };
          }
        });
        bindInfo(gj, L_, function (l) { return l.feature.properties.i; });
        group.addLayer(gj);
        entry.drawn = function () { var k = 0; gj.eachLayer(function (l) { if (l._map && l._parts && l._parts.length) { k++; } }); return k; };
      }
      R.register(map, entry);
      return entry;
    }).finally(done);
  };

  R.register = function (map, entry) {
    if (!map._rm) { map._rm = { layers: {} }; R.maps.push(map); }
    map._rm.layers[entry.name] = entry;
  };

  /* Rendered features per layer, for tests and snapshots. */
  R.counts = function (map) {
    var out = {}, m = map || R.maps[0];
    if (!m || !m._rm) { return out; }
    Object.keys(m._rm.layers).forEach(function (k) { out[k] = m._rm.layers[k].drawn(); });
    return out;
  };

})();
