//! Geofences for check-in (签到): a circle (centre and radius) or an area (a grid's
//! boundary polygon), judged against a position the person chose to share, allowing for the
//! accuracy their phone reported. Positions may come in WGS-84 (GPS, the browser) or
//! GCJ-02 (the coordinates Chinese map apps and WeChat report); they are stored in WGS-84.

use crate::geo::{Boundary, Point};

/// Mean Earth radius in metres (the haversine sphere).
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// The most a reported accuracy may widen a fence: a phone that says "somewhere within
/// 5 km" has not shown it is on site.
pub const MAX_ALLOWANCE_M: f64 = 100.0;

/// Great-circle distance in metres (haversine).
pub fn distance_m(a: Point, b: Point) -> f64 {
    let (la1, la2) = (a.lat().to_radians(), b.lat().to_radians());
    let dlat = la2 - la1;
    let dlon = (b.lon() - a.lon()).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// The coordinate system a position was reported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crs {
    /// WGS-84: GPS and the browser's geolocation.
    Wgs84,
    /// GCJ-02 (国测局坐标): what Chinese map apps and WeChat report.
    Gcj02,
}

impl Crs {
    /// `wgs84` or `gcj02` (case-insensitive); `None` otherwise.
    pub fn parse(s: &str) -> Option<Crs> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', '_'], "")
            .as_str()
        {
            "" | "wgs84" => Some(Crs::Wgs84),
            "gcj02" => Some(Crs::Gcj02),
            _ => None,
        }
    }

    /// Stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            Crs::Wgs84 => "wgs84",
            Crs::Gcj02 => "gcj02",
        }
    }

    /// The WGS-84 point of a position given in this system; `None` when out of range.
    pub fn to_wgs84(self, lon: f64, lat: f64) -> Option<Point> {
        Point::from_degrees(lon, lat)?;
        match self {
            Crs::Wgs84 => Point::from_degrees(lon, lat),
            Crs::Gcj02 => {
                let (x, y) = coordtransform::gcj02_to_wgs84(lon, lat);
                Point::from_degrees(x, y)
            }
        }
    }
}

/// Where a check-in must be.
#[derive(Debug, Clone, PartialEq)]
pub enum Fence {
    /// Within `radius_m` metres of `center`.
    Circle {
        /// Centre.
        center: Point,
        /// Radius in metres (> 0).
        radius_m: f64,
    },
    /// Inside a boundary (a grid's polygon).
    Area(Boundary),
}

/// How a position relates to a fence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Judgement {
    /// Inside once the reported accuracy (at most [`MAX_ALLOWANCE_M`]) is allowed for.
    pub inside: bool,
    /// Metres from the position to the fence's edge when outside it; 0 inside.
    pub distance_m: f64,
}

impl Fence {
    /// Judge a position with the accuracy the phone reported (metres, ≥ 0).
    pub fn judge(&self, p: Point, accuracy_m: f64) -> Judgement {
        let allowance = if accuracy_m.is_finite() {
            accuracy_m.clamp(0.0, MAX_ALLOWANCE_M)
        } else {
            0.0
        };
        let distance_m = match self {
            Fence::Circle { center, radius_m } => (distance_m(*center, p) - radius_m).max(0.0),
            Fence::Area(b) if b.contains(p) => 0.0,
            Fence::Area(b) => distance_to_rings_m(&b.outer_rings(), p),
        };
        Judgement {
            inside: distance_m <= allowance,
            distance_m,
        }
    }
}

/// Shortest distance in metres from `p` to the edges of the rings, on a local flat
/// projection around `p` (exact enough over the size of a grid).
fn distance_to_rings_m(rings: &[Vec<(f64, f64)>], p: Point) -> f64 {
    let m_per_deg_lat = EARTH_RADIUS_M.to_radians();
    let m_per_deg_lon = m_per_deg_lat * p.lat().to_radians().cos();
    let local = |(x, y): (f64, f64)| ((x - p.lon()) * m_per_deg_lon, (y - p.lat()) * m_per_deg_lat);
    let mut best = f64::INFINITY;
    for ring in rings {
        for w in ring.windows(2) {
            let (a, b) = (local(w[0]), local(w[1]));
            best = best.min(origin_to_segment(a, b));
        }
    }
    best
}

/// Distance from the origin to the segment a–b.
fn origin_to_segment(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (-(a.0 * dx + a.1 * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (a.0 + t * dx).hypot(a.1 + t * dy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pt(lon: f64, lat: f64) -> Point {
        Point::from_degrees(lon, lat).unwrap()
    }

    #[test]
    fn distances_match_known_figures() {
        // One thousandth of a degree of latitude is about 111 m.
        let d = distance_m(pt(114.3, 30.6), pt(114.3, 30.601));
        assert!((d - 111.2).abs() < 0.5, "{d}");
        assert_eq!(distance_m(pt(114.3, 30.6), pt(114.3, 30.6)), 0.0);
    }

    #[test]
    fn circle_allows_for_accuracy_up_to_the_cap() {
        let f = Fence::Circle {
            center: pt(114.3, 30.6),
            radius_m: 100.0,
        };
        let p = pt(114.3, 30.6015); // about 167 m north
        let j = f.judge(p, 10.0);
        assert!(!j.inside);
        assert!((j.distance_m - 66.8).abs() < 1.0, "{j:?}");
        assert!(f.judge(p, 80.0).inside);
        // A 5 km accuracy is capped at 100 m; 300 m away stays outside.
        assert!(!f.judge(pt(114.3, 30.6036), 5000.0).inside);
        assert!(f.judge(pt(114.3, 30.6), f64::NAN).inside);
    }

    #[test]
    fn area_measures_to_the_nearest_edge() {
        let b = Boundary::parse(
            r#"{"type":"Polygon","coordinates":[[[114.0,30.0],[114.01,30.0],[114.01,30.01],[114.0,30.01],[114.0,30.0]]]}"#,
        )
        .unwrap();
        let f = Fence::Area(b);
        assert_eq!(f.judge(pt(114.005, 30.005), 0.0).distance_m, 0.0);
        let j = f.judge(pt(114.005, 30.0105), 0.0); // ~55 m north of the top edge
        assert!(!j.inside);
        assert!((j.distance_m - 55.6).abs() < 1.0, "{j:?}");
        assert!(f.judge(pt(114.005, 30.0105), 60.0).inside);
    }

    #[test]
    fn gcj02_is_shifted_back_to_wgs84() {
        // GCJ-02 offsets are a few hundred metres in Wuhan.
        let w = pt(114.3, 30.6);
        let (gx, gy) = coordtransform::wgs84_to_gcj02(114.3, 30.6);
        let back = Crs::Gcj02.to_wgs84(gx, gy).unwrap();
        assert!(distance_m(w, back) < 1.0);
        assert!(distance_m(w, Crs::Wgs84.to_wgs84(gx, gy).unwrap()) > 100.0);
        assert_eq!(Crs::parse("GCJ-02"), Some(Crs::Gcj02));
        assert_eq!(Crs::parse("bd09"), None);
        assert!(Crs::Wgs84.to_wgs84(181.0, 0.0).is_none());
        assert!(Crs::Gcj02.to_wgs84(114.0, 91.0).is_none());
    }

    proptest! {
        #[test]
        fn the_centre_is_always_inside(lon in 73.0f64..135.0, lat in 18.0f64..53.0, r in 1.0f64..5000.0, acc in 0.0f64..1e6) {
            let f = Fence::Circle { center: pt(lon, lat), radius_m: r };
            prop_assert!(f.judge(pt(lon, lat), acc).inside);
        }

        #[test]
        fn more_accuracy_never_turns_inside_to_outside(lon in 113.0f64..115.0, lat in 29.0f64..31.0, d in 0.0f64..0.01, a in 0.0f64..200.0, b in 0.0f64..200.0) {
            let f = Fence::Circle { center: pt(114.0, 30.0), radius_m: 200.0 };
            let p = pt(lon.min(114.0 + d), lat);
            let (lo, hi) = if a < b { (a, b) } else { (b, a) };
            prop_assert!(!f.judge(p, lo).inside || f.judge(p, hi).inside);
        }

        #[test]
        fn distance_is_symmetric_and_non_negative(a in 73.0f64..135.0, b in 18.0f64..53.0, c in 73.0f64..135.0, d in 18.0f64..53.0) {
            let (p, q) = (pt(a, b), pt(c, d));
            let (x, y) = (distance_m(p, q), distance_m(q, p));
            prop_assert!(x >= 0.0);
            prop_assert!((x - y).abs() < 1e-6);
        }
    }
}
