//! Geometry the organisation tree needs: points kept exactly as integers (1e-7 degree,
//! about 1 cm) and boundary polygons given as GeoJSON, checked before they are stored.

use serde_json::Value;

/// Degrees are stored as integers of this many units per degree.
pub const E7: f64 = 10_000_000.0;

/// A WGS-84 point (longitude, latitude) in 1e-7 degrees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    /// Longitude × 1e7.
    pub lon_e7: i64,
    /// Latitude × 1e7.
    pub lat_e7: i64,
}

impl Point {
    /// A point from degrees; `None` when out of range or not finite.
    pub fn from_degrees(lon: f64, lat: f64) -> Option<Point> {
        if !lon.is_finite() || !lat.is_finite() || !(-180.0..=180.0).contains(&lon) {
            return None;
        }
        if !(-90.0..=90.0).contains(&lat) {
            return None;
        }
        Some(Point {
            lon_e7: (lon * E7).round() as i64,
            lat_e7: (lat * E7).round() as i64,
        })
    }

    /// Longitude in degrees.
    pub fn lon(&self) -> f64 {
        self.lon_e7 as f64 / E7
    }

    /// Latitude in degrees.
    pub fn lat(&self) -> f64 {
        self.lat_e7 as f64 / E7
    }
}

/// Why a GeoJSON boundary was refused (the message is shown to the user).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundaryError(pub String);

/// A checked boundary: a GeoJSON Polygon or MultiPolygon (a bare geometry, or a Feature
/// holding one), kept as compact GeoJSON geometry text.
#[derive(Debug, Clone, PartialEq)]
pub struct Boundary {
    geometry: Value,
}

impl Boundary {
    /// Parse and check GeoJSON text.
    pub fn parse(text: &str) -> Result<Boundary, BoundaryError> {
        let v: Value = serde_json::from_str(text)
            .map_err(|e| BoundaryError(format!("不是有效的 JSON：{e}")))?;
        let geometry = match v.get("type").and_then(Value::as_str) {
            Some("Feature") => v
                .get("geometry")
                .cloned()
                .ok_or_else(|| BoundaryError("Feature 缺少 geometry".into()))?,
            Some("FeatureCollection") => {
                return Err(BoundaryError(
                    "请只提供一个面（Polygon 或 MultiPolygon），不要 FeatureCollection".into(),
                ));
            }
            _ => v,
        };
        let polygons: Vec<&Value> = match geometry.get("type").and_then(Value::as_str) {
            Some("Polygon") => vec![geometry.get("coordinates").unwrap_or(&Value::Null)],
            Some("MultiPolygon") => geometry
                .get("coordinates")
                .and_then(Value::as_array)
                .ok_or_else(|| BoundaryError("MultiPolygon 缺少 coordinates 数组".into()))?
                .iter()
                .collect(),
            Some(other) => {
                return Err(BoundaryError(format!(
                    "边界必须是 Polygon 或 MultiPolygon，收到的是 {other}"
                )));
            }
            None => return Err(BoundaryError("缺少 GeoJSON 的 type 字段".into())),
        };
        if polygons.is_empty() {
            return Err(BoundaryError("MultiPolygon 至少要有一个面".into()));
        }
        for poly in polygons {
            check_polygon(poly)?;
        }
        Ok(Boundary { geometry })
    }

    /// The geometry as compact GeoJSON text.
    pub fn to_text(&self) -> String {
        self.geometry.to_string()
    }

    /// The outer rings, as (lon, lat) degrees.
    pub fn outer_rings(&self) -> Vec<Vec<(f64, f64)>> {
        let coords = &self.geometry["coordinates"];
        let polys: Vec<&Value> = if self.geometry["type"] == "Polygon" {
            vec![coords]
        } else {
            coords
                .as_array()
                .map(|a| a.iter().collect())
                .unwrap_or_default()
        };
        polys
            .into_iter()
            .filter_map(|p| p.get(0))
            .map(ring_points)
            .collect()
    }

    /// The area-weighted centroid of the outer rings (a sensible default centre).
    pub fn centroid(&self) -> Option<Point> {
        let (mut a_sum, mut x_sum, mut y_sum) = (0.0, 0.0, 0.0);
        for ring in self.outer_rings() {
            let (a, cx, cy) = ring_centroid(&ring);
            a_sum += a;
            x_sum += cx * a;
            y_sum += cy * a;
        }
        if a_sum.abs() < f64::EPSILON {
            return None;
        }
        Point::from_degrees(x_sum / a_sum, y_sum / a_sum)
    }

    /// Whether `p` lies inside (ray casting over the outer rings; holes are ignored).
    pub fn contains(&self, p: Point) -> bool {
        let (x, y) = (p.lon(), p.lat());
        self.outer_rings().iter().any(|ring| {
            let mut inside = false;
            let n = ring.len();
            let mut j = n - 1;
            for i in 0..n {
                let (xi, yi) = ring[i];
                let (xj, yj) = ring[j];
                if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
                    inside = !inside;
                }
                j = i;
            }
            inside
        })
    }
}

fn ring_points(ring: &Value) -> Vec<(f64, f64)> {
    ring.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
                .collect()
        })
        .unwrap_or_default()
}

fn ring_centroid(ring: &[(f64, f64)]) -> (f64, f64, f64) {
    // Work relative to the first vertex: products of raw degrees (~114 × 30) lose the
    // digits that small grids are made of.
    let Some(&(ox, oy)) = ring.first() else {
        return (0.0, 0.0, 0.0);
    };
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for w in ring.windows(2) {
        let (x0, y0) = (w[0].0 - ox, w[0].1 - oy);
        let (x1, y1) = (w[1].0 - ox, w[1].1 - oy);
        let cross = x0 * y1 - x1 * y0;
        a += cross;
        cx += (x0 + x1) * cross;
        cy += (y0 + y1) * cross;
    }
    if a.abs() < f64::EPSILON {
        return (0.0, 0.0, 0.0);
    }
    let area = a / 2.0;
    (area.abs(), ox + cx / (6.0 * area), oy + cy / (6.0 * area))
}

fn check_polygon(poly: &Value) -> Result<(), BoundaryError> {
    let rings = poly
        .as_array()
        .ok_or_else(|| BoundaryError("Polygon 的 coordinates 必须是线环数组".into()))?;
    if rings.is_empty() {
        return Err(BoundaryError("Polygon 至少要有一个外环".into()));
    }
    for (i, ring) in rings.iter().enumerate() {
        let pts = ring
            .as_array()
            .ok_or_else(|| BoundaryError(format!("第 {} 个线环不是坐标数组", i + 1)))?;
        if pts.len() < 4 {
            return Err(BoundaryError(format!(
                "第 {} 个线环至少需要 4 个坐标点（首尾相同）",
                i + 1
            )));
        }
        if pts.len() > 100_000 {
            return Err(BoundaryError("边界坐标点过多（最多 100000 个）".into()));
        }
        for p in pts {
            let ok = p.as_array().is_some_and(|c| {
                c.len() >= 2
                    && c[0].as_f64().is_some_and(|x| (-180.0..=180.0).contains(&x))
                    && c[1].as_f64().is_some_and(|y| (-90.0..=90.0).contains(&y))
            });
            if !ok {
                return Err(BoundaryError(format!(
                    "坐标 {p} 无效：应为 [经度, 纬度]，经度在 -180 到 180 之间，纬度在 -90 到 90 之间"
                )));
            }
        }
        if pts.first() != pts.last() {
            return Err(BoundaryError(format!(
                "第 {} 个线环没有闭合：首尾坐标必须相同",
                i + 1
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SQUARE: &str = r#"{"type":"Polygon","coordinates":[[[114.0,30.0],[114.01,30.0],[114.01,30.01],[114.0,30.01],[114.0,30.0]]]}"#;

    #[test]
    fn square_boundary() {
        let b = Boundary::parse(SQUARE).unwrap();
        let c = b.centroid().unwrap();
        assert!((c.lon_e7 - 1_140_050_000).abs() <= 1, "{c:?}");
        assert!((c.lat_e7 - 300_050_000).abs() <= 1, "{c:?}");
        assert!(b.contains(c));
        assert!(!b.contains(Point::from_degrees(114.02, 30.005).unwrap()));
    }

    #[test]
    fn refuses_bad_geojson() {
        for bad in [
            "not json",
            r#"{"type":"Point","coordinates":[1,2]}"#,
            r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}"#,
            r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}"#,
            r#"{"type":"Polygon","coordinates":[[[0,0],[200,0],[1,1],[0,0]]]}"#,
            r#"{"coordinates":[]}"#,
        ] {
            assert!(Boundary::parse(bad).is_err(), "{bad}");
        }
        let feature = format!(r#"{{"type":"Feature","properties":{{}},"geometry":{SQUARE}}}"#);
        assert!(Boundary::parse(&feature).is_ok());
    }

    proptest! {
        #[test]
        fn rectangle_centroid_is_inside(x in 73.0f64..135.0, y in 18.0f64..53.0, w in 0.0001f64..0.5, h in 0.0001f64..0.5) {
            let text = format!(
                r#"{{"type":"Polygon","coordinates":[[[{x},{y}],[{},{y}],[{},{}],[{x},{}],[{x},{y}]]]}}"#,
                x + w, x + w, y + h, y + h
            );
            let b = Boundary::parse(&text).unwrap();
            let c = b.centroid().unwrap();
            prop_assert!(b.contains(c));
        }

        #[test]
        fn points_round_trip(lon in -180.0f64..180.0, lat in -90.0f64..90.0) {
            let p = Point::from_degrees(lon, lat).unwrap();
            prop_assert!((p.lon() - lon).abs() < 1e-7);
            prop_assert!((p.lat() - lat).abs() < 1e-7);
        }
    }
}
