//! Conditions on materialised unit paths (`/1/4/9/`) for figures that roll counts up the
//! organisation tree: either an exact seek of each path below a node (so an index on
//! `(city_id, unit_path, time)` also bounds the time), or a range scan of the prefix.

/// Whether `p` is a materialised path: slash-separated ids, starting and ending with `/`.
pub fn is_path(p: &str) -> bool {
    p.len() >= 2
        && p.starts_with('/')
        && p.ends_with('/')
        && p.bytes().all(|b| b == b'/' || b.is_ascii_digit())
        && !p.contains("//")
}

/// The half-open text range `[lo, hi)` holding every path under `prefix` (`/` + 1 = `0`).
pub fn prefix_range(prefix: &str) -> (String, String) {
    let mut hi = prefix.trim_end_matches('/').to_owned();
    hi.push('0');
    (prefix.to_owned(), hi)
}

/// A SQL condition on `col`: at one of `paths` when given (each an index seek), else
/// under `prefix` (a range). Paths are checked to be made only of digits and slashes and
/// are written into the text, so the condition composes with any placeholders; a path
/// that is not one selects nothing.
pub fn condition(col: &str, prefix: &str, paths: Option<&[String]>) -> String {
    match paths {
        Some(all) => {
            let ok: Vec<String> = all
                .iter()
                .filter(|p| is_path(p) && p.starts_with(prefix))
                .map(|p| format!("'{p}'"))
                .collect();
            if ok.is_empty() {
                "1 = 0".into()
            } else {
                format!("{col} IN ({})", ok.join(", "))
            }
        }
        None if is_path(prefix) => {
            let (lo, hi) = prefix_range(prefix);
            format!("({col} >= '{lo}' AND {col} < '{hi}')")
        }
        None => "1 = 0".into(),
    }
}

/// `CASE WHEN col < b1 THEN 0 WHEN col < b2 THEN 1 … ELSE -1 END`: the index of the
/// period a time falls in, for `bounds` = the first instant of each period and the end of
/// the last (integers, so written into the text).
pub fn bucket(col: &str, bounds: &[i64]) -> String {
    let mut s = String::from("CASE");
    for (i, b) in bounds.iter().enumerate().skip(1) {
        s.push_str(&format!(" WHEN {col} < {b} THEN {}", i - 1));
    }
    s.push_str(" ELSE -1 END");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions() {
        assert!(is_path("/1/4/9/"));
        assert!(!is_path("/1/4'/"));
        assert!(!is_path("1/4/"));
        assert_eq!(prefix_range("/1/4/"), ("/1/4/".into(), "/1/40".into()));
        assert_eq!(
            condition("unit_path", "/1/", None),
            "(unit_path >= '/1/' AND unit_path < '/10')"
        );
        let paths = vec!["/1/".to_owned(), "/1/2/".to_owned(), "/1/x/".to_owned()];
        assert_eq!(
            condition("unit_path", "/1/", Some(&paths)),
            "unit_path IN ('/1/', '/1/2/')"
        );
        assert_eq!(condition("unit_path", "/2/", Some(&paths)), "1 = 0");
        assert_eq!(condition("unit_path", "drop", None), "1 = 0");
        assert_eq!(
            bucket("t", &[0, 10, 20]),
            "CASE WHEN t < 10 THEN 0 WHEN t < 20 THEN 1 ELSE -1 END"
        );
    }
}
