//! Charts drawn on the server as SVG, put inline in the page: no script,
//! no client framework, no third party. Two kinds: horizontal bars (one
//! bar per row of the table beside it) and the campaign day by day
//! (columns and a line).
//!
//! Made to be read on paper and by anyone: every text is black, bars are
//! hatched grey (not only a colour), the two series of the day chart differ
//! in shape (columns, a line with points), each chart has a `<title>` and
//! a `<desc>` that `aria-labelledby` names, and each bar or day its own
//! `<title>` (the tooltip). Only presentation attributes are used (the
//! office's content security policy allows no inline style). Every text is
//! escaped here ([`escape`]); the markup is then put into the page as is.

use std::fmt::Write as _;

/// `text` safe in SVG text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0.
            c if c.is_control() && !matches!(c, '\t' | '\n') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A number of user units, rounded to a tenth.
fn u(v: f64) -> String {
    let v = (v * 10.0).round() / 10.0;
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// How wide `text` is drawn at 12 px, roughly: CJK and other wide
/// characters a full em, the rest about half.
fn text_width(text: &str) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 7.0 } else { 12.0 })
        .sum()
}

/// `text` cut (with an ellipsis) to fit `width`.
fn fit(text: &str, width: f64) -> String {
    if text_width(text) <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 12.0; // the ellipsis
    for c in text.chars() {
        used += if c.is_ascii() { 7.0 } else { 12.0 };
        if used > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// The grey hatch every bar and column is filled with.
fn hatch(id: &str) -> String {
    format!(
        "<defs><pattern id=\"{id}-hatch\" patternUnits=\"userSpaceOnUse\" width=\"6\" \
         height=\"6\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" \
         fill=\"#c8c8c8\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#000\" \
         stroke-width=\"1.2\"/></pattern></defs>"
    )
}

fn open(out: &mut String, id: &str, width: f64, height: f64, title: &str, desc: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"{id}\" role=\"img\" \
         aria-labelledby=\"{id}-title {id}-desc\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" \
         height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\
         <title id=\"{id}-title\">{title}</title><desc id=\"{id}-desc\">{desc}</desc>",
        w = u(width),
        h = u(height),
        title = escape(title),
        desc = escape(desc),
    );
}

/// One row of a bar chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// What the row is (an institution, a department, a day).
    pub label: String,
    /// The bar's length as a share of the axis, 0 to 1.
    pub share: f64,
    /// The value written after the bar (`81.5%`, `12 / 40`).
    pub text: String,
}

/// A horizontal bar chart: one bar per row, in the rows' order.
#[derive(Clone, Debug, PartialEq)]
pub struct BarChart {
    /// Unique in the page (the ids of its parts start with it).
    pub id: String,
    pub title: String,
    pub bars: Vec<Bar>,
    /// Grid lines: where on the axis (0 to 1) and their label.
    pub ticks: Vec<(f64, String)>,
}

const LABEL_WIDTH: f64 = 220.0;
const AXIS_WIDTH: f64 = 340.0;
const VALUE_WIDTH: f64 = 110.0;
const ROW: f64 = 22.0;
const TOP: f64 = 8.0;
const BOTTOM: f64 = 22.0;

impl BarChart {
    /// The chart's SVG markup.
    pub fn svg(&self) -> String {
        let width = LABEL_WIDTH + AXIS_WIDTH + VALUE_WIDTH;
        let rows = self.bars.len().max(1) as f64;
        let height = TOP + rows * ROW + BOTTOM;
        let desc = self
            .bars
            .iter()
            .map(|b| format!("{}: {}", b.label, b.text))
            .collect::<Vec<_>>()
            .join("; ");
        let mut out = String::new();
        open(&mut out, &self.id, width, height, &self.title, &desc);
        out.push_str(&hatch(&self.id));
        let bottom = TOP + rows * ROW;
        for (at, label) in &self.ticks {
            let x = LABEL_WIDTH + AXIS_WIDTH * at.clamp(0.0, 1.0);
            let _ = write!(
                out,
                "<line class=\"grid\" x1=\"{x}\" y1=\"{TOP}\" x2=\"{x}\" y2=\"{b}\" \
                 stroke=\"#777\" stroke-width=\"0.5\" stroke-dasharray=\"2 2\"/>\
                 <text x=\"{x}\" y=\"{ty}\" text-anchor=\"middle\" fill=\"#000\">{label}</text>",
                x = u(x),
                b = u(bottom),
                ty = u(bottom + 15.0),
                label = escape(label),
            );
        }
        let _ = write!(
            out,
            "<line x1=\"{LABEL_WIDTH}\" y1=\"{TOP}\" x2=\"{LABEL_WIDTH}\" y2=\"{b}\" \
             stroke=\"#000\" stroke-width=\"1\"/>",
            b = u(bottom)
        );
        for (i, bar) in self.bars.iter().enumerate() {
            let y = TOP + i as f64 * ROW;
            let length = AXIS_WIDTH * bar.share.clamp(0.0, 1.0);
            let _ = write!(
                out,
                "<g class=\"row\"><title>{tip}</title>\
                 <text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\" fill=\"#000\">{label}</text>\
                 <rect class=\"bar\" x=\"{LABEL_WIDTH}\" y=\"{by}\" width=\"{w}\" height=\"{h}\" \
                 fill=\"url(#{id}-hatch)\" stroke=\"#000\" stroke-width=\"0.6\"/>\
                 <text x=\"{vx}\" y=\"{ty}\" fill=\"#000\">{text}</text></g>",
                tip = escape(&format!("{}: {}", bar.label, bar.text)),
                lx = u(LABEL_WIDTH - 6.0),
                ty = u(y + ROW / 2.0 + 4.0),
                label = escape(&fit(&bar.label, LABEL_WIDTH - 10.0)),
                by = u(y + 4.0),
                w = u(length),
                h = u(ROW - 8.0),
                id = self.id,
                vx = u(LABEL_WIDTH + length + 5.0),
                text = escape(&bar.text),
            );
        }
        out.push_str("</svg>");
        out
    }
}

/// One series of the day chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    /// One value per day of the chart.
    pub values: Vec<u64>,
}

/// The campaign day by day: one column per day for one series (bookings
/// made), a line with a point per day for the other (doses given), on one
/// axis.
#[derive(Clone, Debug, PartialEq)]
pub struct DayChart {
    pub id: String,
    pub title: String,
    /// The days' labels (`2026-12-01`), one per value.
    pub days: Vec<String>,
    pub columns: Series,
    pub line: Series,
}

const LEFT: f64 = 44.0;
const PLOT_HEIGHT: f64 = 180.0;
const LEGEND: f64 = 24.0;

/// A round number at or above `max` for the axis' top (1, 2, 5 × 10ⁿ).
fn axis_top(max: u64) -> u64 {
    let mut step = 1u64;
    loop {
        for k in [1, 2, 5] {
            let top = step.saturating_mul(k);
            if top >= max {
                return top.max(1);
            }
        }
        step = step.saturating_mul(10);
    }
}

impl DayChart {
    /// The chart's SVG markup.
    pub fn svg(&self) -> String {
        let days = self.days.len();
        let slot = if days > 60 { 8.0 } else { 16.0 };
        let plot_width = (days.max(1) as f64 * slot).max(560.0);
        let slot = plot_width / days.max(1) as f64;
        // A column at most 24 units wide: a short campaign is no wall.
        let column = (slot * 0.7).min(24.0);
        let width = LEFT + plot_width + 16.0;
        let height = LEGEND + PLOT_HEIGHT + 36.0;
        let max = self
            .columns
            .values
            .iter()
            .chain(&self.line.values)
            .copied()
            .max()
            .unwrap_or(0);
        let top = axis_top(max);
        let y_of = |v: u64| LEGEND + PLOT_HEIGHT * (1.0 - v as f64 / top as f64);
        let value = |s: &Series, i: usize| s.values.get(i).copied().unwrap_or(0);
        let desc = (0..days)
            .map(|i| {
                format!(
                    "{}: {} {}, {} {}",
                    self.days[i],
                    self.columns.name,
                    value(&self.columns, i),
                    self.line.name,
                    value(&self.line, i)
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let mut out = String::new();
        open(&mut out, &self.id, width, height, &self.title, &desc);
        out.push_str(&hatch(&self.id));
        // The legend: a hatched swatch, a line with a point.
        let _ = write!(
            out,
            "<g class=\"legend\"><rect x=\"{LEFT}\" y=\"4\" width=\"14\" height=\"12\" \
             fill=\"url(#{id}-hatch)\" stroke=\"#000\" stroke-width=\"0.6\"/>\
             <text x=\"{t1}\" y=\"14\" fill=\"#000\">{c}</text>\
             <line x1=\"{l1}\" y1=\"10\" x2=\"{l2}\" y2=\"10\" stroke=\"#000\" stroke-width=\"2\"/>\
             <circle cx=\"{lc}\" cy=\"10\" r=\"3\" fill=\"#fff\" stroke=\"#000\" stroke-width=\"1.5\"/>\
             <text x=\"{t2}\" y=\"14\" fill=\"#000\">{l}</text></g>",
            id = self.id,
            t1 = u(LEFT + 20.0),
            c = escape(&self.columns.name),
            l1 = u(LEFT + 40.0 + text_width(&self.columns.name)),
            l2 = u(LEFT + 64.0 + text_width(&self.columns.name)),
            lc = u(LEFT + 52.0 + text_width(&self.columns.name)),
            t2 = u(LEFT + 70.0 + text_width(&self.columns.name)),
            l = escape(&self.line.name),
        );
        // The axis and its grid: 0, half, top.
        for v in [0, top / 2, top] {
            let y = y_of(v);
            let _ = write!(
                out,
                "<line class=\"grid\" x1=\"{LEFT}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" \
                 stroke=\"#777\" stroke-width=\"0.5\" stroke-dasharray=\"2 2\"/>\
                 <text x=\"{tx}\" y=\"{ty}\" text-anchor=\"end\" fill=\"#000\">{v}</text>",
                y = u(y),
                x2 = u(LEFT + plot_width),
                tx = u(LEFT - 4.0),
                ty = u(y + 4.0),
            );
        }
        // A label every few days: about ten in all, the last day always.
        let every = days.div_ceil(10).max(1);
        let mut points = Vec::with_capacity(days);
        for (i, day) in self.days.iter().enumerate() {
            let x = LEFT + slot * i as f64;
            let booked = value(&self.columns, i);
            let given = value(&self.line, i);
            let tip = format!(
                "{day}: {} {booked}, {} {given}",
                self.columns.name, self.line.name
            );
            let _ = write!(
                out,
                "<g class=\"day\"><title>{tip}</title>\
                 <rect class=\"column\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" \
                 fill=\"url(#{id}-hatch)\" stroke=\"#000\" stroke-width=\"0.6\"/></g>",
                tip = escape(&tip),
                x = u(x + (slot - column) / 2.0),
                y = u(y_of(booked)),
                w = u(column),
                h = u(LEGEND + PLOT_HEIGHT - y_of(booked)),
                id = self.id,
            );
            points.push((x + slot / 2.0, y_of(given), tip));
            if i % every == 0 || i + 1 == days {
                // `MM-DD` of `YYYY-MM-DD`.
                let short = day.get(5..).unwrap_or(day);
                let _ = write!(
                    out,
                    "<text x=\"{x}\" y=\"{y}\" text-anchor=\"middle\" fill=\"#000\">{d}</text>",
                    x = u(x + slot / 2.0),
                    y = u(LEGEND + PLOT_HEIGHT + 16.0),
                    d = escape(short),
                );
            }
        }
        let line: Vec<String> = points
            .iter()
            .map(|(x, y, _)| format!("{},{}", u(*x), u(*y)))
            .collect();
        let _ = write!(
            out,
            "<polyline class=\"line\" points=\"{}\" fill=\"none\" stroke=\"#000\" \
             stroke-width=\"2\"/>",
            line.join(" ")
        );
        for (x, y, tip) in &points {
            let _ = write!(
                out,
                "<circle class=\"point\" cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"#fff\" \
                 stroke=\"#000\" stroke-width=\"1.5\"><title>{}</title></circle>",
                u(*x),
                u(*y),
                escape(tip)
            );
        }
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" stroke=\"#000\" \
             stroke-width=\"1\"/></svg>",
            y = u(LEGEND + PLOT_HEIGHT),
            x2 = u(LEFT + plot_width),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SVG: &str = "http://www.w3.org/2000/svg";

    fn with_class<'a>(
        doc: &'a roxmltree::Document<'a>,
        tag: &str,
        class: &str,
    ) -> Vec<roxmltree::Node<'a, 'a>> {
        doc.descendants()
            .filter(|n| n.has_tag_name((SVG, tag)) && n.attribute("class") == Some(class))
            .collect()
    }

    fn chart(bars: Vec<Bar>) -> BarChart {
        BarChart {
            id: "rates-members".into(),
            title: "接種率 <機関別> & \"type\"".into(),
            bars,
            ticks: vec![
                (0.0, "0%".into()),
                (0.5, "50%".into()),
                (1.0, "100%".into()),
            ],
        }
    }

    #[test]
    fn a_bar_chart_is_well_formed_svg_with_one_bar_per_row() {
        let bars = vec![
            Bar {
                label: "uni大学 教職員".into(),
                share: 0.815,
                text: "81.5%".into(),
            },
            Bar {
                label: "<script>alert(1)</script> & 'x'".into(),
                share: 0.0,
                text: "0.0%".into(),
            },
            Bar {
                label: "staffonly University — Department of a very long name indeed".into(),
                share: 1.7,
                text: "100.0%".into(),
            },
        ];
        let svg = chart(bars.clone()).svg();
        let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
        let root = doc.root_element();
        assert!(root.has_tag_name((SVG, "svg")));
        assert_eq!(root.attribute("role"), Some("img"));
        assert_eq!(
            root.attribute("aria-labelledby"),
            Some("rates-members-title rates-members-desc")
        );
        let title = root
            .children()
            .find(|n| n.has_tag_name((SVG, "title")))
            .unwrap();
        assert_eq!(
            title.text(),
            Some("接種率 <機関別> & \"type\""),
            "escaped, read back as written"
        );

        let drawn = with_class(&doc, "rect", "bar");
        assert_eq!(drawn.len(), bars.len(), "one bar per row");
        let width = |n: &roxmltree::Node| n.attribute("width").unwrap().parse::<f64>().unwrap();
        assert_eq!(width(&drawn[0]), 277.1, "81.5% of the axis");
        assert_eq!(width(&drawn[1]), 0.0);
        assert_eq!(
            width(&drawn[2]),
            AXIS_WIDTH,
            "a share over 1 stops at the axis' end"
        );
        // Each row says what it is in its tooltip, whole (the label drawn may be cut).
        let rows = with_class(&doc, "g", "row");
        let tips: Vec<&str> = rows
            .iter()
            .map(|g| {
                g.children()
                    .find(|n| n.has_tag_name((SVG, "title")))
                    .unwrap()
                    .text()
                    .unwrap()
            })
            .collect();
        assert_eq!(tips[1], "<script>alert(1)</script> & 'x': 0.0%");
        assert!(
            tips[2].starts_with("staffonly University — Department of a very long name indeed")
        );
        assert!(!svg.contains("<script"), "no markup gets through");
        // Black text, hatched bars: readable in print.
        for text in doc.descendants().filter(|n| n.has_tag_name((SVG, "text"))) {
            assert_eq!(text.attribute("fill"), Some("#000"));
        }
        assert!(
            drawn
                .iter()
                .all(|b| b.attribute("fill") == Some("url(#rates-members-hatch)"))
        );
        assert!(!svg.contains("style="), "the CSP allows no inline style");
    }

    #[test]
    fn an_empty_bar_chart_is_still_a_chart() {
        let svg = chart(Vec::new()).svg();
        let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
        assert!(with_class(&doc, "rect", "bar").is_empty());
    }

    #[test]
    fn the_day_chart_has_a_column_and_a_point_per_day() {
        let days: Vec<String> = (1..=24).map(|d| format!("2026-12-{d:02}")).collect();
        let chart = DayChart {
            id: "rates-campaign".into(),
            title: "日ごとの予約と接種".into(),
            columns: Series {
                name: "予約".into(),
                values: (0..24).map(|d| d * 3).collect(),
            },
            line: Series {
                name: "接種 & more".into(),
                values: (0..24).map(|d| d % 5).collect(),
            },
            days: days.clone(),
        };
        let svg = chart.svg();
        let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
        assert_eq!(with_class(&doc, "rect", "column").len(), 24);
        assert_eq!(with_class(&doc, "circle", "point").len(), 24);
        let line = &with_class(&doc, "polyline", "line")[0];
        assert_eq!(line.attribute("points").unwrap().split(' ').count(), 24);
        // The tallest column reaches the axis' top (69 → 100): 69% of the plot.
        let heights: Vec<f64> = with_class(&doc, "rect", "column")
            .iter()
            .map(|r| r.attribute("height").unwrap().parse().unwrap())
            .collect();
        assert_eq!(heights[0], 0.0);
        assert_eq!(heights[23], 124.2);
        let labels: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name((SVG, "text")))
            .filter_map(|n| n.text())
            .collect();
        assert!(
            labels.contains(&"12-01") && labels.contains(&"12-24"),
            "{labels:?}"
        );
        assert!(
            labels.contains(&"接種 & more"),
            "the legend, escaped: {labels:?}"
        );
    }

    #[test]
    fn the_axis_ends_at_a_round_number() {
        assert_eq!(axis_top(0), 1);
        assert_eq!(axis_top(1), 1);
        assert_eq!(axis_top(3), 5);
        assert_eq!(axis_top(69), 100);
        assert_eq!(axis_top(120), 200);
        assert_eq!(axis_top(5000), 5000);
    }
}
