//! Small SVG building blocks: an element builder that escapes every text and attribute value, number
//! formatting for coordinates, colour palettes and text-width estimates.
//!
//! Hand-built rather than a plotting crate: the report needs a handful of chart types, must carry
//! machine-readable data attributes on every mark (so tests and users can check numbers against the
//! CSVs), and must stay one dependency-free, script-free file.

use std::fmt::Write;

/// Escapes text for use in XML/HTML content and in double- or single-quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab/newline are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' && c != '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A coordinate or length with at most two decimals and no trailing zeros (keeps the file small).
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        return "0".to_string();
    }
    let s = format!("{:.2}", x);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// Decimal rounding as spreadsheets do it (defined with the other rules for numbers people read).
pub use crate::display::fixed;

/// A share in [0, 1] as a percentage with one decimal (`0.1081` → `10.8%`), rounded like the
/// workbook's `0.0%` format so both show the same digits.
pub fn pct(x: f64) -> String {
    format!("{}%", fixed(x * 100.0, 1))
}

/// An exact number for a `data-*` attribute: Rust's shortest round-trip form, so parsing the attribute
/// gives back the very `f64` that was read from the CSV.
pub fn exact(x: f64) -> String {
    format!("{x}")
}

/// One SVG (or HTML) element. Attribute values and text are escaped when added; names are trusted
/// literals from this crate.
#[derive(Debug, Clone)]
pub struct El {
    name: &'static str,
    attrs: String,
    children: String,
}

impl El {
    /// An empty element named `name` (a literal: names are never escaped).
    pub fn new(name: &'static str) -> El {
        El { name, attrs: String::new(), children: String::new() }
    }

    /// Adds an attribute; the value is escaped.
    pub fn attr(mut self, name: &str, value: impl AsRef<str>) -> El {
        let _ = write!(self.attrs, " {name}=\"{}\"", esc(value.as_ref()));
        self
    }

    /// Adds a numeric (coordinate) attribute.
    pub fn at(self, name: &str, value: f64) -> El {
        self.attr(name, num(value))
    }

    /// Adds escaped text content.
    pub fn text(mut self, text: &str) -> El {
        self.children.push_str(&esc(text));
        self
    }

    /// Adds a child element.
    pub fn child(mut self, child: El) -> El {
        self.children.push_str(&child.render());
        self
    }

    /// Adds already-rendered, trusted markup (output of other `El`s).
    pub fn raw(mut self, markup: &str) -> El {
        self.children.push_str(markup);
        self
    }

    /// A `<title>` child: the browser's native tooltip, readable without JavaScript.
    pub fn tooltip(self, text: &str) -> El {
        self.child(El::new("title").text(text))
    }

    /// The markup; self-closing when the element has no children.
    pub fn render(&self) -> String {
        if self.children.is_empty() {
            format!("<{}{}/>", self.name, self.attrs)
        } else {
            format!("<{0}{1}>{2}</{0}>", self.name, self.attrs, self.children)
        }
    }
}

/// A `<text>` element with the usual settings.
pub fn text(x: f64, y: f64, content: &str, size: f64, anchor: &str) -> El {
    El::new("text").at("x", x).at("y", y).at("font-size", size).attr("text-anchor", anchor).text(content)
}

/// A `<line>` from (x1, y1) to (x2, y2).
pub fn line(x1: f64, y1: f64, x2: f64, y2: f64, stroke: &str, width: f64) -> El {
    El::new("line").at("x1", x1).at("y1", y1).at("x2", x2).at("y2", y2).attr("stroke", stroke).at("stroke-width", width)
}

/// A filled `<rect>`; negative sizes are drawn as zero rather than making invalid SVG.
pub fn rect(x: f64, y: f64, w: f64, h: f64, fill: &str) -> El {
    El::new("rect").at("x", x).at("y", y).at("width", w.max(0.0)).at("height", h.max(0.0)).attr("fill", fill)
}

/// The root `<svg>`: scales to the page width (viewBox), with an accessible title.
pub fn svg_root(id: &str, width: f64, height: f64, title: &str, body: &str) -> String {
    El::new("svg")
        .attr("xmlns", "http://www.w3.org/2000/svg")
        .attr("id", id)
        .attr("class", "chart")
        .attr("viewBox", format!("0 0 {} {}", num(width), num(height)))
        .at("width", width)
        .at("height", height)
        .attr("role", "img")
        .attr("font-family", FONT_STACK)
        .tooltip(title)
        .raw(body)
        .render()
}

/// System fonts only: the report makes no requests.
pub const FONT_STACK: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

/// Okabe & Ito's colour-blind-safe palette (black left out: it is kept for text), followed by Paul Tol's
/// "muted" scheme for codebooks with more than seven frames (e.g. the 15 policy frames).
const CATEGORICAL: [&str; 16] = [
    "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#332288", "#88CCEE", "#44AA99",
    "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499",
];

/// The colour of the fallback `other` frame: neutral grey, so it does not compete with real frames.
pub const OTHER_COLOUR: &str = "#9E9E9E";

/// Colour of the `i`-th frame (frames keep their colour in every chart of a report).
pub fn frame_colour(i: usize, label: &str) -> &'static str {
    if label == crate::run::labels::OTHER {
        OTHER_COLOUR
    } else {
        CATEGORICAL[i % CATEGORICAL.len()]
    }
}

/// Stance colours: bluish green / grey / vermillion from Okabe–Ito, distinguishable for all common
/// colour-vision deficiencies and in greyscale print.
pub fn stance_colour(label: &str) -> &'static str {
    use crate::run::Stance;
    match Stance::parse(label) {
        Some(Stance::Supportive) => "#009E73",
        Some(Stance::Neutral) => "#BDBDBD",
        Some(Stance::Critical) => "#D55E00",
        None => "#56B4E9",
    }
}

fn parse_hex(c: &str) -> (f64, f64, f64) {
    let c = c.trim_start_matches('#');
    let v = u32::from_str_radix(c, 16).unwrap_or(0);
    (((v >> 16) & 0xff) as f64, ((v >> 8) & 0xff) as f64, (v & 0xff) as f64)
}

/// Relative luminance (WCAG) of a `#rrggbb` colour.
pub fn luminance(c: &str) -> f64 {
    let (r, g, b) = parse_hex(c);
    let lin = |v: f64| {
        let v = v / 255.0;
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

/// Black or white, whichever contrasts more with the background.
pub fn text_colour_on(bg: &str) -> &'static str {
    let l = luminance(bg);
    // Contrast with black: (l+0.05)/0.05; with white: 1.05/(l+0.05).
    if (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) {
        "#000000"
    } else {
        "#FFFFFF"
    }
}

/// ColorBrewer "Blues": a single-hue sequential scale, readable with any colour-vision deficiency
/// because it varies mainly in lightness.
const BLUES: [&str; 9] =
    ["#F7FBFF", "#DEEBF7", "#C6DBEF", "#9ECAE1", "#6BAED6", "#4292C6", "#2171B5", "#08519C", "#08306B"];

/// The colour for `t` in [0, 1] on the sequential scale (interpolated between the nine stops).
pub fn sequential(t: f64) -> String {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let pos = t * (BLUES.len() - 1) as f64;
    let i = (pos.floor() as usize).min(BLUES.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (parse_hex(BLUES[i]), parse_hex(BLUES[i + 1]));
    let mix = |x: f64, y: f64| (x + (y - x) * f).round() as u8;
    format!("#{:02X}{:02X}{:02X}", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Rough width of `s` in pixels at font size `size` (average glyph ≈ 0.55 em in sans-serif fonts).
/// Only used to size margins; labels longer than the room they get are shortened with [`fit`].
pub fn text_width(s: &str, size: f64) -> f64 {
    s.chars().count() as f64 * size * 0.55
}

/// `s` shortened with an ellipsis to fit `width` pixels at `size`.
pub fn fit(s: &str, width: f64, size: f64) -> String {
    if text_width(s, size) <= width {
        return s.to_string();
    }
    let n = ((width / (size * 0.55)).floor() as usize).max(2);
    let mut out: String = s.chars().take(n - 1).collect();
    out.push('…');
    out
}

/// A frame id as people read it: `victim_protection` → `victim protection`.
pub fn humanize(id: &str) -> String {
    id.replace(['_', '-'], " ")
}

/// "Nice" upper bound for an axis: the smallest of 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0 at
/// or above `max`.
pub fn nice_share_max(max: f64) -> f64 {
    [0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0].into_iter().find(|&m| m >= max - 1e-12).unwrap_or(1.0)
}

/// Tick values from 0 to `max` (3 to 6 ticks).
pub fn share_ticks(max: f64) -> Vec<f64> {
    let step = [0.05, 0.1, 0.2, 0.25].into_iter().find(|s| max / s <= 5.0 + 1e-9).unwrap_or(0.25);
    let n = (max / step + 1e-9).floor() as usize;
    (0..=n).map(|i| i as f64 * step).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(esc(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        assert_eq!(esc("a\u{1}b"), "a b");
        let el = El::new("rect").attr("data-group", "A \"B\" <C>").tooltip("x < y");
        assert_eq!(el.render(), "<rect data-group=\"A &quot;B&quot; &lt;C&gt;\"><title>x &lt; y</title></rect>");
    }

    #[test]
    fn numbers_are_compact_and_exact_numbers_round_trip() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.345), "12.35");
        assert_eq!(num(-0.001), "0");
        assert_eq!(pct(0.1081), "10.8%");
        assert_eq!(pct(0.1795), "18.0%");
        assert_eq!(pct(0.0), "0.0%");
        assert_eq!(fixed(0.3085, 3), "0.309");
        assert_eq!(fixed(0.3749, 3), "0.375");
        assert_eq!(fixed(9.96, 1), "10.0");
        assert_eq!(fixed(-0.04, 1), "0.0");
        assert_eq!(fixed(-0.05, 1), "-0.1");
        assert_eq!(fixed(40.3072, 2), "40.31");
        assert_eq!(fixed(2.5, 0), "3");
        for x in [0.1081, 0.1 + 0.2, 1.0 / 3.0] {
            assert_eq!(exact(x).parse::<f64>().unwrap(), x);
        }
    }

    #[test]
    fn text_contrasts_with_its_background() {
        assert_eq!(text_colour_on("#F0E442"), "#000000");
        assert_eq!(text_colour_on("#0072B2"), "#FFFFFF");
        assert_eq!(text_colour_on("#08306B"), "#FFFFFF");
        assert_eq!(sequential(0.0), "#F7FBFF");
        assert_eq!(sequential(1.0), "#08306B");
    }

    #[test]
    fn axes_are_nice() {
        assert_eq!(nice_share_max(0.43), 0.5);
        assert_eq!(nice_share_max(0.5), 0.5);
        assert_eq!(share_ticks(0.5), vec![0.0, 0.1, 0.2, 0.30000000000000004, 0.4, 0.5]);
        assert_eq!(share_ticks(1.0).len(), 6);
        assert_eq!(fit("abcdefghij", 11.0 * 4.0, 10.0), "abcdefg…");
    }
}
