//! Chinese page furniture: the source, editor and byline lines, share and QR-code prompts, copyright
//! notices and "original title" lines that Chinese news sites print around an article. Kept apart from
//! `boilerplate` (English wording) because the two share no words; like it, these are text-only tests.
//! Simplified and traditional spellings are both listed, since outlets of both scripts are compared in
//! one run.

use super::cjk;

/// A furniture line is short; longer Han text is prose (about 60 characters: see `cjk::word_count`).
const MAX_WORDS: usize = 30;
/// Copyright and disclaimer notices run to a few sentences but only ever open this way.
const MAX_NOTICE_WORDS: usize = 150;

/// Labels that make a line furniture when a colon (or a space) follows them: `来源：新华社`,
/// `责任编辑：王明`, `记者 李华`. The colon is required so that prose opening with the same
/// characters (`来源于`, `编辑部认为`) is not taken.
const LABELS: &[&str] = &[
    "来源",
    "來源",
    "本文来源",
    "本文來源",
    "文章来源",
    "文章來源",
    "图片来源",
    "圖片來源",
    "责任编辑",
    "責任編輯",
    "编辑",
    "編輯",
    "责编",
    "責編",
    "作者",
    "记者",
    "記者",
    "原标题",
    "原標題",
    "发布时间",
    "發布時間",
    "更新时间",
    "更新時間",
    "图",
    "圖",
];

/// Openings that make a line furniture whatever follows: share bars, QR prompts, link lists.
const PREFIXES: &[&str] = &[
    "分享到",
    "分享至",
    "扫一扫",
    "掃一掃",
    "点击查看",
    "點擊查看",
    "点击进入",
    "點擊進入",
    "相关阅读",
    "相關閱讀",
    "相关新闻",
    "相關新聞",
    "延伸阅读",
    "延伸閱讀",
    "热门推荐",
    "熱門推薦",
    "返回顶部",
    "返回頂部",
    "作者系",
    "作者為",
    "作者为",
];

/// Notices that may run longer than other furniture.
const NOTICES: &[&str] = &["版权声明", "版權聲明", "免责声明", "免責聲明", "版权所有", "版權所有"];

/// Wording that marks a short line as furniture wherever it sits: reprint bans and QR-code prompts.
const PHRASES: &[&str] = &[
    "未经授权",
    "未經授權",
    "不得转载",
    "不得轉載",
    "禁止转载",
    "禁止轉載",
    "扫码关注",
    "掃碼關注",
    "扫描二维码",
    "掃描二維碼",
    "微信扫一扫",
    "微信掃一掃",
];

/// Brackets that wrap a credit line (`（作者：王明）`, `【来源：新华社】`).
const OPENERS: &[char] = &['（', '(', '【', '[', '［', '〔'];

/// Chinese furniture recognisable from the text alone.
pub(super) fn is_chinese_furniture(s: &str) -> bool {
    if !cjk::has_han(s) {
        return false;
    }
    let t = s.trim().trim_start_matches(['*', '_']).trim_start_matches(OPENERS).trim_start();
    let words = cjk::word_count(t);
    if NOTICES.iter().any(|p| t.starts_with(p)) {
        return words <= MAX_NOTICE_WORDS;
    }
    words <= MAX_WORDS
        && (LABELS.iter().any(|l| labelled(t, l))
            || PREFIXES.iter().any(|p| t.starts_with(p))
            || PHRASES.iter().any(|p| t.contains(p)))
}

/// `t` is `label` followed by a colon or a space (`来源：`, `来源:`, `记者 李华`).
fn labelled(t: &str, label: &str) -> bool {
    t.strip_prefix(label)
        .and_then(|rest| rest.chars().next())
        .is_some_and(|c| matches!(c, '：' | ':' | '｜' | '|') || c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_furniture_lines() {
        for s in [
            "来源：新华社",
            "來源: 中央社",
            "责任编辑：王小明",
            "責任編輯：陳大文",
            "编辑：李华",
            "（作者：张伟，东南亚问题研究员）",
            "(作者：林美玲)",
            "（作者系某大学国际关系学院副教授）",
            "记者 刘强 报道",
            "原标题：边境打击行动进入新阶段",
            "本文来源：某某日报",
            "发布时间：2025-11-14 10:30",
            "分享到：微信 微博 QQ空间",
            "分享到",
            "扫一扫，用手机看新闻",
            "掃一掃 分享本頁",
            "点击查看更多精彩内容",
            "版权声明：本文为本网原创作品，版权归本网所有，未经书面授权，任何单位或个人不得以任何方式转载或使用。",
            "版權聲明：本網站所刊載內容之著作權屬本網所有。",
            "本文未经授权不得转载。",
            "扫码关注我们的公众号",
            "【图：新华社记者摄】",
        ] {
            assert!(is_chinese_furniture(s), "{s}");
        }
    }

    #[test]
    fn chinese_prose_is_not_furniture() {
        for s in [
            "来源于边境地区的消息显示，园区仍在运转。",
            "编辑部的评论认为，打击行动只是开始。",
            "作者在文中指出，问题的根源在于监管缺位。",
            "分享经验固然重要，但各国的做法差别很大。",
            "记者在现场看到，数百名被解救者排队等候登记。",
            "Source code of the portal was leaked.",
        ] {
            assert!(!is_chinese_furniture(s), "{s}");
        }
    }
}
