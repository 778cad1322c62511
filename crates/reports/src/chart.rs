//! Charts drawn on the server as SVG, so a dashboard needs no client library: clean
//! hand-built markup (no plotting crate), integer coordinates, a `viewBox` 360 wide with
//! `width="100%"` so it fits a phone, and every label kept as `<text>` so the browser
//! renders the Chinese with its own fonts. Each bar carries `data-label` / `data-value`
//! and a `<title>` (what a screen reader or a hover shows).

/// One bar.
#[derive(Debug, Clone)]
pub struct Bar {
    /// What it is (a month, a grade, a unit).
    pub label: String,
    /// Its value, in the chart's unit (counts, or hundredths of a percent for rates).
    pub value: i64,
    /// The value as people read it (`12`, `93.5%`, `—`).
    pub text: String,
}

/// A series of a grouped chart: one value per group.
#[derive(Debug, Clone)]
pub struct Series {
    /// Its name, shown in the legend.
    pub name: String,
    /// One value per group.
    pub values: Vec<i64>,
}

const WIDTH: i64 = 360;
const COLOURS: [&str; 4] = ["#1677ff", "#52c41a", "#fa8c16", "#8c8c8c"];

/// Escape text for SVG/XML content and attributes.
pub fn esc(s: &str) -> String {
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

/// At most `n` characters, with an ellipsis when cut.
fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn open(id: &str, title: &str, height: i64) -> String {
    let id = esc(id);
    let title = esc(title);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"{id}\" viewBox=\"0 0 {WIDTH} {height}\" \
         width=\"100%\" role=\"img\" aria-labelledby=\"{id}-t\" font-family=\"sans-serif\" font-size=\"12\">\
         <title id=\"{id}-t\">{title}</title>\
         <text x=\"0\" y=\"16\" font-size=\"14\" font-weight=\"bold\" fill=\"#262626\">{title}</text>"
    )
}

fn empty_note(y: i64) -> String {
    format!(
        "<text x=\"{}\" y=\"{y}\" text-anchor=\"middle\" fill=\"#8c8c8c\">本期没有数据</text>",
        WIDTH / 2
    )
}

fn bar_rect(x: i64, y: i64, w: i64, h: i64, colour: &str, b: &Bar) -> String {
    format!(
        "<rect class=\"bar\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"{colour}\" \
         data-label=\"{l}\" data-value=\"{v}\"><title>{l}：{t}</title></rect>",
        l = esc(&b.label),
        v = b.value,
        t = esc(&b.text)
    )
}

/// Vertical bars, one per item (e.g. the grade distribution), scaled to the largest value
/// (or to `max` when given, e.g. 10 000 for rates).
pub fn columns(id: &str, title: &str, bars: &[Bar], max: Option<i64>) -> String {
    let (top, plot, height) = (28, 140, 200);
    let mut s = open(id, title, height);
    let base = top + plot;
    s.push_str(&format!(
        "<line x1=\"0\" y1=\"{base}\" x2=\"{WIDTH}\" y2=\"{base}\" stroke=\"#d9d9d9\"/>"
    ));
    let max = max
        .unwrap_or_else(|| bars.iter().map(|b| b.value).max().unwrap_or(0))
        .max(1);
    if bars.iter().all(|b| b.value == 0) {
        s.push_str(&empty_note(top + plot / 2));
    }
    let n = bars.len().max(1) as i64;
    let slot = WIDTH / n;
    let w = (slot * 3 / 5).max(4);
    for (i, b) in bars.iter().enumerate() {
        let i = i as i64;
        let h = b.value.clamp(0, max) * plot / max;
        let x = i * slot + (slot - w) / 2;
        let cx = i * slot + slot / 2;
        s.push_str(&bar_rect(x, base - h, w, h, COLOURS[0], b));
        s.push_str(&format!(
            "<text x=\"{cx}\" y=\"{}\" text-anchor=\"middle\" fill=\"#262626\">{}</text>",
            base - h - 4,
            esc(&b.text)
        ));
        s.push_str(&format!(
            "<text x=\"{cx}\" y=\"{}\" text-anchor=\"middle\" fill=\"#595959\">{}</text>",
            base + 18,
            esc(&short(&b.label, 6))
        ));
    }
    s.push_str("</svg>");
    s
}

/// Horizontal bars, one row per item (e.g. a rate per child unit, in code order — a
/// comparison, not a ranking), scaled to the largest value or to `max`.
pub fn rows(id: &str, title: &str, bars: &[Bar], max: Option<i64>) -> String {
    let (top, row) = (28, 26);
    let height = top + row * (bars.len().max(1) as i64) + 8;
    let mut s = open(id, title, height);
    let (label_w, value_w) = (100, 56);
    let plot = WIDTH - label_w - value_w;
    let max = max
        .unwrap_or_else(|| bars.iter().map(|b| b.value).max().unwrap_or(0))
        .max(1);
    if bars.is_empty() {
        s.push_str(&empty_note(top + 16));
    }
    for (i, b) in bars.iter().enumerate() {
        let y = top + i as i64 * row;
        let w = b.value.clamp(0, max) * plot / max;
        s.push_str(&format!(
            "<text x=\"0\" y=\"{}\" fill=\"#262626\">{}</text>",
            y + 16,
            esc(&short(&b.label, 8))
        ));
        s.push_str(&format!(
            "<rect x=\"{label_w}\" y=\"{}\" width=\"{plot}\" height=\"16\" fill=\"#f0f0f0\"/>",
            y + 4
        ));
        s.push_str(&bar_rect(label_w, y + 4, w, 16, COLOURS[0], b));
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" fill=\"#262626\">{}</text>",
            label_w + plot + 6,
            y + 16,
            esc(&b.text)
        ));
    }
    s.push_str("</svg>");
    s
}

/// Grouped vertical bars: one group per label (e.g. a month), one bar per series, with a
/// legend; scaled to the largest value of all series.
pub fn grouped(id: &str, title: &str, groups: &[String], series: &[Series]) -> String {
    let (top, plot, height) = (48, 130, 206);
    let mut s = open(id, title, height);
    let base = top + plot;
    let mut lx = 0;
    for (k, se) in series.iter().enumerate() {
        let c = COLOURS[k % COLOURS.len()];
        s.push_str(&format!(
            "<rect x=\"{lx}\" y=\"26\" width=\"10\" height=\"10\" fill=\"{c}\"/>\
             <text x=\"{}\" y=\"35\" fill=\"#595959\">{}</text>",
            lx + 14,
            esc(&se.name)
        ));
        lx += 14 + 14 * se.name.chars().count() as i64 + 12;
    }
    s.push_str(&format!(
        "<line x1=\"0\" y1=\"{base}\" x2=\"{WIDTH}\" y2=\"{base}\" stroke=\"#d9d9d9\"/>"
    ));
    let max = series
        .iter()
        .flat_map(|se| se.values.iter().copied())
        .max()
        .unwrap_or(0);
    if max <= 0 {
        s.push_str(&empty_note(top + plot / 2));
    }
    let max = max.max(1);
    let n = groups.len().max(1) as i64;
    let slot = WIDTH / n;
    let k = series.len().max(1) as i64;
    let w = ((slot - 8) / k).max(2);
    for (g, label) in groups.iter().enumerate() {
        let g = g as i64;
        let x0 = g * slot + (slot - w * k) / 2;
        for (j, se) in series.iter().enumerate() {
            let v = se.values.get(g as usize).copied().unwrap_or(0);
            let h = v.clamp(0, max) * plot / max;
            let x = x0 + j as i64 * w;
            let b = Bar {
                label: format!("{label} {}", se.name),
                value: v,
                text: v.to_string(),
            };
            s.push_str(&bar_rect(
                x,
                base - h,
                w - 1,
                h,
                COLOURS[j % COLOURS.len()],
                &b,
            ));
            if v > 0 {
                s.push_str(&format!(
                    "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\" fill=\"#595959\">{v}</text>",
                    x + w / 2,
                    base - h - 3
                ));
            }
        }
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#595959\">{}</text>",
            g * slot + slot / 2,
            base + 18,
            esc(label)
        ));
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn well_formed(svg: &str) {
        let mut r = quick_xml::Reader::from_str(svg);
        let mut depth = 0i32;
        loop {
            match r.read_event().expect("well-formed SVG") {
                quick_xml::events::Event::Start(_) => depth += 1,
                quick_xml::events::Event::End(_) => depth -= 1,
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(depth, 0);
    }

    fn bar(l: &str, v: i64) -> Bar {
        Bar {
            label: l.into(),
            value: v,
            text: v.to_string(),
        }
    }

    #[test]
    fn charts_are_well_formed_and_keep_their_labels() {
        let c = columns(
            "g",
            "考核等次分布",
            &[
                bar("优秀", 3),
                bar("良好", 1),
                bar("合格", 0),
                bar("<不合格>", 2),
            ],
            None,
        );
        well_formed(&c);
        assert!(c.contains("viewBox=\"0 0 360 200\"") && c.contains("width=\"100%\""));
        assert_eq!(c.matches("class=\"bar\"").count(), 4);
        assert!(c.contains("data-label=\"优秀\" data-value=\"3\""));
        assert!(c.contains("&lt;不合格&gt;"));
        // The tallest bar fills the plot; the others are in proportion.
        assert!(c.contains("height=\"140\" fill=\"#1677ff\" data-label=\"优秀\""));
        assert!(c.contains("height=\"46\" fill=\"#1677ff\" data-label=\"良好\""));
        let r = rows(
            "c",
            "按期结案率",
            &[bar("甲社区", 5000), bar("乙社区", 10_000)],
            Some(10_000),
        );
        well_formed(&r);
        assert_eq!(r.matches("class=\"bar\"").count(), 2);
        assert!(r.contains("width=\"102\" height=\"16\" fill=\"#1677ff\" data-label=\"甲社区\""));
        let g = grouped(
            "t",
            "近6个月",
            &["7月".into(), "8月".into()],
            &[
                Series {
                    name: "订单".into(),
                    values: vec![1, 2],
                },
                Series {
                    name: "活动".into(),
                    values: vec![0, 4],
                },
            ],
        );
        well_formed(&g);
        assert_eq!(g.matches("class=\"bar\"").count(), 4);
        assert!(g.contains("data-label=\"8月 活动\" data-value=\"4\""));
        let e = columns("e", "空", &[bar("优秀", 0)], None);
        well_formed(&e);
        assert!(e.contains("本期没有数据"));
    }
}
