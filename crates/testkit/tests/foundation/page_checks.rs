//! Checks every page test makes: the page rendered, says what it should, and keeps to the
//! CSP (no inline style or script).

use testkit::Page;

/// A page that rendered (200), mentions `text`, and uses no inline style or script.
pub(crate) fn assert_page(path: &str, p: &Page, text: &str) {
    assert_eq!(p.status, 200, "{path}: {}", p.html);
    assert!(
        p.html.contains(text),
        "{path} should mention {text}: {}",
        p.html
    );
    assert_clean(path, p);
}

/// No inline style or script (the CSP would block them).
pub(crate) fn assert_clean(path: &str, p: &Page) {
    assert!(!p.html.contains(" style=\""), "{path} has an inline style");
    assert!(!p.html.contains("<script>"), "{path} has an inline script");
}
