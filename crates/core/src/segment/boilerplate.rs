//! Recognising page furniture (credits, bylines, bios, newsletter and form text) by its wording.
//! These are text-only tests; where in the document a block sits is decided in `classify`.

use std::sync::LazyLock;

use regex::Regex;

use super::boilerplate_zh::is_chinese_furniture;
use super::cjk;
use crate::corpus::date::parse_date;

/// Furniture is short; longer blocks are only boilerplate through position (bios, trailing zone).
const MAX_PATTERN_WORDS: usize = 30;
/// Author bios run to a few sentences; a longer block that opens like one is prose.
const MAX_BIO_WORDS: usize = 120;
/// Widget text repeats a title (`JUST WATCHED <title> … MUST WATCH <title>`) or wraps a caption or
/// a whole post, so it runs longer than other furniture; its markers are specific enough for that.
const MAX_WIDGET_WORDS: usize = 80;

/// Blocks that are exactly one of these (ignoring case and trailing punctuation) are furniture.
const EXACT: &[&str] = &[
    "advertisement",
    "advertising",
    "sponsored",
    "share",
    "share this",
    "share this article",
    "share this story",
    "tweet",
    "email",
    "print",
    "comments",
    "subscribe",
    "continue reading",
    "back to top",
    "read more",
    "related",
    "more",
    // A link-list heading left in the text of some news sites' articles ("More On This...").
    "more on this",
    "more on this story",
    "listen",
    "looks good",
];

/// Blocks that are exactly one of these (ignoring case and trailing punctuation) are the controls
/// and labels of video players, galleries and embedded posts.
const WIDGET_EXACT: &[&str] = &[
    "just watched",
    "must watch",
    "now playing",
    "replay",
    "more videos",
    "video ad feedback",
    "video",
    "watch",
    "watch video",
    "photos",
    "gallery",
    "photo gallery",
    "see all photos",
    "view gallery",
    "hide caption",
    "show caption",
    "swipe",
    "copy link",
    "link copied",
    "view this post on instagram",
    "view on instagram",
    "view on twitter",
    "loading",
    "browser not compatible",
];

/// Widget markers at the start of a block: links to videos and galleries, image captions with
/// their credits, embed headers, listen/share bars.
const WIDGET_PREFIXES: &[&str] = &[
    "watch:",
    "now watch:",
    "video:",
    "photos:",
    "( photos:",
    "gallery:",
    "see all photos",
    "swipe for",
    "swipe to",
    "copy link",
    "share this:",
    "enlarge this image",
    "image copyright",
    "facebook twitter pinterest",
    "listen to article",
    "skip twitter post",
    "skip instagram post",
    "skip facebook post",
    "skip youtube post",
    "end of twitter post",
    "end of instagram post",
    "end of facebook post",
    "end of youtube post",
];

/// Widget wording that may sit anywhere in a block.
const WIDGET_PHRASES: &[&str] = &[
    "replay more videos",
    "video ad feedback",
    "hide caption",
    "toggle caption",
    "image caption",
    "pic.twitter.com/",
    "view this post on instagram",
    "a post shared by",
    "continue reading the main story",
];

/// The buttons of a share bar; a block made only of these (`Share Tweet Post Email`) is one.
const SHARE_WORDS: &[&str] = &[
    "share",
    "facebook",
    "twitter",
    "x",
    "email",
    "e-mail",
    "print",
    "tweet",
    "post",
    "linkedin",
    "whatsapp",
    "pinterest",
    "reddit",
    "messenger",
    "flipboard",
    "telegram",
    "sms",
    "copy",
    "link",
    "comment",
    "comments",
    "save",
];

/// The signature that closes an embedded tweet: `— Jane Doe (@janedoe) June 3, 2024`.
static POST_SIGNATURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|\s)[—–-]\s*[^—–()]{1,80}\(@\w{1,30}\)\s*(?:[A-Z][a-z]+\.? \d{1,2}, \d{4}|\d{1,2} [A-Z][a-z]+ \d{4})?\s*$")
        .expect("valid regex")
});

/// Image and photo credits, at the start of a short line.
const CREDIT_PREFIXES: &[&str] = &[
    "image:",
    "images:",
    "image credit",
    "image source",
    "image courtesy",
    "photo:",
    "photos:",
    "photo credit",
    "photo by",
    "photograph:",
    "photograph by",
    "picture:",
    "pictures:",
    "credit:",
    "credits:",
    "illustration:",
    "illustration by",
    "caption:",
    "featured image",
    "cover image",
    "cover photo",
    "header image",
    "file photo",
    "courtesy of",
    "(photo",
    "[photo",
    "(image",
    "[image",
    "![",
];

/// Agencies and stock libraries that appear inside short credit lines.
const CREDIT_WORDS: &[&str] = &[
    "getty images",
    "shutterstock",
    "wikimedia commons",
    "via reuters",
    "/ reuters",
    "/reuters",
    "/ afp",
    "/afp",
    "ap photo",
    "afp photo",
    "reuters photo",
];

/// Newsletter, sharing, navigation and form prompts, at the start of a short line. These also
/// open the trailing zone at the end of an article.
const PROMPT_PREFIXES: &[&str] = &[
    "subscribe",
    "sign up",
    "sign-up",
    "please enter",
    "please accept",
    "please provide",
    "please fill",
    "please select",
    "please check",
    "enter your",
    "looks good",
    "thank you for subscribing",
    "thanks for subscribing",
    "thanks for signing up",
    "share this",
    "share on",
    "share:",
    "related:",
    "related articles",
    "related posts",
    "related stories",
    "related reading",
    "related content",
    "read more",
    "read also",
    "also read",
    "recommended for you",
    "follow us",
    "follow @",
    "copyright ©",
    "copyright (c)",
    "copyright 1",
    "copyright 2",
    "©",
    "(c) ",
    "all rights reserved",
    "support us",
    "click here",
    "tags:",
    "topics:",
    "filed under",
    "leave a comment",
    "leave a reply",
    "this article was originally published",
    "this article first appeared",
    "this article was first published",
    "originally published",
    "a version of this article",
    "the views expressed",
    "views expressed in this",
    "disclaimer",
];

/// Prompt wording that may sit anywhere in a short block.
const PROMPT_PHRASES: &[&str] = &[
    "newsletter",
    "subscribe to our",
    "subscribe now",
    "subscribe today",
    "sign up for",
    "sign up to",
    "sign up now",
    "inbox",
    "enter your name",
    "enter your email",
    "enter a valid",
    "valid email",
    "email address",
    "accept the terms",
    "terms of use",
    "terms and conditions",
    "privacy policy",
    "share this article",
    "share this story",
    "all rights reserved",
    "copyright ©",
    "follow us on",
    "donate now",
    "donate today",
    "make a donation",
    "support our journalism",
    "support independent journalism",
    "min read",
    "minute read",
];

/// Prefixes of publication-date lines (the date itself is checked with the ingest date parser).
const DATE_PREFIXES: &[&str] = &[
    "published on",
    "published:",
    "published",
    "updated on",
    "updated:",
    "updated",
    "last updated:",
    "last updated",
    "posted on",
    "posted:",
    "posted",
    "date:",
];

/// Lines that introduce an author bio.
const AUTHOR_HEADERS: &[&str] = &[
    "author",
    "authors",
    "about the author",
    "about the authors",
    "about the writer",
    "about the writers",
    "about the contributor",
    "about the contributors",
    "the author",
    "the authors",
    "author bio",
    "author profile",
    "contributor",
    "contributors",
];

/// What follows a name at the start of a bio (`Jane Doe is a ...`).
const BIO_VERBS: &[&str] = &[
    "is a ",
    "is an ",
    "is the ",
    "is senior ",
    "is currently ",
    "is also ",
    "is based ",
    "is pursuing ",
    "is assistant ",
    "is associate ",
    "is professor ",
    "is director ",
    "writes ",
    "has written ",
    "has been ",
    "was previously ",
    "previously ",
    "serves as ",
    "works as ",
    "works at ",
    "works on ",
    "teaches ",
    "covers ",
    "reports on ",
    "holds ",
    "leads ",
    "heads ",
];

/// Words that make a `Name is a ...` sentence a biography rather than analysis.
const BIO_WORDS: &[&str] = &[
    "research",
    "fellow",
    "correspondent",
    "editor",
    "graduated",
    "graduate",
    "previously",
    "worked",
    "focuses",
    "writings",
    "journalist",
    "associate",
    "professor",
    "analyst",
    "lecturer",
    "scholar",
    "columnist",
    "contributor",
    "reporter",
    "university",
    "institute",
    "phd",
    "ph.d",
    "author of",
    "director",
    "doctoral",
];

/// Lower-cased, straight apostrophes, single spaces: the form all patterns are written in.
fn normalize(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase().replace(['’', '‘'], "'")
}

/// `s` starts with `prefix` and the prefix does not end mid-word (`subscribe` must not match
/// `subscribers`).
fn starts_with_word(s: &str, prefix: &str) -> bool {
    let Some(rest) = s.strip_prefix(prefix) else {
        return false;
    };
    let prefix_ends_in_word = prefix.chars().last().is_some_and(char::is_alphanumeric);
    !prefix_ends_in_word || !rest.chars().next().is_some_and(char::is_alphanumeric)
}

/// Words, with Han text counted by [`cjk::word_count`] so the length limits below hold for Chinese
/// lines too (the same count as `split_whitespace` for text without Han characters).
fn word_count(s: &str) -> usize {
    cjk::word_count(s)
}

/// Furniture recognisable from the text alone: credits, bylines, prompts, date lines, separators.
pub(super) fn is_boilerplate_text(s: &str) -> bool {
    if !s.chars().any(char::is_alphanumeric) {
        // `---`, `* * *`, `•`: separators, never content.
        return true;
    }
    if is_chinese_furniture(s) {
        return true;
    }
    if word_count(s) > MAX_PATTERN_WORDS {
        return is_disclaimer(s) || is_widget(s) || is_signup_form(s);
    }
    let n = normalize(s);
    let bare = n.trim_end_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace());
    EXACT.contains(&bare)
        || is_credit(s)
        || is_prompt(s)
        || is_author_header(s)
        || is_byline(s)
        || is_date_line(s)
        || is_widget(s)
}

/// Text of page widgets scraped along with the article: video players, photo galleries, embedded
/// posts, share bars. Unlike prompts these sit anywhere in an article, so they do not open the
/// trailing zone.
pub(super) fn is_widget(s: &str) -> bool {
    if word_count(s) > MAX_WIDGET_WORDS {
        return false;
    }
    let n = normalize(s);
    let n = n.trim_start_matches(['*', '_', ' ']);
    let bare = n.trim_end_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace());
    WIDGET_EXACT.contains(&bare)
        || WIDGET_PREFIXES.iter().any(|p| starts_with_word(n, p))
        || WIDGET_PHRASES.iter().any(|p| n.contains(p))
        || is_video_player(n)
        || is_duration(bare)
        || is_clock_line(bare)
        || is_gallery_count(bare)
        || is_share_bar(bare)
        || POST_SIGNATURE.is_match(s.trim())
}

/// A video player's strip (`JUST WATCHED <title> Replay More Videos ... MUST WATCH <title> 02:31`);
/// the opening words alone could begin a sentence, so a second player word is required.
fn is_video_player(n: &str) -> bool {
    starts_with_word(n, "just watched") && (n.contains("more videos") || n.contains("must watch"))
}

/// A bare clip length, `02:31` or `1:02:31`.
pub(super) fn is_duration(s: &str) -> bool {
    let parts: Vec<&str> = s.trim().split(':').collect();
    (2..=3).contains(&parts.len())
        && parts[0].len() <= 2
        && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        && parts[1..].iter().all(|p| p.len() == 2)
}

/// A live-blog timestamp on its own line: `4:05 p.m.`, `Updated at 10:30 a.m. ET`.
fn is_clock_line(n: &str) -> bool {
    let rest = ["updated at", "update at", "updated", "posted at"].iter().find_map(|p| n.strip_prefix(p)).unwrap_or(n);
    let words: Vec<&str> = rest.split_whitespace().collect();
    let zone_ok = |w: &[&str]| w.len() <= 1 && w.iter().all(|z| z.len() <= 4 && z.chars().all(char::is_alphabetic));
    match words.as_slice() {
        [time, meridiem, zone @ ..] => {
            is_duration(time) && matches!(*meridiem, "a.m." | "p.m." | "a.m" | "p.m" | "am" | "pm") && zone_ok(zone)
        }
        _ => false,
    }
}

/// A gallery position, `1 of 22`, optionally after its caption toggle (`Hide Caption 3 of 22`).
fn is_gallery_count(n: &str) -> bool {
    let rest =
        ["hide caption", "show caption", "photos:", "photo"].iter().find_map(|p| n.strip_prefix(p)).unwrap_or(n).trim();
    let words: Vec<&str> = rest.split_whitespace().collect();
    let number = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_digit());
    matches!(words.as_slice(), [a, "of", b] if number(a) && number(b))
}

/// A row of share buttons: at least two words, all of them button names.
fn is_share_bar(n: &str) -> bool {
    let words: Vec<&str> = n
        .split(|c: char| c.is_whitespace() || matches!(c, '|' | '•' | '·' | '/' | ','))
        .filter(|w| !w.is_empty())
        .collect();
    words.len() >= 2 && words.iter().all(|w| SHARE_WORDS.contains(w))
}

/// Credits and photo captions marked as such.
pub(super) fn is_credit(s: &str) -> bool {
    if word_count(s) > 20 {
        return false;
    }
    let n = normalize(s);
    let n = n.trim_start_matches(['*', '_', ' ']);
    CREDIT_PREFIXES.iter().any(|p| starts_with_word(n, p))
        || (n.starts_with("source:") && word_count(s) <= 12)
        || CREDIT_WORDS.iter().any(|w| n.contains(w))
}

/// Newsletter, sharing and form prompts.
pub(super) fn is_prompt(s: &str) -> bool {
    if word_count(s) > MAX_PATTERN_WORDS {
        return false;
    }
    let n = normalize(s);
    let n = n.trim_start_matches(['*', '_', ' ']);
    PROMPT_PREFIXES.iter().any(|p| starts_with_word(n, p))
        || PROMPT_PHRASES.iter().any(|p| n.contains(p))
        || is_follow(n)
}

/// `Follow Jane Doe on Twitter.`: a short line pointing at an account.
fn is_follow(n: &str) -> bool {
    let n = n.trim_end_matches(|c: char| c.is_ascii_punctuation());
    n.starts_with("follow ")
        && word_count(n) <= 12
        && ["on twitter", "on facebook", "on instagram", "on x", "facebook and twitter", "twitter and facebook"]
            .iter()
            .any(|e| n.ends_with(e))
}

/// `Author`, `About the author`, with or without a colon.
pub(super) fn is_author_header(s: &str) -> bool {
    let n = normalize(s);
    let bare = n.trim_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace()).trim();
    AUTHOR_HEADERS.contains(&bare)
}

/// Markers that open the trailing zone at the end of an article.
pub(super) fn is_zone_start(s: &str) -> bool {
    is_credit(s) || is_prompt(s) || is_author_header(s)
}

/// `By Jane Doe`, `Author: Jane Doe`, `Written by ...` (short).
fn is_byline(s: &str) -> bool {
    if word_count(s) > 8 {
        return false;
    }
    let n = normalize(s);
    if n.starts_with("author:") || n.starts_with("authors:") || n.starts_with("written by ") {
        return true;
    }
    let Some(rest) = s.trim().strip_prefix("By ") else {
        return false;
    };
    // Every word of the name capitalised (or a connector), so `By 2030 the region...` and
    // `By contrast` do not match.
    let words: Vec<&str> = rest.split_whitespace().collect();
    !words.is_empty()
        && words.iter().all(|w| {
            matches!(*w, "and" | "&" | "de" | "van" | "von" | "bin" | "al" | "|")
                || w.chars().next().is_some_and(char::is_uppercase)
        })
        && words[0].chars().all(|c| !c.is_ascii_digit())
}

/// A line that is only a date, optionally prefixed by `Published`/`Updated`.
fn is_date_line(s: &str) -> bool {
    if word_count(s) > 8 {
        return false;
    }
    let n = normalize(s);
    let rest = DATE_PREFIXES.iter().find_map(|p| n.strip_prefix(p)).unwrap_or(&n);
    let rest = rest.trim_matches(|c: char| c == ':' || c == '|' || c.is_whitespace());
    parse_date(rest).is_some()
}

/// Wording of a newsletter sign-up form: its pitch, the consent line, the confirmation text.
const SIGNUP_MARKERS: &[&str] = &[
    "sign up",
    "signing up",
    "newsletter",
    "unsubscribe",
    "privacy policy",
    "terms of use",
    "terms of service",
    "enter your email",
    "in your inbox",
    "you agree to",
    "i agree to",
    "confirmation email",
    "your subscription",
    "spam folder",
    "choose your country",
];

/// A newsletter sign-up form scraped whole, however long (one news site's form lists every country of the
/// world in its drop-down: hundreds of words). Three different markers: an article about people who "sign up"
/// for jobs abroad by email uses one or two. Like widgets, such forms sit anywhere in an article and do not
/// open the trailing zone.
fn is_signup_form(s: &str) -> bool {
    let n = normalize(s);
    SIGNUP_MARKERS.iter().filter(|m| n.contains(*m)).count() >= 3
}

/// Editorial disclaimers are often long, but only ever start this way.
fn is_disclaimer(s: &str) -> bool {
    let n = normalize(s);
    [
        "the views expressed",
        "views expressed in this",
        "disclaimer",
        "this article was originally published",
        "this article first appeared",
        "a version of this article",
    ]
    .iter()
    .any(|p| n.starts_with(p))
}

/// A biography: `Jane Doe is a senior fellow ...` (a 2–4 word capitalised name, a bio verb, and
/// a bio word somewhere), or `The author is ...`. Position (end of document, or after an
/// `Author` line) is checked by the caller, since analysis can also describe people.
pub(super) fn looks_like_bio(s: &str) -> bool {
    // A bio is a few sentences. A whole article in one block can open like one ("Roy Moore is an outspoken
    // ...") and sit last in its document: without this limit it was dropped as boilerplate (found on the
    // Narrative Frames Corpus, whose articles have no paragraph breaks).
    if s.split_whitespace().count() > MAX_BIO_WORDS {
        return false;
    }
    let n = normalize(s.trim_start_matches(['*', '_']));
    if ["the author is ", "the authors are ", "the writer is "].iter().any(|p| n.starts_with(p)) {
        return true;
    }
    let has_bio_word = BIO_WORDS.iter().any(|w| n.contains(w));
    has_bio_word && name_then_verb(s.trim_start_matches(['*', '_']).trim_start())
}

/// Whether the text starts with 2–4 capitalised name words followed by a bio verb.
fn name_then_verb(s: &str) -> bool {
    let words: Vec<&str> = s.split_whitespace().take(6).collect();
    for name_len in 2..=4 {
        if words.len() <= name_len {
            break;
        }
        let name = &words[..name_len];
        let is_name = name.iter().enumerate().all(|(i, w)| {
            let particle = i > 0 && matches!(*w, "de" | "van" | "von" | "bin" | "al" | "da" | "del");
            particle || w.chars().next().is_some_and(char::is_uppercase)
        });
        if !is_name {
            break;
        }
        let rest: Vec<&str> = s.split_whitespace().skip(name_len).take(3).collect();
        let rest = format!("{} ", rest.join(" ")).to_lowercase();
        if BIO_VERBS.iter().any(|v| rest.starts_with(v)) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_boilerplate() {
        for s in [
            "Image: ABC News",
            "Photo credit: Reuters",
            "Source: Ministry of Public Security",
            "Subscribe now to our newsletter !",
            "Please enter your name.",
            "Looks good.",
            "Please enter a valid email address.",
            "Please accept the terms to continue.",
            "Author",
            "About the Author:",
            "By Jane Doe",
            "Published 14 Nov 2025",
            "November 14, 2025",
            "Share this article",
            "More On This...",
            "Related: Myanmar's scam compounds",
            "© 2025 Example Media. All rights reserved.",
            "* * *",
            "Advertisement",
            "5 min read",
        ] {
            assert!(is_boilerplate_text(s), "{s}");
        }
    }

    #[test]
    fn not_boilerplate() {
        for s in [
            "The Need for a Multilateral Approach",
            "By contrast, Thailand moved quickly.",
            "By 2030 the networks will have moved.",
            "Few governments subscribe to that view.",
            "The source of the problem is structural.",
            "Author and activist groups disagree.",
            "More on this later.",
            "Subscribers to the official narrative were few.",
            "Copyright law is weak in the borderlands.",
        ] {
            assert!(!is_boilerplate_text(s), "{s}");
        }
    }

    #[test]
    fn widget_boilerplate() {
        for s in [
            // Video players.
            "JUST WATCHED Harbour cranes stand idle Replay More Videos ... MUST WATCH Harbour cranes stand idle 02:31",
            "Just Watched",
            "Replay",
            "More Videos ...",
            "MUST WATCH",
            "Now Playing",
            "Video Ad Feedback",
            "02:31",
            "1:04:09",
            "4:05 p.m.",
            "Updated at 10:30 a.m. ET",
            "Loading...",
            "Watch: The minister answers questions on the port deal",
            "NOW WATCH: Inside the flooded rice paddies",
            "LISTEN TO ARTICLE 3:12 SHARE THIS ARTICLE Share Tweet Post Email",
            // Galleries and captions.
            "Hide Caption 3 of 14",
            "1 of 22",
            "Photos: Life along the river border",
            "( PHOTOS: Ten years of summit handshakes)",
            "See all photos",
            "Swipe",
            "Swipe for more images",
            "Enlarge this image toggle caption Jan Novak/AP Jan Novak/AP",
            "Image copyright Some Agency Image caption Fishing boats moored in the harbour at dusk",
            "Facebook Twitter Pinterest Fishing boats moored in the harbour at dusk. Photograph: Jan Novak/Some Agency",
            // Embedded posts.
            "Another long night at the port. pic.twitter.com/AbCdE12345",
            "The crossing is open again, finally. — Jane Roe (@janeroe_news) June 3, 2024",
            "Talks went well today. https://t.co/xYz123 — Ministry Spokesperson (@spokes) 3 June 2024",
            "View this post on Instagram",
            "A post shared by Harbour Watch (@harbourwatch)",
            "Skip Twitter post by @harbourwatch",
            // Share bars and newsletters.
            "Share this:",
            "Facebook Twitter Email",
            "Share | Facebook | WhatsApp | Copy link",
            "Copy link",
            "Sign up for the morning briefing",
            "Subscribe to our weekly digest",
            "Follow @harbourwatch",
            "Follow Jane Roe on Twitter.",
            "Advertisement Continue reading the main story",
        ] {
            assert!(is_boilerplate_text(s), "{s}");
        }
    }

    #[test]
    fn long_signup_forms_are_boilerplate_and_prose_about_signing_up_is_not() {
        let countries = "Albania Algeria Andorra Angola Argentina Armenia Australia Austria ".repeat(20);
        for s in [
            format!(
                "The Morning Read. Sign up to receive our five stories before breakfast. Choose your country \
                 {countries} Thanks! Check your inbox for a confirmation email and click the link to start your \
                 subscription; if it has not arrived, look in your spam folder."
            ),
            "Harbour Notes newsletter Get the week's port news every Friday, in your inbox. Email Sign Up By \
             signing up you agree to receive newsletters from Harbour Watch. You can unsubscribe at any time. \
             Our privacy policy and terms of service apply to this form and to every message we send you."
                .to_string(),
        ] {
            assert!(is_boilerplate_text(&s), "{s}");
        }
        for s in [
            "Recruiters told the young graduates to sign up through a messaging app and to send a copy of their \
             passport by email; within a week they were flown to the border, where their phones were taken and \
             their contracts turned out to bind them to two years of work in a fraud compound.",
            "The ministry urged anyone who had received such offers to read the terms of use of the job sites they \
             relied on, and to report recruiters who asked them to sign up for training abroad before any visa \
             had been issued by the embassy.",
        ] {
            assert!(!is_boilerplate_text(s), "{s}");
        }
    }

    #[test]
    fn prose_about_videos_and_photos_is_body() {
        for s in [
            "The video, filmed by a bystander, shows officers dragging a man from a car.",
            "Photos of the raid spread quickly on social media.",
            "He said he had just watched the replay of the debate and was furious.",
            "Just watched the replay, one voter said, and nothing in it surprised her.",
            "Now playing a larger role, the coast guard patrols the strait daily.",
            "The governor took a swipe at federal agencies over the delays.",
            "Three of the 22 defendants were acquitted.",
            "The meeting began at 10:30 and ended before noon.",
            "At 4:05 p.m. the motion passed.",
            "Loading the ships took three days.",
            "Watch the video below to see how the smuggling route works, the agency wrote.",
            "She shared the post on Facebook, where it was viewed a million times.",
            "Share prices fell in Hong Kong after the announcement.",
            "Analysts follow the yuan closely on Twitter and elsewhere, but few predicted this.",
            "The gallery closed early on Friday after a protest outside.",
            "Critics say the well-known activist - a former judge - ignored the findings.",
        ] {
            assert!(!is_boilerplate_text(s), "{s}");
        }
    }

    #[test]
    fn durations_and_counts() {
        assert!(is_duration("02:31"));
        assert!(is_duration("1:02:31"));
        assert!(!is_duration("2:3"));
        assert!(!is_duration("10:30 a.m."));
        assert!(!is_duration(":30"));
        assert!(is_gallery_count("hide caption 1 of 22"));
        assert!(!is_gallery_count("one of the best"));
    }

    #[test]
    fn bios() {
        assert!(looks_like_bio("Ophelia Yumlembam is a Research Associate at the Organisation for Research on China."));
        assert!(looks_like_bio("Jane van Doe writes on security and is a fellow at X."));
        assert!(looks_like_bio("The author is a journalist based in Bangkok."));
        assert!(!looks_like_bio("Wang Xing is a Chinese actor who was lured across the border."));
        assert!(!looks_like_bio("The ministry is a research body."));
    }
}
