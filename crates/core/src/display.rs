//! How numbers are written for people: counted nouns ("1 article", "3 articles"), decimals rounded as
//! spreadsheets round them, p-values ("p < 0.001"), and `f32` options as
//! they were written (`0.05`, not `0.05000000074505806`).
//!
//! One place for each rule so that no summary, tooltip or note says "1 articles" and no manifest field
//! prints binary noise: format strings with a count before a noun call [`count`], and `f32` fields that
//! end up in `manifest.json` carry `#[serde(serialize_with = "crate::display::f32_as_written")]`.

/// `n` followed by `noun`, plural unless `n` is 1. For the regular nouns framelens counts (article,
/// paragraph, outlet, group, month, document): the plural adds an `s`.
pub fn count(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Serialises an `f32` option (or `Option<f32>`, `Vec<f32>`) as the number it was written as:
/// `#[serde(serialize_with = "crate::display::f32_as_written")]` on the field.
///
/// Why: `manifest.json`'s options go through `serde_json::Value`, which holds every number as `f64`, so
/// `0.05f32` came out as `0.05000000074505806`, which nobody wrote. Rust's shortest round-trip form of the
/// `f32` (`0.05`) is parsed as `f64` instead; reading it back as `f32` gives the same `f32`, and shards made
/// by one build still write equal options, which `framelens merge` compares.
pub fn f32_as_written<T: F32AsWritten + ?Sized, S: serde::Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    value.serialize_as_written(s)
}

/// What [`f32_as_written`] accepts.
pub trait F32AsWritten {
    /// Serialises each `f32` as [`f32_to_f64_as_written`] widens it, keeping the value's shape (option, sequence).
    fn serialize_as_written<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error>;
}

/// The `f64` with the same shortest decimal form as `x` (non-finite values stay as they are).
pub fn f32_to_f64_as_written(x: f32) -> f64 {
    if x.is_finite() {
        x.to_string().parse().unwrap_or(f64::from(x))
    } else {
        f64::from(x)
    }
}

impl F32AsWritten for f32 {
    fn serialize_as_written<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(f32_to_f64_as_written(*self))
    }
}

impl F32AsWritten for Option<f32> {
    fn serialize_as_written<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(x) => s.serialize_some(&f32_to_f64_as_written(*x)),
            None => s.serialize_none(),
        }
    }
}

impl F32AsWritten for [f32] {
    fn serialize_as_written<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter().map(|x| f32_to_f64_as_written(*x)))
    }
}

impl F32AsWritten for Vec<f32> {
    fn serialize_as_written<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_slice().serialize_as_written(s)
    }
}
/// `x` with `places` decimals, rounding half away from zero on the number's decimal value, as
/// spreadsheet programs do: `fixed(0.3085, 3)` is `0.309` (Rust's `{:.3}` gives `0.308`, because the
/// nearest `f64` to 0.3085 lies just below it). The report and the workbook must show the same digits
/// for the same CSV value.
pub fn fixed(x: f64, places: usize) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    // Correctly rounded to many more places first: this recovers the decimal the value was written
    // from (the CSV's), free of binary noise.
    let s = format!("{:.*}", places + 9, x.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let mut digits: Vec<u8> = int.bytes().chain(frac.bytes().take(places)).collect();
    if frac.as_bytes().get(places).is_some_and(|&d| d >= b'5') {
        let mut i = digits.len();
        loop {
            if i == 0 {
                digits.insert(0, b'1');
                break;
            }
            i -= 1;
            if digits[i] == b'9' {
                digits[i] = b'0';
            } else {
                digits[i] += 1;
                break;
            }
        }
    }
    let int_len = digits.len() - places;
    let mut out = String::new();
    if x < 0.0 && digits.iter().any(|&d| d != b'0') {
        out.push('-');
    }
    out.push_str(std::str::from_utf8(&digits[..int_len]).unwrap_or("0"));
    if places > 0 {
        out.push('.');
        out.push_str(std::str::from_utf8(&digits[int_len..]).unwrap_or("0"));
    }
    out
}

/// Smallest p-value shown as a number; below it every output a person reads says "< 0.001".
pub const P_FLOOR: f64 = 0.001;

/// A p-value as people read it (report, workbook, command-line summaries): three decimals, or
/// "< 0.001". Why not the CSV's scientific notation: "1.500e-12" invites reading precision that a
/// chi-square over paragraphs that are not independent does not have; below 0.001 only the bound
/// matters. The CSVs keep the number itself for those who compute with it.
pub fn p_display(p: f64) -> String {
    if p < P_FLOOR {
        format!("< {P_FLOOR}")
    } else {
        fixed(p, 3)
    }
}

/// "p = 0.002", or "p < 0.001": [`p_display`] in a sentence.
pub fn p_statement(p: f64) -> String {
    let shown = p_display(p);
    if shown.starts_with('<') {
        format!("p {shown}")
    } else {
        format!("p = {shown}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_everything_else_plural() {
        assert_eq!(count(1u64, "article"), "1 article");
        assert_eq!(count(0u64, "article"), "0 articles");
        assert_eq!(count(2u32, "paragraph"), "2 paragraphs");
    }

    #[derive(serde::Serialize)]
    struct Opts {
        #[serde(serialize_with = "f32_as_written")]
        temperature: f32,
        #[serde(serialize_with = "f32_as_written")]
        threshold: Option<f32>,
        #[serde(serialize_with = "f32_as_written")]
        none: Option<f32>,
        #[serde(serialize_with = "f32_as_written")]
        weights: Vec<f32>,
    }

    #[test]
    fn f32_options_print_as_written_through_a_json_value() {
        let o = Opts { temperature: 0.05, threshold: Some(0.1), none: None, weights: vec![0.02, 1.0, 1e-7] };
        // The manifest builds its options with `json!`, i.e. through `serde_json::Value`.
        let text = serde_json::to_string(&serde_json::json!({ "classify": o })).unwrap();
        assert_eq!(text, r#"{"classify":{"none":null,"temperature":0.05,"threshold":0.1,"weights":[0.02,1.0,1e-7]}}"#);
        // Read back as f32, the very same f32.
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["classify"]["temperature"].as_f64().unwrap() as f32, 0.05f32);
        assert_eq!(f32_to_f64_as_written(0.019999999552965164f64 as f32), 0.02);
        assert!(f32_to_f64_as_written(f32::NAN).is_nan());
    }

    #[test]
    fn p_values_below_the_floor_read_as_a_bound() {
        assert_eq!(p_display(0.0021), "0.002");
        assert_eq!(p_display(0.001), "0.001");
        assert_eq!(p_display(0.000999), "< 0.001");
        assert_eq!(p_display(1.5e-12), "< 0.001");
        assert_eq!(p_display(0.0), "< 0.001");
        assert_eq!(p_display(0.2075), "0.208");
        assert_eq!(p_statement(3.2e-9), "p < 0.001");
        assert_eq!(p_statement(0.0021), "p = 0.002");
    }
}
