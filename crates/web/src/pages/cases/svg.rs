//! A small SVG builder for maps drawn on the server: an equirectangular projection of
//! longitude and latitude (longitude scaled by the cosine of the middle latitude, so a
//! grid a few hundred metres across keeps its shape) onto a view box, and the few
//! elements a case map needs. Every text is escaped.

use std::fmt::Write;

/// Escape text for SVG (and HTML) content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Lon/lat degrees onto view-box units.
#[derive(Debug, Clone, Copy)]
pub struct Projection {
    min_lon: f64,
    max_lat: f64,
    kx: f64,
    scale: f64,
    pad: f64,
    /// View-box width.
    pub width: f64,
    /// View-box height.
    pub height: f64,
}

/// The smallest span shown (degrees, about 200 m), so a single point still gets a frame.
const MIN_SPAN: f64 = 0.002;

impl Projection {
    /// The projection that fits all `points` (lon, lat) into a box at most `max` units
    /// wide and high, with a margin; `None` without points.
    pub fn fit(points: impl IntoIterator<Item = (f64, f64)>, max: f64) -> Option<Projection> {
        let (mut lo_lon, mut hi_lon, mut lo_lat, mut hi_lat) =
            (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        let mut any = false;
        for (lon, lat) in points {
            if !lon.is_finite() || !lat.is_finite() {
                continue;
            }
            any = true;
            lo_lon = lo_lon.min(lon);
            hi_lon = hi_lon.max(lon);
            lo_lat = lo_lat.min(lat);
            hi_lat = hi_lat.max(lat);
        }
        if !any {
            return None;
        }
        let widen = |lo: &mut f64, hi: &mut f64| {
            if *hi - *lo < MIN_SPAN {
                let mid = (*lo + *hi) / 2.0;
                *lo = mid - MIN_SPAN / 2.0;
                *hi = mid + MIN_SPAN / 2.0;
            }
        };
        widen(&mut lo_lon, &mut hi_lon);
        widen(&mut lo_lat, &mut hi_lat);
        let kx = ((lo_lat + hi_lat) / 2.0).to_radians().cos().max(0.05);
        let pad = max * 0.04;
        let span_x = (hi_lon - lo_lon) * kx;
        let span_y = hi_lat - lo_lat;
        let scale = ((max - 2.0 * pad) / span_x).min((max - 2.0 * pad) / span_y);
        Some(Projection {
            min_lon: lo_lon,
            max_lat: hi_lat,
            kx,
            scale,
            pad,
            width: (span_x * scale + 2.0 * pad).round(),
            height: (span_y * scale + 2.0 * pad).round(),
        })
    }

    /// A point in view-box units.
    pub fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            (lon - self.min_lon) * self.kx * self.scale + self.pad,
            (self.max_lat - lat) * self.scale + self.pad,
        )
    }
}

/// An SVG document being written.
pub struct Svg {
    p: Projection,
    body: String,
}

impl Svg {
    /// An empty drawing on the projection's box.
    pub fn new(p: Projection) -> Svg {
        Svg {
            p,
            body: String::new(),
        }
    }

    /// Rings (lon, lat) as one path with `class`.
    pub fn rings(&mut self, rings: &[Vec<(f64, f64)>], class: &str) {
        let mut d = String::new();
        for ring in rings {
            for (i, (lon, lat)) in ring.iter().enumerate() {
                let (x, y) = self.p.xy(*lon, *lat);
                let _ = write!(d, "{}{x:.1},{y:.1} ", if i == 0 { "M" } else { "L" });
            }
            d.push_str("Z ");
        }
        if !d.is_empty() {
            let _ = write!(
                self.body,
                r#"<path class="{}" d="{}"/>"#,
                escape(class),
                d.trim_end()
            );
        }
    }

    /// A label centred at (lon, lat).
    pub fn label(&mut self, lon: f64, lat: f64, class: &str, text: &str) {
        let (x, y) = self.p.xy(lon, lat);
        let _ = write!(
            self.body,
            r#"<text class="{}" x="{x:.1}" y="{y:.1}" text-anchor="middle">{}</text>"#,
            escape(class),
            escape(text)
        );
    }

    /// A dot at (lon, lat) that links to `href`, with a tooltip.
    pub fn dot(&mut self, lon: f64, lat: f64, r: f64, class: &str, href: &str, title: &str) {
        let (x, y) = self.p.xy(lon, lat);
        let _ = write!(
            self.body,
            r#"<a href="{}"><circle class="{}" cx="{x:.1}" cy="{y:.1}" r="{r:.1}"><title>{}</title></circle></a>"#,
            escape(href),
            escape(class),
            escape(title)
        );
    }

    /// The finished document, described for screen readers by `label`.
    pub fn finish(self, label: &str) -> String {
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="case-map" viewBox="0 0 {w} {h}" role="img" aria-label="{l}"><rect class="sea" x="0" y="0" width="{w}" height="{h}"/>{b}</svg>"#,
            w = self.p.width,
            h = self.p.height,
            l = escape(label),
            b = self.body
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        let p = Projection::fit([(114.3, 30.6)], 1000.0).unwrap();
        let mut s = Svg::new(p);
        s.dot(114.3, 30.6, 10.0, "dot", "/cases/1", "<script>");
        let out = s.finish("地图 & 图例");
        assert!(out.contains("&lt;script&gt;") && !out.contains("<script>"));
        assert!(out.contains("地图 &amp; 图例"));
    }

    #[test]
    fn a_square_keeps_its_shape() {
        // 0.01° of longitude at 30.6° N is 0.86 of 0.01° of latitude.
        let ring = [
            (114.295, 30.595),
            (114.305, 30.595),
            (114.305, 30.605),
            (114.295, 30.605),
        ];
        let p = Projection::fit(ring, 1000.0).unwrap();
        assert_eq!(p.height, 1000.0);
        assert!(
            (p.width - (920.0 * 30.6f64.to_radians().cos() + 80.0)).abs() < 1.0,
            "{}",
            p.width
        );
        let (x, y) = p.xy(114.295, 30.605);
        assert!((x - 40.0).abs() < 0.01 && (y - 40.0).abs() < 0.01);
        let (_, y) = p.xy(114.295, 30.595);
        assert!((y - 960.0).abs() < 0.01, "south is down");
    }
}
