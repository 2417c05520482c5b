//! The language of a paragraph, for the `lang` column of `paragraphs.csv` and `compare --by lang`: runs
//! that mix Chinese- and English-language outlets need to tell the two apart per paragraph (an English
//! outlet quotes Chinese statements, a Chinese one prints English captions).
//!
//! Detection is whatlang's (script first, then trigrams within a script), which needs no model file.
//! Codes are ISO 639-1 where one exists, since that is what analysts join on (`en`, `zh`); whatlang's
//! ISO 639-3 code otherwise; `und` (ISO 639-2 "undetermined") when the text is too short or the guess is
//! not reliable, so a short heading is never counted as a language it is not.

use whatlang::Lang;

/// The code for a paragraph whose language could not be told.
pub const UNDETERMINED: &str = "und";

/// Fewer letters than this in an alphabetic script is too little for trigrams (`Photo: Reuters`).
const MIN_LETTERS: usize = 20;
/// Han script is told from its characters alone (and Japanese by its kana), so a short title is enough.
const MIN_HAN: usize = 4;

/// The language of `text`: an ISO 639-1 code (`en`, `zh`, …), whatlang's ISO 639-3 code for a
/// language without one, or [`UNDETERMINED`].
pub fn language(text: &str) -> &'static str {
    language_and_script(text).0
}

/// [`language`] and the text's script, from one whatlang pass where the text is long enough to detect.
fn language_and_script(text: &str) -> (&'static str, Option<whatlang::Script>) {
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    let han = super::cjk::han_count(text);
    let enough = if han * 2 >= letters { han >= MIN_HAN } else { letters >= MIN_LETTERS };
    if !enough {
        return (UNDETERMINED, whatlang::detect_script(text));
    }
    match whatlang::detect(text) {
        Some(info) if info.is_reliable() => {
            (iso_639_1(info.lang()).unwrap_or_else(|| info.lang().code()), Some(info.script()))
        }
        Some(info) => (UNDETERMINED, Some(info.script())),
        None => (UNDETERMINED, whatlang::detect_script(text)),
    }
}

/// The languages of one article's paragraphs, in order. Each paragraph gets its own [`language`]; one that
/// cannot tell on its own (a short or ambiguous paragraph: whatlang calls many two-line English paragraphs of
/// news unreliable) takes its article's language, the most common among the article's paragraphs that could
/// tell, when it is written in that language's script. Without this, `compare --by lang,outlet` split 7% of an
/// English news outlet's body paragraphs into an `und` group (60 ABP articles, 107 of 1,482); a short Chinese
/// quote in an English article (Han script, not Latin) still stays `und` rather than becoming `en`.
pub fn article_languages<'a>(paragraphs: impl IntoIterator<Item = &'a str>) -> Vec<&'static str> {
    let own: Vec<(&'static str, Option<whatlang::Script>)> = paragraphs.into_iter().map(language_and_script).collect();
    // (language, script, count) in order of first appearance, so ties go to the language that comes first.
    let mut counts: Vec<(&'static str, whatlang::Script, usize)> = Vec::new();
    for &(lang, script) in &own {
        let Some(script) = script.filter(|_| lang != UNDETERMINED) else { continue };
        match counts.iter_mut().find(|(l, s, _)| *l == lang && *s == script) {
            Some(c) => c.2 += 1,
            None => counts.push((lang, script, 1)),
        }
    }
    let main = counts.iter().fold(None::<&(&'static str, whatlang::Script, usize)>, |best, c| match best {
        Some(b) if b.2 >= c.2 => Some(b),
        _ => Some(c),
    });
    own.iter()
        .map(|&(lang, script)| match (lang, main, script) {
            (UNDETERMINED, Some(&(main, main_script, _)), Some(s)) if s == main_script => main,
            _ => lang,
        })
        .collect()
}

/// ISO 639-1 codes of the languages news commentary in this project's corpora is written in (and of
/// their neighbours), so that `lang` reads like the codes analysts use; `None` for the rest.
fn iso_639_1(lang: Lang) -> Option<&'static str> {
    Some(match lang {
        Lang::Eng => "en",
        // whatlang names written Chinese by its largest spoken variety, Mandarin (cmn).
        Lang::Cmn => "zh",
        Lang::Jpn => "ja",
        Lang::Kor => "ko",
        Lang::Vie => "vi",
        Lang::Tha => "th",
        Lang::Mya => "my",
        Lang::Khm => "km",
        Lang::Ind => "id",
        Lang::Tgl => "tl",
        Lang::Hin => "hi",
        Lang::Rus => "ru",
        Lang::Ukr => "uk",
        Lang::Spa => "es",
        Lang::Por => "pt",
        Lang::Fra => "fr",
        Lang::Deu => "de",
        Lang::Ita => "it",
        Lang::Nld => "nl",
        Lang::Ara => "ar",
        Lang::Tur => "tr",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_and_chinese_paragraphs() {
        assert_eq!(
            language(
                "The ministry announced on Friday that twelve suspects had been arrested near the border, \
                 but analysts said the raids rarely reach the people who run the compounds."
            ),
            "en"
        );
        assert_eq!(
            language(
                "警方周五宣布，在边境地区逮捕了十二名涉嫌电信诈骗的嫌疑人，但分析人士认为幕后组织者很少受到追究。"
            ),
            "zh"
        );
        assert_eq!(language("當局表示，跨境合作機制將在明年全面啟動，但各國對執行細節仍有分歧。"), "zh");
        // Chinese prose naming an English acronym is still Chinese.
        assert_eq!(language("东盟（ASEAN）各国外长周一在雅加达会面，讨论跨境诈骗问题。"), "zh");
    }

    #[test]
    fn short_text_is_undetermined() {
        assert_eq!(language("Photo: Reuters"), UNDETERMINED);
        assert_eq!(language("分享"), UNDETERMINED);
        assert_eq!(language("2025-11-14"), UNDETERMINED);
        assert_eq!(language(""), UNDETERMINED);
        assert_eq!(language("边境执法的新阶段"), "zh");
    }

    #[test]
    fn a_paragraph_too_short_to_tell_takes_its_articles_language_in_the_same_script() {
        let langs = article_languages([
            "The ministry announced on Friday that twelve suspects had been arrested near the border, \
             but analysts said the raids rarely reach the people who run the compounds.",
            "Some background.",
            "分享",
            "Officials in the capital have not commented on the figures, and neither has the embassy, \
             which was asked twice by reporters this week.",
            "2025-11-14",
        ]);
        // The Han-script share button stays undetermined in an English article; digits have no script.
        assert_eq!(langs, ["en", "en", UNDETERMINED, "en", UNDETERMINED]);
        // An article in which no paragraph can tell keeps every paragraph undetermined.
        assert_eq!(article_languages(["Photo: Reuters", "Some background."]), [UNDETERMINED, UNDETERMINED]);
        // A Chinese article: its short headline-like line in Han script takes `zh`.
        let zh = article_languages([
            "警方周五宣布，在边境地区逮捕了十二名涉嫌电信诈骗的嫌疑人，但分析人士认为幕后组织者很少受到追究。",
            "责编",
        ]);
        assert_eq!(zh, ["zh", "zh"]);
    }

    #[test]
    fn other_languages_get_a_code() {
        let fr = "Le ministère a annoncé vendredi l'arrestation de douze suspects près de la frontière, \
                  mais les analystes estiment que les véritables organisateurs restent libres.";
        assert_eq!(language(fr), "fr");
    }
}
